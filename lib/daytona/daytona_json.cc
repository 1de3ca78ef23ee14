// RapidJSON codec for Daytona bodies. Everything here is a pure function.
#include "lib/daytona/daytona_json.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace sandboxd::daytona {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& w, absl::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteMap(Writer& w, const std::map<std::string, std::string>& map) {
  w.StartObject();
  for (const auto& [key, value] : map) {
    WriteString(w, key);
    WriteString(w, value);
  }
  w.EndObject();
}

absl::Status Malformed(absl::string_view dto, absl::string_view detail) {
  return absl::InternalError(absl::StrCat("daytona json: ", std::string(dto),
                                          ": ", std::string(detail)));
}

absl::Status FieldError(absl::string_view dto, absl::string_view field,
                        absl::string_view problem) {
  return Malformed(dto, absl::StrCat("field \"", std::string(field),
                                     "\": ", std::string(problem)));
}

// Parses `json` into `doc` and requires a top-level object.
absl::Status ParseObject(absl::string_view json, absl::string_view dto,
                         rapidjson::Document& doc) {
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return Malformed(
        dto, absl::StrCat("invalid JSON at offset ", doc.GetErrorOffset(), ": ",
                          rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) return Malformed(dto, "not a JSON object");
  return absl::OkStatus();
}

// Reads a string member. Absent or null: `required` decides. Wrong type: error.
absl::Status ReadString(const rapidjson::Value& obj, const char* field,
                        absl::string_view dto, bool required,
                        std::string& out) {
  auto it = obj.FindMember(field);
  if (it == obj.MemberEnd() || it->value.IsNull()) {
    return required ? FieldError(dto, field, "missing") : absl::OkStatus();
  }
  if (!it->value.IsString()) return FieldError(dto, field, "expected string");
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return absl::OkStatus();
}

absl::Status ReadOptionalInt(const rapidjson::Value& obj, const char* field,
                             absl::string_view dto, std::optional<int>& out) {
  auto it = obj.FindMember(field);
  if (it == obj.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
  if (!it->value.IsInt()) return FieldError(dto, field, "expected integer");
  out = it->value.GetInt();
  return absl::OkStatus();
}

absl::Status ReadStringMap(const rapidjson::Value& obj, const char* field,
                           absl::string_view dto,
                           std::map<std::string, std::string>& out) {
  auto it = obj.FindMember(field);
  if (it == obj.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
  if (!it->value.IsObject()) return FieldError(dto, field, "expected object");
  for (const auto& member : it->value.GetObject()) {
    if (!member.value.IsString()) {
      return FieldError(dto, absl::StrCat(field, ".", member.name.GetString()),
                        "expected string");
    }
    out[member.name.GetString()] =
        std::string(member.value.GetString(), member.value.GetStringLength());
  }
  return absl::OkStatus();
}

absl::StatusOr<SandboxDto> SandboxFromValue(const rapidjson::Value& obj,
                                            absl::string_view dto) {
  if (!obj.IsObject()) return Malformed(dto, "not a JSON object");
  SandboxDto out;
  absl::Status s = ReadString(obj, "id", dto, true, out.id);
  if (s.ok()) s = ReadString(obj, "name", dto, false, out.name);
  if (s.ok()) s = ReadString(obj, "state", dto, false, out.state);
  if (s.ok())
    s = ReadString(obj, "desiredState", dto, false, out.desired_state);
  if (s.ok()) s = ReadString(obj, "errorReason", dto, false, out.error_reason);
  if (s.ok()) {
    s = ReadString(obj, "toolboxProxyUrl", dto, false, out.toolbox_proxy_url);
  }
  if (s.ok()) s = ReadString(obj, "target", dto, false, out.target);
  if (s.ok()) s = ReadStringMap(obj, "labels", dto, out.labels);
  std::optional<int> auto_stop;
  if (s.ok()) s = ReadOptionalInt(obj, "autoStopInterval", dto, auto_stop);
  if (!s.ok()) return s;
  if (auto_stop.has_value()) out.auto_stop_interval = *auto_stop;
  auto recoverable = obj.FindMember("recoverable");
  if (recoverable != obj.MemberEnd() && recoverable->value.IsBool()) {
    out.recoverable = recoverable->value.GetBool();
  }
  if (out.id.empty()) return FieldError(dto, "id", "empty");
  return out;
}

// Splits text whose lines carry the daemon's 3-byte stream markers.
CommandLogs DemuxMarkedOutput(absl::string_view text) {
  static constexpr absl::string_view kStdout("\x01\x01\x01", 3);
  static constexpr absl::string_view kStderr("\x02\x02\x02", 3);
  CommandLogs logs;
  std::string* current = &logs.stdout_text;
  size_t pos = 0;
  while (pos < text.size()) {
    absl::string_view rest = text.substr(pos);
    if (rest.substr(0, 3) == kStdout) {
      current = &logs.stdout_text;
      pos += 3;
      continue;
    }
    if (rest.substr(0, 3) == kStderr) {
      current = &logs.stderr_text;
      pos += 3;
      continue;
    }
    size_t next = rest.size();
    for (absl::string_view marker : {kStdout, kStderr}) {
      size_t found = rest.find(marker);
      if (found != absl::string_view::npos && found < next) next = found;
    }
    current->append(rest.data(), next);
    pos += next;
  }
  return logs;
}

}  // namespace

std::string EncodeCreateSandbox(const CreateSandboxBody& body) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  if (!body.name.empty()) {
    w.Key("name");
    WriteString(w, body.name);
  }
  if (!body.dockerfile_content.empty()) {
    w.Key("buildInfo");
    w.StartObject();
    w.Key("dockerfileContent");
    WriteString(w, body.dockerfile_content);
    w.EndObject();
    for (const auto& [key, value] :
         {std::pair{"cpu", body.cpu}, std::pair{"memory", body.memory_gib},
          std::pair{"disk", body.disk_gib}}) {
      if (!value.has_value()) continue;
      w.Key(key);
      w.Int(*value);
    }
  } else if (!body.snapshot.empty()) {
    w.Key("snapshot");
    WriteString(w, body.snapshot);
  }
  if (!body.target.empty()) {
    w.Key("target");
    WriteString(w, body.target);
  }
  w.Key("labels");
  WriteMap(w, body.labels);
  w.Key("env");
  WriteMap(w, body.env);
  w.Key("public");
  w.Bool(body.is_public);
  if (body.auto_stop_interval_minutes.has_value()) {
    w.Key("autoStopInterval");
    w.Int(*body.auto_stop_interval_minutes);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::StatusOr<SandboxDto> ParseSandbox(absl::string_view json) {
  rapidjson::Document doc;
  absl::Status s = ParseObject(json, "Sandbox", doc);
  if (!s.ok()) return s;
  return SandboxFromValue(doc, "Sandbox");
}

absl::StatusOr<SandboxPage> ParseSandboxPage(absl::string_view json) {
  constexpr absl::string_view kDto = "PaginatedSandboxes";
  rapidjson::Document doc;
  absl::Status s = ParseObject(json, kDto, doc);
  if (!s.ok()) return s;
  auto items = doc.FindMember("items");
  if (items == doc.MemberEnd()) return FieldError(kDto, "items", "missing");
  if (!items->value.IsArray()) {
    return FieldError(kDto, "items", "expected array");
  }
  SandboxPage page;
  rapidjson::SizeType index = 0;
  for (const auto& item : items->value.GetArray()) {
    auto dto =
        SandboxFromValue(item, absl::StrCat(kDto, ".items[", index, "]"));
    if (!dto.ok()) return dto.status();
    page.items.push_back(*std::move(dto));
    ++index;
  }
  std::string cursor;
  s = ReadString(doc, "nextCursor", kDto, false, cursor);
  if (!s.ok()) return s;
  if (!cursor.empty()) page.next_cursor = std::move(cursor);
  return page;
}

absl::StatusOr<PreviewUrlDto> ParsePreviewUrl(absl::string_view json) {
  rapidjson::Document doc;
  absl::Status s = ParseObject(json, "PortPreviewUrl", doc);
  PreviewUrlDto out;
  if (s.ok()) s = ReadString(doc, "url", "PortPreviewUrl", true, out.url);
  if (s.ok()) s = ReadString(doc, "token", "PortPreviewUrl", false, out.token);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<PreviewUrlDto> ParseSignedPreviewUrl(absl::string_view json) {
  constexpr absl::string_view kDto = "SignedPortPreviewUrl";
  rapidjson::Document doc;
  absl::Status s = ParseObject(json, kDto, doc);
  PreviewUrlDto out;
  if (s.ok()) s = ReadString(doc, "url", kDto, true, out.url);
  if (s.ok()) s = ReadString(doc, "token", kDto, false, out.token);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> ParseToolboxProxyUrl(absl::string_view json) {
  rapidjson::Document doc;
  absl::Status s = ParseObject(json, "ToolboxProxyUrl", doc);
  std::string url;
  if (s.ok()) s = ReadString(doc, "url", "ToolboxProxyUrl", true, url);
  if (!s.ok()) return s;
  return url;
}

std::string EncodeStringMap(const std::map<std::string, std::string>& map) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteMap(w, map);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EncodeLabels(const std::map<std::string, std::string>& labels) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("labels");
  WriteMap(w, labels);
  w.EndObject();
  return buf.GetString();
}

std::string EncodeCreateSession(absl::string_view session_id) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("sessionId");
  WriteString(w, session_id);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EncodeSessionExec(absl::string_view command, bool run_async) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("command");
  WriteString(w, command);
  // Daemons before the `async` rename read `runAsync`; newer ones read both.
  w.Key("runAsync");
  w.Bool(run_async);
  w.Key("async");
  w.Bool(run_async);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::StatusOr<SessionExecDto> ParseSessionExec(absl::string_view json) {
  constexpr absl::string_view kDto = "SessionExecuteResponse";
  rapidjson::Document doc;
  absl::Status s = ParseObject(json, kDto, doc);
  SessionExecDto out;
  if (s.ok()) s = ReadString(doc, "cmdId", kDto, true, out.cmd_id);
  if (s.ok()) s = ReadOptionalInt(doc, "exitCode", kDto, out.exit_code);
  if (s.ok()) s = ReadString(doc, "stdout", kDto, false, out.stdout_text);
  if (s.ok()) s = ReadString(doc, "stderr", kDto, false, out.stderr_text);
  if (!s.ok()) return s;
  if (out.cmd_id.empty()) return FieldError(kDto, "cmdId", "empty");
  return out;
}

absl::StatusOr<CommandDto> ParseCommand(absl::string_view json) {
  constexpr absl::string_view kDto = "Command";
  rapidjson::Document doc;
  absl::Status s = ParseObject(json, kDto, doc);
  CommandDto out;
  if (s.ok()) s = ReadString(doc, "id", kDto, true, out.id);
  if (s.ok()) s = ReadString(doc, "command", kDto, false, out.command);
  if (s.ok()) s = ReadOptionalInt(doc, "exitCode", kDto, out.exit_code);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<CommandLogs> ParseCommandLogs(absl::string_view body) {
  constexpr absl::string_view kDto = "SessionCommandLogsResponse";
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == absl::string_view::npos || body[first] != '{') {
    return DemuxMarkedOutput(body);
  }
  rapidjson::Document doc;
  absl::Status s = ParseObject(body, kDto, doc);
  CommandLogs out;
  std::string output;
  if (s.ok()) s = ReadString(doc, "stdout", kDto, false, out.stdout_text);
  if (s.ok()) s = ReadString(doc, "stderr", kDto, false, out.stderr_text);
  if (s.ok()) s = ReadString(doc, "output", kDto, false, output);
  if (!s.ok()) return s;
  // A daemon that fills only `output` (raw log, markers included) still
  // carries both streams in it.
  if (out.stdout_text.empty() && out.stderr_text.empty() && !output.empty()) {
    return DemuxMarkedOutput(output);
  }
  return out;
}

ErrorBody ParseErrorBody(absl::string_view body) {
  ErrorBody out;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    out.message = std::string(body);
    return out;
  }
  auto message = doc.FindMember("message");
  if (message != doc.MemberEnd()) {
    if (message->value.IsString()) {
      out.message = message->value.GetString();
    } else if (message->value.IsArray()) {
      std::vector<std::string> parts;
      for (const auto& part : message->value.GetArray()) {
        if (part.IsString()) parts.emplace_back(part.GetString());
      }
      out.message = absl::StrJoin(parts, ", ");
    }
  }
  for (auto [field, target] :
       {std::pair{"error", &out.error}, std::pair{"code", &out.code},
        std::pair{"error_code", &out.code}, std::pair{"source", &out.source}}) {
    auto it = doc.FindMember(field);
    if (it != doc.MemberEnd() && it->value.IsString() && target->empty()) {
      *target = it->value.GetString();
    }
  }
  if (out.message.empty()) out.message = out.error;
  return out;
}

}  // namespace sandboxd::daytona
