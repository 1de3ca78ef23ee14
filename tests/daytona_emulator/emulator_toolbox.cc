// Emulator: the toolbox under /toolbox/{id} (see emulator.h).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tests/daytona_emulator/emulator.h"
#include "tests/daytona_emulator/multipart.h"

namespace sandboxd::emulator {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr char kStdoutMarker[] = "\x01\x01\x01";
constexpr char kStderrMarker[] = "\x02\x02\x02";

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// The path of `path` relative to /home/daytona (relative paths are taken
// from there); nullopt when it leaves the sandbox's home.
std::optional<std::string> HomeRelative(const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(kSandboxHome) / p;
  std::string normal = p.lexically_normal().string();
  const std::string prefix = std::string(kSandboxHome) + "/";
  if (normal.rfind(prefix, 0) != 0 || normal.size() == prefix.size()) {
    return std::nullopt;
  }
  return normal.substr(prefix.size());
}

// Writes `data` at `rel` under `root` without following symlinks, creating
// parent directories; files and directories get `uid`/`gid` when `chown`.
absl::Status WriteBelow(const std::string& root, const std::string& rel,
                        const std::string& data, bool do_chown, uid_t uid,
                        gid_t gid) {
  std::vector<std::string> parts = absl::StrSplit(rel, '/', absl::SkipEmpty());
  if (parts.empty()) return absl::InvalidArgumentError("empty path");
  int dir = open(root.c_str(), O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0) return absl::InternalError("cannot open sandbox home");
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (mkdirat(dir, parts[i].c_str(), 0755) == 0 && do_chown) {
      fchownat(dir, parts[i].c_str(), uid, gid, AT_SYMLINK_NOFOLLOW);
    }
    int next =
        openat(dir, parts[i].c_str(), O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    close(dir);
    if (next < 0)
      return absl::InvalidArgumentError("not a directory: " + parts[i]);
    dir = next;
  }
  // Truncated only once it is known to be this sandbox's own regular file.
  int fd = openat(dir, parts.back().c_str(),
                  O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  close(dir);
  if (fd < 0) return absl::InvalidArgumentError("cannot write " + rel);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink > 1) {
    close(fd);
    return absl::InvalidArgumentError("not a regular file: " + rel);
  }
  if (ftruncate(fd, 0) != 0 || (do_chown && fchown(fd, uid, gid) != 0)) {
    close(fd);
    return absl::InternalError("cannot truncate or chown " + rel);
  }
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = write(fd, data.data() + written, data.size() - written);
    if (n <= 0) {
      close(fd);
      return absl::ResourceExhaustedError("write failed: " + rel);
    }
    written += static_cast<size_t>(n);
  }
  close(fd);
  return absl::OkStatus();
}

std::string CommandJson(const Command& cmd, bool logs) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  if (!logs) {
    w.Key("id");
    w.String(cmd.id.c_str());
    w.Key("command");
    w.String(cmd.command.c_str());
    if (cmd.exit_code.has_value()) {
      w.Key("exitCode");
      w.Int(*cmd.exit_code);
    }
  } else {
    w.Key("output");
    w.String(cmd.output.c_str(), cmd.output.size());
    w.Key("stdout");
    w.String(cmd.stdout_text.c_str(), cmd.stdout_text.size());
    w.Key("stderr");
    w.String(cmd.stderr_text.c_str(), cmd.stderr_text.size());
  }
  w.EndObject();
  return buf.GetString();
}

}  // namespace

