#include "lib/scaffold/json_util.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <system_error>
#include <vector>

#include "absl/strings/charconv.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/scaffold/utf8.h"
#include "rapidjson/encodedstream.h"
#include "rapidjson/error/en.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/reader.h"
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

namespace {

// Builds a Document from a parse that keeps numbers as text, converting
// each number itself: integers exactly, others with absl::from_chars
// (correctly rounded), so every number round-trips through a rewrite.
// RapidJSON 1.1's own fast path is not exact, and its full-precision path
// calls clz(0) (undefined behaviour) on inputs such as `0e263`.
class NumberConverter {
 public:
  explicit NumberConverter(rapidjson::Document& doc) : doc_(doc) {}
  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool) {
    absl::string_view text(str, length);
    if (text.find_first_of(".eE") == absl::string_view::npos) {
      int64_t i;
      if (absl::SimpleAtoi(text, &i)) return doc_.Int64(i);
      uint64_t u;
      if (absl::SimpleAtoi(text, &u)) return doc_.Uint64(u);
    }
    double d = 0;
    absl::from_chars_result r =
        absl::from_chars(text.data(), text.data() + text.size(), d);
    if (r.ec == std::errc::result_out_of_range) {
      // Overflow (1e999) is RapidJSON's own "number too big"; underflow
      // (1e-999) is zero, as in JSON.parse. strtod (the "C" locale: sandboxd
      // never sets one) tells which.
      d = std::strtod(std::string(text).c_str(), nullptr);
      if (std::isinf(d)) {
        too_big_ = true;
        return false;
      }
    } else if (r.ec != std::errc()) {
      return false;  // cannot happen: the reader validated the syntax
    }
    return doc_.Double(d);
  }
  // RapidJSON decodes an unpaired surrogate escape ("\udc00") into bytes
  // that are not UTF-8; such a string could never be written back.
  bool String(const char* str, rapidjson::SizeType length, bool copy) {
    if (!ValidUtf8(str, length)) return false;
    return doc_.String(str, length, copy);
  }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* str, rapidjson::SizeType length, bool copy) {
    if (!ValidUtf8(str, length)) return false;
    return doc_.Key(str, length, copy);
  }
  bool EndObject(rapidjson::SizeType members) {
    return doc_.EndObject(members);
  }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    return doc_.EndArray(elements);
  }
  bool too_big() const { return too_big_; }
  bool bad_utf8() const { return bad_utf8_; }

 private:
  bool ValidUtf8(const char* str, rapidjson::SizeType length) {
    if (!FindInvalidUtf8(absl::string_view(str, length)).has_value()) {
      return true;
    }
    bad_utf8_ = true;
    return false;
  }

  rapidjson::Document& doc_;
  bool too_big_ = false;
  bool bad_utf8_ = false;
};

template <unsigned kFlags>
struct NumberPreservingParse {
  absl::string_view text;
  rapidjson::ParseResult result;
  bool too_big = false;
  bool bad_utf8 = false;
  bool operator()(rapidjson::Document& doc) {
    NumberConverter handler(doc);
    rapidjson::MemoryStream memory(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>
        in(memory);
    rapidjson::Reader reader;
    result = reader.Parse<kFlags | rapidjson::kParseNumbersAsStringsFlag>(
        in, handler);
    too_big = handler.too_big();
    bad_utf8 = handler.bad_utf8();
    return !result.IsError();
  }
};

template <unsigned kFlags>
rapidjson::ParseResult Parse(absl::string_view text, rapidjson::Document* doc) {
  NumberPreservingParse<kFlags> parse{text};
  doc->Populate(parse);
  if (parse.too_big) {
    return rapidjson::ParseResult(rapidjson::kParseErrorNumberTooBig,
                                  parse.result.Offset());
  }
  if (parse.bad_utf8) {
    return rapidjson::ParseResult(rapidjson::kParseErrorStringInvalidEncoding,
                                  parse.result.Offset());
  }
  return parse.result;
}

}  // namespace

absl::Status ParseJson(absl::string_view text, bool jsonc,
                       rapidjson::Document* doc) {
  // Iterative parsing keeps deep nesting off the stack.
  constexpr unsigned kStrict =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  constexpr unsigned kLenient = kStrict | rapidjson::kParseCommentsFlag |
                                rapidjson::kParseTrailingCommasFlag;
  // npm strips a UTF-8 BOM before JSON.parse.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const rapidjson::ParseResult parsed =
      jsonc ? Parse<kLenient>(text, doc) : Parse<kStrict>(text, doc);
  if (parsed.IsError()) {
    size_t offset = std::min(parsed.Offset(), text.size());
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
                     rapidjson::GetParseError_En(parsed.Code())));
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
