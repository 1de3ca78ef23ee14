// Emulator: the control plane under /api (see emulator.h).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tests/daytona_emulator/command_rewrite.h"
#include "tests/daytona_emulator/emulator.h"

namespace sandboxd::emulator {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteMap(Writer& w, const char* key,
              const std::map<std::string, std::string>& map) {
  w.Key(key);
  w.StartObject();
  for (const auto& [k, v] : map) {
    w.Key(k.c_str());
    w.String(v.c_str());
  }
  w.EndObject();
}

bool ReadMap(const rapidjson::Value& obj, const char* key,
             std::map<std::string, std::string>& out) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return true;
  if (!it->value.IsObject()) return false;
  for (const auto& m : it->value.GetObject()) {
    if (!m.value.IsString()) return false;
    out[m.name.GetString()] = m.value.GetString();
  }
  return true;
}

// A free TCP port on 127.0.0.1 (bound then released).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool Transitional(const std::string& state) {
  return state == "creating" || state == "starting" || state == "stopping" ||
         state == "pending_build" || state == "building_snapshot";
}

}  // namespace

int Emulator::HostPort(Sandbox& sandbox, int port) {
  auto it = sandbox.ports.find(port);
  if (it != sandbox.ports.end()) return it->second;
  int host_port = FreePort();
  sandbox.ports[port] = host_port;
  return host_port;
}

std::string Emulator::RewriteCommand(Sandbox& sandbox,
                                     const std::string& command) {
  return emulator::RewriteCommand(
      command, [&](int port) { return HostPort(sandbox, port); });
}

std::string Emulator::SandboxJson(const Sandbox& sb, bool list_item,
                                  const std::string& host) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  auto str = [&](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str());
  };
  auto num = [&](const char* key, int value) {
    w.Key(key);
    w.Int(value);
  };
  w.StartObject();
  str("id", sb.id);
  str("organizationId", "00000000-0000-4000-8000-000000000001");
  str("name", sb.name);
  str("user", sb.user);
  if (!list_item) WriteMap(w, "env", sb.env);
  WriteMap(w, "labels", sb.labels);
  w.Key("public");
  w.Bool(sb.is_public);
  w.Key("networkBlockAll");
  w.Bool(false);
  str("target", sb.target);
  num("cpu", sb.cpu);
  num("gpu", 0);
  num("memory", sb.memory);
  num("disk", sb.disk);
  if (!sb.snapshot.empty()) str("snapshot", sb.snapshot);
  str("state", sb.state);
  if (!sb.desired_state.empty()) str("desiredState", sb.desired_state);
  if (!sb.error_reason.empty() || sb.state == "error") {
    str("errorReason", sb.error_reason);
    w.Key("recoverable");
    w.Bool(false);
  }
  num("autoStopInterval", sb.auto_stop);
  num("autoArchiveInterval", sb.auto_archive);
  num("autoDeleteInterval", sb.auto_delete);
  if (!list_item) {
    w.Key("volumes");
    w.StartArray();
    w.EndArray();
  }
  str("createdAt", Timestamp(sb.created_at));
  str("updatedAt", Timestamp(sb.updated_at));
  str("lastActivityAt", Timestamp(sb.updated_at));
  str("sandboxClass", "container");
  str("daemonVersion", "v0.190.0-emulator");
  str("toolboxProxyUrl", "http://" + host + "/toolbox");
  w.EndObject();
  return buf.GetString();
}