Reply Emulator::Toolbox(const Request& request, const std::string& id,
                        const Parts& rest) {
  const std::string& m = request.method;
  {
    absl::MutexLock lock(&mu_);
    Sandbox* sb = Find(id);
    if (sb == nullptr) {
      return DaemonError(request, 404, "NOT_FOUND",
                         "sandbox " + id + " not found");
    }
    if (sb->state != "started") {
      return DaemonError(request, 400, "BAD_REQUEST",
                         "failed to resolve container IP for sandbox " + id +
                             ". Is the Sandbox started?");
    }
    if (rest.size() == 2 && rest[0] == "files" && rest[1] == "bulk-upload" &&
        m == "POST") {
      return BulkUpload(request, *sb);
    }
    if (rest.size() == 1 &&
        (rest[0] == "work-dir" || rest[0] == "user-home-dir")) {
      return JsonReply(200, std::string("{\"dir\":\"") + kSandboxHome + "\"}");
    }
    if (rest.size() >= 2 && rest[0] == "process" && rest[1] == "session") {
      if (rest.size() == 2 && m == "POST") {
        rapidjson::Document doc;
        doc.Parse(request.body.c_str(), request.body.size());
        if (doc.HasParseError() || !doc.IsObject() ||
            !doc.HasMember("sessionId") || !doc["sessionId"].IsString() ||
            doc["sessionId"].GetStringLength() == 0) {
          return DaemonError(request, 400, "INVALID_REQUEST_BODY",
                             "sessionId is required");
        }
        std::string sid = doc["sessionId"].GetString();
        if (sb->sessions.count(sid) > 0) {
          return DaemonError(request, 409, "CONFLICT",
                             "session already exists");
        }
        sb->sessions[sid];
        Reply reply;
        reply.status = 201;
        return reply;
      }
      if (rest.size() == 2 && m == "GET") {
        std::string body = "[";
        for (const auto& [sid, session] : sb->sessions) {
          if (body.size() > 1) body += ",";
          body += "{\"sessionId\":\"" + sid + "\",\"commands\":[";
          bool first = true;
          for (const auto& [cid, cmd] : session.commands) {
            if (!first) body += ",";
            first = false;
            body += CommandJson(*cmd, false);
          }
          body += "]}";
        }
        return JsonReply(200, body + "]");
      }
      auto session =
          rest.size() >= 3 ? sb->sessions.find(rest[2]) : sb->sessions.end();
      if (session == sb->sessions.end()) {
        return DaemonError(request, 404, "NOT_FOUND", "session not found");
      }
      if (rest.size() == 3 && m == "DELETE") {
        sb->sessions.erase(session);
        Reply reply;
        reply.status = 204;
        return reply;
      }
      if (rest.size() == 3 && m == "GET") {
        std::string body = "{\"sessionId\":\"" + rest[2] + "\",\"commands\":[";
        bool first = true;
        for (const auto& [cid, cmd] : session->second.commands) {
          if (!first) body += ",";
          first = false;
          body += CommandJson(*cmd, false);
        }
        return JsonReply(200, body + "]}");
      }
      if (rest.size() >= 5 && rest[3] == "command" && m == "GET") {
        auto cmd = session->second.commands.find(rest[4]);
        if (cmd == session->second.commands.end()) {
          return DaemonError(request, 404, "NOT_FOUND", "command not found");
        }
        if (rest.size() == 5)
          return JsonReply(200, CommandJson(*cmd->second, false));
        if (rest.size() == 6 && rest[5] == "logs") {
          return JsonReply(200, CommandJson(*cmd->second, true));
        }
      }
    }
  }
  if (rest.size() == 1 && rest[0] == "files" && m == "DELETE") {
    return DeleteFiles(request, id);
  }
  if (rest.size() == 2 && rest[0] == "process" && rest[1] == "execute" &&
      m == "POST") {
    return Execute(request, id);
  }
  if (rest.size() == 4 && rest[0] == "process" && rest[1] == "session" &&
      rest[3] == "exec" && m == "POST") {
    return SessionExec(request, id, rest[2]);
  }
  return DaemonError(request, 404, "NOT_FOUND",
                     "Cannot " + m + " " + request.path);
}

