#include "lib/auth/json_object.h"

#include <algorithm>
#include <vector>

namespace sandboxd::auth {

absl::Status ParseJsonObject(std::string_view text, rapidjson::Document* doc) {
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  // RapidJSON treats a raw NUL as the end of input, which would accept
  // trailing bytes after it; JSON never contains one unescaped.
  if (text.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("not JSON");
  }
  doc->Parse<kFlags>(text.data(), text.size());
  if (doc->HasParseError()) return absl::InvalidArgumentError("not JSON");
  if (!doc->IsObject()) return absl::InvalidArgumentError("not a JSON object");
  std::vector<std::string_view> names;
  names.reserve(doc->MemberCount());
  for (const auto& member : doc->GetObject()) {
    names.emplace_back(member.name.GetString(), member.name.GetStringLength());
  }
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end()) {
    return absl::InvalidArgumentError("duplicate member");
  }
  return absl::OkStatus();
}

const rapidjson::Value* FindMember(const rapidjson::Value& object,
                                   const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string_view> AsString(const rapidjson::Value& value) {
  if (!value.IsString()) return std::nullopt;
  return std::string_view(value.GetString(), value.GetStringLength());
}

}  // namespace sandboxd::auth
