#include "tests/daytona_emulator/emulator.h"

#include <signal.h>

#include <filesystem>
#include <random>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace sandboxd::emulator {

std::string NewUuid() {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  std::lock_guard<std::mutex> lock(mu);
  const uint64_t a = rng(), b = rng();
  char buf[40];
  snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx",
           static_cast<unsigned>(a >> 32),
           static_cast<unsigned>(a >> 16) & 0xffff,
           static_cast<unsigned>(a) & 0xfff,
           (static_cast<unsigned>(b >> 48) & 0x3fff) | 0x8000,
           static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string Timestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

Reply JsonReply(int status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  reply.body = std::move(body);
  return reply;
}

Reply ApiError(const Request& request, int status, const std::string& message) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("path");
  w.String(request.path.c_str());
  w.Key("timestamp");
  w.String(Timestamp(absl::Now()).c_str());
  w.Key("statusCode");
  w.Int(status);
  w.Key("error");
  w.String(ReasonPhrase(status).c_str());
  w.Key("message");
  w.String(message.c_str());
  w.EndObject();
  return JsonReply(status, buf.GetString());
}

Reply DaemonError(const Request& request, int status, const std::string& code,
                  const std::string& message) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("statusCode");
  w.Int(status);
  w.Key("message");
  w.String(message.c_str());
  w.Key("code");
  w.String(code.c_str());
  w.Key("timestamp");
  w.String(Timestamp(absl::Now()).c_str());
  w.Key("path");
  w.String(request.path.c_str());
  w.Key("method");
  w.String(request.method.c_str());
  w.EndObject();
  return JsonReply(status, buf.GetString());
}