Reply Emulator::BulkUpload(const Request& request, Sandbox& sandbox) {
  auto parts = ParseMultipart(request.Header("content-type"), request.body);
  if (!parts.ok()) {
    return DaemonError(request, 400, "BAD_REQUEST",
                       std::string(parts.status().message()));
  }
  std::map<std::string, std::string> paths;  // "files[i]" -> path
  std::string errors, files;
  for (const FormPart& part : *parts) {
    const size_t dot = part.name.rfind('.');
    if (dot == std::string::npos) continue;
    const std::string key = part.name.substr(0, dot);
    const std::string field = part.name.substr(dot + 1);
    if (field == "path") {
      paths[key] = part.data;
      continue;
    }
    if (field != "file") continue;
    auto path = paths.find(key);
    std::string error;
    if (path == paths.end()) {
      error = key + ": the .path part must come before the .file part";
    } else if (auto rel = HomeRelative(path->second); !rel.has_value()) {
      error = path->second + ": outside the sandbox";
    } else if (absl::Status s =
                   WriteBelow(sandbox.host_dir, *rel, part.data,
                              launcher_.drops_privileges(),
                              launcher_.options().uid, launcher_.options().gid);
               !s.ok()) {
      error = path->second + ": " + std::string(s.message());
    }
    rapidjson::StringBuffer buf;
    Writer w(buf);
    if (!error.empty()) {
      w.String(error.c_str());
      errors += (errors.empty() ? "" : ",") + std::string(buf.GetString());
    } else {
      w.StartObject();
      w.Key("path");
      w.String(path->second.c_str());
      w.Key("bytes");
      w.Int64(static_cast<int64_t>(part.data.size()));
      w.EndObject();
      files += (files.empty() ? "" : ",") + std::string(buf.GetString());
    }
  }
  if (!errors.empty()) {
    return JsonReply(400,
                     "{\"errors\":[" + errors + "],\"files\":[" + files + "]}");
  }
  return JsonReply(200, "{\"files\":[" + files + "]}");
}

absl::Status Emulator::StartInSandbox(const std::string& id,
                                      const std::string& command,
                                      std::shared_ptr<Command> sink, bool wait,
                                      bool merge, absl::Duration timeout,
                                      RunResult* result) {
  std::string host_dir, rewritten;
  std::map<std::string, std::string> env;
  {
    absl::MutexLock lock(&mu_);
    Sandbox* sb = Find(id);
    if (sb == nullptr) return absl::NotFoundError("sandbox not found");
    host_dir = sb->host_dir;
    env = sb->env;
    rewritten = RewriteCommand(*sb, command);
  }
  absl::StatusOr<Spawned> spawned =
      launcher_.Spawn(host_dir, kSandboxHome, rewritten, env, merge);
  if (!spawned.ok()) return spawned.status();
  {
    absl::MutexLock lock(&mu_);
    Sandbox* sb = Find(id);
    if (sb == nullptr || sb->state != "started") {
      kill(spawned->pid, SIGKILL);
    } else {
      sb->pids.insert(spawned->pid);
    }
  }
  auto collect = [this, id, sink, timeout, s = *spawned](RunResult* out) {
    bool timed_out = false;
    int code = CollectProcess(
        s, timeout,
        [&](bool is_stderr, const std::string& bytes) {
          absl::MutexLock lock(&mu_);
          sink->output += (is_stderr ? kStderrMarker : kStdoutMarker) + bytes;
          (is_stderr ? sink->stderr_text : sink->stdout_text) += bytes;
        },
        [&] {
          absl::MutexLock lock(&mu_);
          if (Sandbox* sb = Find(id); sb != nullptr) sb->pids.erase(s.pid);
        },
        &timed_out);
    absl::MutexLock lock(&mu_);
    sink->exit_code = code;
    if (out != nullptr) *out = RunResult{code, timed_out};
  };
  if (wait) {
    collect(result);
  } else {
    std::thread(collect, nullptr).detach();
  }
  return absl::OkStatus();
}

Reply Emulator::Execute(const Request& request, const std::string& id) {
  rapidjson::Document doc;
  doc.Parse(request.body.c_str(), request.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("command") ||
      !doc["command"].IsString() || doc["command"].GetStringLength() == 0) {
    return DaemonError(request, 400, "BAD_REQUEST", "command is required");
  }
  std::string command = doc["command"].GetString();
  if (auto it = doc.FindMember("cwd");
      it != doc.MemberEnd() && it->value.IsString()) {
    command = "cd " + ShellQuote(it->value.GetString()) + " && " + command;
  }
  if (auto it = doc.FindMember("envs");
      it != doc.MemberEnd() && it->value.IsObject()) {
    std::string exports;
    for (const auto& e : it->value.GetObject()) {
      if (!e.value.IsString()) continue;
      exports += "export " + std::string(e.name.GetString()) + "=" +
                 ShellQuote(e.value.GetString()) + "; ";
    }
    command = exports + command;
  }
  absl::Duration timeout = absl::ZeroDuration();
  if (auto it = doc.FindMember("timeout");
      it != doc.MemberEnd() && it->value.IsInt()) {
    timeout = absl::Seconds(it->value.GetInt());
  }
  auto sink = std::make_shared<Command>();
  RunResult result;
  absl::Status s =
      StartInSandbox(id, command, sink, true, true, timeout, &result);
  if (!s.ok()) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("exitCode");
    w.Int(-1);
    w.Key("result");
    w.String(std::string(s.message()).c_str());
    w.EndObject();
    return JsonReply(200, buf.GetString());
  }
  if (result.timed_out) {
    return DaemonError(request, 408, "REQUEST_TIMEOUT",
                       "command execution timeout");
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("exitCode");
  w.Int(result.exit_code);
  w.Key("result");
  absl::MutexLock lock(&mu_);
  w.String(sink->stdout_text.c_str(), sink->stdout_text.size());
  w.EndObject();
  return JsonReply(200, buf.GetString());
}