Reply Emulator::CreateSandbox(const Request& request) {
  rapidjson::Document body;
  const std::string text = request.body.empty() ? "{}" : request.body;
  body.Parse(text.c_str(), text.size());
  if (body.HasParseError() || !body.IsObject()) {
    return ApiError(request, 400, "Invalid request body");
  }
  Sandbox sb;
  auto str = [&](const char* key, std::string& out) {
    auto it = body.FindMember(key);
    if (it != body.MemberEnd() && it->value.IsString())
      out = it->value.GetString();
  };
  auto num = [&](const char* key, int& out) -> bool {
    auto it = body.FindMember(key);
    if (it == body.MemberEnd() || it->value.IsNull()) return false;
    if (it->value.IsInt()) out = it->value.GetInt();
    return true;
  };
  str("name", sb.name);
  str("snapshot", sb.snapshot);
  str("target", sb.target);
  str("user", sb.user);
  if (!ReadMap(body, "labels", sb.labels) || !ReadMap(body, "env", sb.env)) {
    return ApiError(request, 400, "labels and env must be string maps");
  }
  if (auto it = body.FindMember("public");
      it != body.MemberEnd() && it->value.IsBool()) {
    sb.is_public = it->value.GetBool();
  }
  num("autoStopInterval", sb.auto_stop);
  num("autoArchiveInterval", sb.auto_archive);
  num("autoDeleteInterval", sb.auto_delete);
  const bool build = body.HasMember("buildInfo");
  bool resources = num("cpu", sb.cpu);
  resources = num("memory", sb.memory) || resources;
  resources = num("disk", sb.disk) || resources;
  if (build && !sb.snapshot.empty()) {
    return ApiError(request, 400, "Cannot specify both snapshot and buildInfo");
  }
  if (resources && !build) {
    return ApiError(request, 400,
                    "Cannot specify Sandbox resources when using a snapshot");
  }
  if (!build && sb.snapshot.empty()) sb.snapshot = "daytonaio/sandbox:0.4.3";

  absl::MutexLock lock(&mu_);
  if (!sb.name.empty() && Find(sb.name) != nullptr) {
    return ApiError(request, 409,
                    "Sandbox with name " + sb.name + " already exists");
  }
  sb.id = NewUuid();
  if (sb.name.empty()) sb.name = sb.id;
  sb.seq = next_seq_++;
  sb.created_at = absl::Now();
  sb.host_dir = options_.data_dir + "/sandboxes/" + sb.id + "/home";
  std::error_code ec;
  std::filesystem::create_directories(sb.host_dir, ec);
  if (ec || (launcher_.drops_privileges() &&
             chown(sb.host_dir.c_str(), launcher_.options().uid,
                   launcher_.options().gid) != 0)) {
    return ApiError(request, 500, "An unexpected error occurred.");
  }
  std::filesystem::permissions(std::filesystem::path(sb.host_dir).parent_path(),
                               std::filesystem::perms(0711), ec);
  sb.desired_state = "started";
  SetState(sb, build ? "pending_build" : "creating", "starting");
  Sandbox& stored = sandboxes_[sb.id] = std::move(sb);
  return JsonReply(200, SandboxJson(stored, false, request.Header("host")));
}

Reply Emulator::ListSandboxes(const Request& request) {
  std::map<std::string, std::string> want;
  if (auto it = request.query.find("labels"); it != request.query.end()) {
    rapidjson::Document doc;
    doc.Parse(it->second.c_str(), it->second.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return ApiError(request, 400, "labels must be a JSON object");
    }
    for (const auto& m : doc.GetObject()) {
      if (!m.value.IsString())
        return ApiError(request, 400, "labels must be a JSON object");
      want[m.name.GetString()] = m.value.GetString();
    }
  }
  int limit = 100;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    if (!absl::SimpleAtoi(it->second, &limit) || limit < 1 || limit > 200) {
      return ApiError(
          request, 400,
          "limit must not be greater than 200, limit must not be less than 1");
    }
  }
  int64_t after = 0;
  if (auto it = request.query.find("cursor");
      it != request.query.end() && !it->second.empty()) {
    if (!absl::SimpleAtoi(it->second, &after)) {
      return ApiError(request, 400, "Invalid cursor");
    }
  }
  absl::MutexLock lock(&mu_);
  std::vector<const Sandbox*> matches;
  for (const auto& [id, sb] : sandboxes_) {
    if (sb.seq <= after || sb.state == "destroyed") continue;
    bool ok = std::all_of(want.begin(), want.end(), [&](const auto& kv) {
      auto l = sb.labels.find(kv.first);
      return l != sb.labels.end() && l->second == kv.second;
    });
    if (ok) matches.push_back(&sb);
  }
  std::sort(matches.begin(), matches.end(),
            [](const Sandbox* a, const Sandbox* b) { return a->seq < b->seq; });
  std::string body = "{\"items\":[";
  const size_t n = std::min<size_t>(matches.size(), static_cast<size_t>(limit));
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) body += ",";
    body += SandboxJson(*matches[i], true, request.Header("host"));
  }
  body += "],\"nextCursor\":";
  body += matches.size() > n ? "\"" + std::to_string(matches[n - 1]->seq) + "\""
                             : std::string("null");
  body += "}";
  return JsonReply(200, body);
}

Reply Emulator::GetSandbox(const Request& request, const std::string& id) {
  absl::MutexLock lock(&mu_);
  Sandbox* sb = Find(id);
  if (sb == nullptr) {
    return ApiError(request, 404,
                    "Sandbox with ID or name " + id + " not found");
  }
  return JsonReply(200, SandboxJson(*sb, false, request.Header("host")));
}