Emulator::Emulator(EmulatorOptions options)
    : options_(std::move(options)), launcher_(options_.launcher) {
  ticker_ = std::thread([this] {
    while (!stop_.load()) {
      Tick();
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
}

Emulator::~Emulator() {
  stop_.store(true);
  ticker_.join();
  absl::MutexLock lock(&mu_);
  for (auto& [id, sandbox] : sandboxes_) KillProcesses(sandbox);
}

void Emulator::KillAll() {
  absl::MutexLock lock(&mu_);
  for (auto& [id, sandbox] : sandboxes_) KillProcesses(sandbox);
}

Sandbox* Emulator::Find(const std::string& id_or_name) {
  auto it = sandboxes_.find(id_or_name);
  if (it != sandboxes_.end()) return &it->second;
  for (auto& [id, sandbox] : sandboxes_) {
    if (sandbox.name == id_or_name) return &sandbox;
  }
  return nullptr;
}

void Emulator::SetState(Sandbox& sandbox, const std::string& state,
                        const std::string& next_state) {
  sandbox.state = state;
  sandbox.updated_at = absl::Now();
  sandbox.next_state = next_state;
  sandbox.next_at = next_state.empty() ? absl::InfiniteFuture()
                                       : absl::Now() + options_.transition;
}

void Emulator::BeginStarting(Sandbox& sandbox) {
  if (auto fault = faults_.TakeSandboxFault(); fault.has_value()) {
    if (fault->kind == "stuck_starting") sandbox.stuck_starting = true;
    if (fault->kind == "error") sandbox.fail_reason = fault->error_reason;
  }
  sandbox.error_reason.clear();
  sandbox.desired_state = "started";
  SetState(sandbox, "starting",
           sandbox.stuck_starting
               ? ""
               : (sandbox.fail_reason.empty() ? "started" : "error"));
}

void Emulator::KillProcesses(Sandbox& sandbox) {
  for (pid_t pid : sandbox.pids) kill(pid, SIGKILL);
}

void Emulator::Tick() {
  std::vector<std::string>& remove_dirs = pending_removals_;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    for (auto it = sandboxes_.begin(); it != sandboxes_.end();) {
      Sandbox& sb = it->second;
      if (sb.next_at > now) {
        ++it;
        continue;
      }
      const std::string next = sb.next_state;
      if (next == "starting") {
        BeginStarting(sb);
      } else if (next == "error") {
        sb.error_reason = sb.fail_reason;
        sb.fail_reason.clear();
        SetState(sb, "error", "");
      } else if (next == "started") {
        sb.preview_token = NewUuid();
        SetState(sb, "started", "");
      } else if (next == "stopped" || next == "destroyed") {
        SetState(sb, next, "");
      } else {
        SetState(sb, sb.state, "");
      }
      if (sb.state == "destroyed") {
        remove_dirs.push_back(std::filesystem::path(sb.host_dir).parent_path());
        it = sandboxes_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // A killed sandbox's processes die asynchronously: a directory they were
  // still writing to fails to go (ENOTEMPTY) and is tried again next tick.
  std::erase_if(remove_dirs, [](const std::string& dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return !ec;
  });
}

Reply Emulator::Handle(const Request& request) {
  std::vector<std::string> parts =
      absl::StrSplit(request.path, '/', absl::SkipEmpty());
  if (!parts.empty() && parts[0] == "_emulator") {
    if (parts.size() == 2 && parts[1] == "health") return JsonReply(200, "{}");
    if (parts.size() == 2 && parts[1] == "faults") {
      if (request.method == "POST") {
        absl::Status s = faults_.Add(request.body);
        if (!s.ok()) return ApiError(request, 400, std::string(s.message()));
        return JsonReply(200, faults_.ToJson());
      }
      if (request.method == "DELETE") faults_.Clear();
      return JsonReply(200, faults_.ToJson());
    }
    return ApiError(request, 404,
                    "Cannot " + request.method + " " + request.path);
  }
  if (auto fault = faults_.TakeRequestFault(request.method, request.path);
      fault.has_value()) {
    if (fault->kind == "delay") {
      absl::SleepFor(absl::Milliseconds(fault->delay_ms));
    } else if (fault->kind == "drop") {
      Reply reply;
      reply.drop = true;
      return reply;
    } else if (fault->kind == "empty_502") {
      Reply reply;
      reply.status = 502;
      return reply;
    } else {
      const bool api = !parts.empty() && parts[0] == "api";
      std::string message = fault->status == 429 ? "Rate limit exceeded"
                            : fault->status >= 500
                                ? "An unexpected error occurred."
                                : ReasonPhrase(fault->status);
      Reply reply =
          api ? ApiError(request, fault->status, message)
              : DaemonError(request, fault->status,
                            fault->status == 429 ? "TOO_MANY_REQUESTS"
                                                 : "INTERNAL_SERVER_ERROR",
                            message);
      if (fault->status == 429) {
        const std::string secs = std::to_string(fault->retry_after);
        reply.headers.emplace_back("Retry-After", secs);
        reply.headers.emplace_back("Retry-After-" + fault->throttler, secs);
        reply.headers.emplace_back("X-RateLimit-Reset-" + fault->throttler,
                                   secs);
        reply.headers.emplace_back("X-RateLimit-Remaining-" + fault->throttler,
                                   "0");
      }
      return reply;
    }
  }
  const std::string auth = request.Header("authorization");
  if (auth.rfind("Bearer ", 0) != 0 || auth.size() <= 7) {
    return ApiError(request, 401, "Unauthorized");
  }
  return Route(request, parts);
}

Reply Emulator::Route(const Request& request, const Parts& p) {
  const std::string& m = request.method;
  if (p.size() >= 2 && p[0] == "api" && p[1] == "sandbox") {
    if (p.size() == 2 && m == "POST") return CreateSandbox(request);
    if (p.size() == 2 && m == "GET") return ListSandboxes(request);
    if (p.size() == 3 && m == "GET") return GetSandbox(request, p[2]);
    if (p.size() == 3 && m == "DELETE") return DeleteSandbox(request, p[2]);
    if (p.size() == 4 && m == "POST" && p[3] == "start")
      return StartSandbox(request, p[2]);
    if (p.size() == 4 && m == "POST" && p[3] == "stop")
      return StopSandbox(request, p[2]);
    if (p.size() == 4 && m == "PUT" && p[3] == "labels")
      return SetLabels(request, p[2]);
    if (p.size() == 4 && m == "GET" && p[3] == "toolbox-proxy-url") {
      return ToolboxProxyUrl(request, p[2]);
    }
    if (p.size() == 6 && m == "GET" && p[3] == "ports" &&
        (p[5] == "preview-url" || p[5] == "signed-preview-url")) {
      return PreviewUrl(request, p[2], p[4], p[5] == "signed-preview-url");
    }
  }
  if (p.size() >= 2 && p[0] == "toolbox") {
    return Toolbox(request, p[1], Parts(p.begin() + 2, p.end()));
  }
  return ApiError(request, 404, "Cannot " + m + " " + request.path);
}

}  // namespace sandboxd::emulator
