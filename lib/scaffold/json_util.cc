#include "lib/scaffold/json_util.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rapidjson/error/en.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace sandboxd::scaffold {
namespace {

bool DepthWithin(const rapidjson::Value& v, int remaining) {
  if (remaining < 0) return false;
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (!DepthWithin(m.value, remaining - 1)) return false;
    }
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) {
      if (!DepthWithin(e, remaining - 1)) return false;
    }
  }
  return true;
}

void DropDuplicateKeys(rapidjson::Value& v,
                       rapidjson::Document::AllocatorType& a) {
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) DropDuplicateKeys(e, a);
    return;
  }
  if (!v.IsObject()) return;
  std::map<std::string, rapidjson::SizeType> last;
  rapidjson::SizeType index = 0;
  for (auto& m : v.GetObject()) last[JsonString(m.name)] = index++;
  if (last.size() != v.MemberCount()) {
    rapidjson::Value unique(rapidjson::kObjectType);
    index = 0;
    for (auto& m : v.GetObject()) {
      if (last[JsonString(m.name)] == index++) {
        unique.AddMember(m.name, m.value, a);  // moves
      }
    }
    v = unique;
  }
  for (auto& m : v.GetObject()) DropDuplicateKeys(m.value, a);
}

template <typename Writer>
void WriteCanonical(const rapidjson::Value& v, Writer& w) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (const auto& m : v.GetObject()) members.push_back(&m);
    std::sort(members.begin(), members.end(), [](auto* x, auto* y) {
      return JsonString(x->name) < JsonString(y->name);
    });
    w.StartObject();
    for (const auto* m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      WriteCanonical(m->value, w);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) WriteCanonical(e, w);
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

}  // namespace

absl::Status ParseJson(absl::string_view text, bool jsonc,
                       rapidjson::Document* doc) {
  // Iterative parsing keeps deep nesting off the stack. Full precision makes
  // numbers round-trip: the fast default path can be one ulp off for long
  // literals, so a user's number would change on every rewrite.
  constexpr unsigned kStrict = rapidjson::kParseIterativeFlag |
                               rapidjson::kParseValidateEncodingFlag |
                               rapidjson::kParseFullPrecisionFlag;
  constexpr unsigned kLenient = kStrict | rapidjson::kParseCommentsFlag |
                                rapidjson::kParseTrailingCommasFlag;
  // npm strips a UTF-8 BOM before JSON.parse.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (jsonc) {
    doc->Parse<kLenient>(text.data(), text.size());
  } else {
    doc->Parse<kStrict>(text.data(), text.size());
  }
  if (doc->HasParseError()) {
    size_t offset = std::min(doc->GetErrorOffset(), text.size());
    size_t line = 1, column = 1;
    for (size_t i = 0; i < offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at line ", line, ", column ", column, ": ",
                     rapidjson::GetParseError_En(doc->GetParseError())));
  }
  if (!DepthWithin(*doc, kMaxJsonDepth)) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON nested deeper than ", kMaxJsonDepth, " levels"));
  }
  DropDuplicateKeys(*doc, doc->GetAllocator());
  return absl::OkStatus();
}

std::string JsonString(const rapidjson::Value& value) {
  return std::string(value.GetString(), value.GetStringLength());
}

rapidjson::Value JsonValue(absl::string_view s,
                           rapidjson::Document::AllocatorType& allocator) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()),
                          allocator);
}

std::string JsonQuote(absl::string_view s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string CanonicalJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  WriteCanonical(value, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string PrettyJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace sandboxd::scaffold