Reply Emulator::SessionExec(const Request& request, const std::string& id,
                            const std::string& session_id) {
  rapidjson::Document doc;
  doc.Parse(request.body.c_str(), request.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("command") ||
      !doc["command"].IsString() || doc["command"].GetStringLength() == 0) {
    return DaemonError(request, 400, "BAD_REQUEST", "command is required");
  }
  bool async = false;
  for (const char* key : {"runAsync", "async"}) {
    auto it = doc.FindMember(key);
    if (it != doc.MemberEnd() && it->value.IsBool() && it->value.GetBool())
      async = true;
  }
  auto cmd = std::make_shared<Command>();
  cmd->command = doc["command"].GetString();
  {
    absl::MutexLock lock(&mu_);
    Sandbox* sb = Find(id);
    if (sb == nullptr)
      return DaemonError(request, 404, "NOT_FOUND", "sandbox not found");
    auto session = sb->sessions.find(session_id);
    if (session == sb->sessions.end()) {
      return DaemonError(request, 404, "NOT_FOUND", "session not found");
    }
    cmd->id = NewUuid();
    session->second.commands[cmd->id] = cmd;
  }
  RunResult result;
  absl::Status s = StartInSandbox(id, cmd->command, cmd, !async, false,
                                  absl::ZeroDuration(), &result);
  if (!s.ok()) {
    return DaemonError(request, 500, "INTERNAL_SERVER_ERROR",
                       std::string(s.message()));
  }
  if (async) return JsonReply(202, "{\"cmdId\":\"" + cmd->id + "\"}");
  absl::MutexLock lock(&mu_);
  std::string logs = CommandJson(*cmd, true);
  // {"output":..,"stdout":..,"stderr":..} + cmdId and exitCode.
  logs.pop_back();
  return JsonReply(200, logs + ",\"cmdId\":\"" + cmd->id + "\",\"exitCode\":" +
                            std::to_string(result.exit_code) + "}");
}

Reply Emulator::DeleteFiles(const Request& request, const std::string& id) {
  auto path = request.query.find("path");
  if (path == request.query.end() || path->second.empty()) {
    return DaemonError(request, 400, "BAD_REQUEST", "path is required");
  }
  auto recursive = request.query.find("recursive");
  const bool r =
      recursive != request.query.end() && recursive->second == "true";
  const std::string quoted = ShellQuote(path->second);
  const std::string command = "test -e " + quoted + " || test -L " + quoted +
                              " || exit 3; rm " + (r ? "-rf" : "-f") + " -- " +
                              quoted;
  auto sink = std::make_shared<Command>();
  RunResult result;
  absl::Status s =
      StartInSandbox(id, command, sink, true, true, absl::Seconds(60), &result);
  if (!s.ok()) {
    return DaemonError(request, 500, "INTERNAL_SERVER_ERROR",
                       std::string(s.message()));
  }
  if (result.exit_code == 3) {
    return DaemonError(request, 404, "FILE_NOT_FOUND",
                       "file not found: " + path->second);
  }
  if (result.exit_code != 0) {
    absl::MutexLock lock(&mu_);
    return DaemonError(request, 400, "BAD_REQUEST", sink->stdout_text);
  }
  Reply reply;
  reply.status = 204;
  return reply;
}

}  // namespace sandboxd::emulator