Reply Emulator::DeleteSandbox(const Request& request, const std::string& id) {
  absl::MutexLock lock(&mu_);
  Sandbox* sb = Find(id);
  if (sb == nullptr) {
    return ApiError(request, 404,
                    "Sandbox with ID or name " + id + " not found");
  }
  // Short transitions must finish first; a sandbox stuck in `starting` can be
  // deleted (as current Daytona allows, unlike v0.190's issue #2236).
  if (sb->state == "creating" || sb->state == "stopping" ||
      sb->state == "pending_build") {
    return ApiError(request, 409, "Sandbox state change in progress");
  }
  if (sb->state != "destroying") {
    KillProcesses(*sb);
    sb->desired_state = "destroyed";
    SetState(*sb, "destroying", "destroyed");
  }
  return JsonReply(200, SandboxJson(*sb, false, request.Header("host")));
}

Reply Emulator::StartSandbox(const Request& request, const std::string& id) {
  absl::MutexLock lock(&mu_);
  Sandbox* sb = Find(id);
  if (sb == nullptr) {
    return ApiError(request, 404,
                    "Sandbox with ID or name " + id + " not found");
  }
  if (Transitional(sb->state)) {
    return ApiError(request, 409, "Sandbox state change in progress");
  }
  if (sb->state == "error")
    return ApiError(request, 400, "Sandbox is in an errored state");
  if (sb->state == "stopped") {
    BeginStarting(*sb);
  } else if (sb->state != "started") {
    return ApiError(request, 400, "Sandbox is not stopped");
  }
  return JsonReply(200, SandboxJson(*sb, false, request.Header("host")));
}

Reply Emulator::StopSandbox(const Request& request, const std::string& id) {
  absl::MutexLock lock(&mu_);
  Sandbox* sb = Find(id);
  if (sb == nullptr) {
    return ApiError(request, 404,
                    "Sandbox with ID or name " + id + " not found");
  }
  if (Transitional(sb->state)) {
    return ApiError(request, 409, "Sandbox state change in progress");
  }
  if (sb->state == "started") {
    KillProcesses(*sb);
    sb->desired_state = "stopped";
    SetState(*sb, "stopping", "stopped");
  } else if (sb->state != "stopped") {
    return ApiError(request, 400, "Sandbox is not in a stoppable state");
  }
  return JsonReply(200, SandboxJson(*sb, false, request.Header("host")));
}

Reply Emulator::SetLabels(const Request& request, const std::string& id) {
  rapidjson::Document body;
  const std::string text = request.body.empty() ? "{}" : request.body;
  body.Parse(text.c_str(), text.size());
  std::map<std::string, std::string> labels;
  if (body.HasParseError() || !body.IsObject() || !body.HasMember("labels") ||
      !ReadMap(body, "labels", labels)) {
    return ApiError(request, 400, "labels must be a string map");
  }
  absl::MutexLock lock(&mu_);
  Sandbox* sb = Find(id);
  if (sb == nullptr) {
    return ApiError(request, 404,
                    "Sandbox with ID or name " + id + " not found");
  }
  sb->labels = std::move(labels);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  WriteMap(w, "labels", sb->labels);
  w.EndObject();
  return JsonReply(200, buf.GetString());
}

Reply Emulator::PreviewUrl(const Request& request, const std::string& id,
                           const std::string& port_text, bool signed_url) {
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
    return ApiError(request, 400, "Invalid port");
  }
  int expires = 60;
  if (auto it = request.query.find("expiresInSeconds");
      it != request.query.end()) {
    if (!absl::SimpleAtoi(it->second, &expires) || expires < 1 ||
        expires > 86400) {
      return ApiError(request, 400,
                      "expiresInSeconds must be between 1 and 86400");
    }
  }
  absl::MutexLock lock(&mu_);
  Sandbox* sb = Find(id);
  if (sb == nullptr) {
    return ApiError(request, 404,
                    "Sandbox with ID or name " + id + " not found");
  }
  const std::string url =
      "http://127.0.0.1:" + std::to_string(HostPort(*sb, port));
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("sandboxId");
  w.String(sb->id.c_str());
  if (signed_url) {
    w.Key("port");
    w.Int(port);
  }
  w.Key("url");
  w.String(url.c_str());
  w.Key("token");
  w.String(signed_url
               ? NewUuid().substr(0, 8).append(NewUuid().substr(0, 8)).c_str()
               : sb->preview_token.c_str());
  w.EndObject();
  return JsonReply(200, buf.GetString());
}

Reply Emulator::ToolboxProxyUrl(const Request& request, const std::string& id) {
  absl::MutexLock lock(&mu_);
  if (Find(id) == nullptr) {
    return ApiError(request, 404,
                    "Sandbox with ID or name " + id + " not found");
  }
  return JsonReply(
      200, "{\"url\":\"http://" + request.Header("host") + "/toolbox\"}");
}

}  // namespace sandboxd::emulator
