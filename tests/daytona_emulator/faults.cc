#include "tests/daytona_emulator/faults.h"

#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace sandboxd::emulator {
namespace {

bool IsSandboxFault(const std::string& kind) {
  return kind == "stuck_starting" || kind == "error";
}

absl::Status ParseRule(const rapidjson::Value& v, FaultRule& rule) {
  if (!v.IsObject())
    return absl::InvalidArgumentError("fault must be an object");
  auto str = [&](const char* key, std::string& out) {
    auto it = v.FindMember(key);
    if (it != v.MemberEnd() && it->value.IsString())
      out = it->value.GetString();
  };
  auto num = [&](const char* key, int& out) {
    auto it = v.FindMember(key);
    if (it != v.MemberEnd() && it->value.IsInt()) out = it->value.GetInt();
  };
  str("kind", rule.kind);
  str("throttler", rule.throttler);
  str("path", rule.path);
  str("method", rule.method);
  str("errorReason", rule.error_reason);
  num("status", rule.status);
  num("retryAfter", rule.retry_after);
  num("count", rule.count);
  num("delayMs", rule.delay_ms);
  if (rule.kind != "status" && rule.kind != "empty_502" &&
      rule.kind != "drop" && rule.kind != "delay" &&
      !IsSandboxFault(rule.kind)) {
    return absl::InvalidArgumentError("unknown fault kind: " + rule.kind);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Faults::Add(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError())
    return absl::InvalidArgumentError("faults: bad JSON");
  std::vector<FaultRule> parsed;
  if (doc.IsArray()) {
    for (const auto& v : doc.GetArray()) {
      FaultRule rule;
      if (auto s = ParseRule(v, rule); !s.ok()) return s;
      parsed.push_back(rule);
    }
  } else {
    FaultRule rule;
    if (auto s = ParseRule(doc, rule); !s.ok()) return s;
    parsed.push_back(rule);
  }
  std::lock_guard<std::mutex> lock(mu_);
  rules_.insert(rules_.end(), parsed.begin(), parsed.end());
  return absl::OkStatus();
}

void Faults::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

std::string Faults::ToJson() {
  std::lock_guard<std::mutex> lock(mu_);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartArray();
  for (const FaultRule& r : rules_) {
    w.StartObject();
    w.Key("kind");
    w.String(r.kind.c_str());
    w.Key("status");
    w.Int(r.status);
    w.Key("count");
    w.Int(r.count);
    w.Key("path");
    w.String(r.path.c_str());
    w.EndObject();
  }
  w.EndArray();
  return buf.GetString();
}

std::optional<FaultRule> Faults::TakeRequestFault(const std::string& method,
                                                  const std::string& path) {
  return Take(false, method, path);
}

std::optional<FaultRule> Faults::TakeSandboxFault() {
  return Take(true, "", "");
}

std::optional<FaultRule> Faults::Take(bool sandbox_fault,
                                      const std::string& method,
                                      const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (IsSandboxFault(it->kind) != sandbox_fault || it->count == 0) continue;
    if (!sandbox_fault) {
      if (!it->path.empty() && path.find(it->path) == std::string::npos)
        continue;
      if (!it->method.empty() && it->method != method) continue;
    }
    FaultRule rule = *it;
    if (it->count > 0 && --it->count == 0) rules_.erase(it);
    return rule;
  }
  return std::nullopt;
}

}  // namespace sandboxd::emulator
