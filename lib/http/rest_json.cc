#include "lib/http/rest_json.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "lib/common/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace sandboxd {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

bool HasSpecialJson(const Descriptor* type) {
  // Well-known types print as strings, numbers or free-form JSON.
  return type->file()->package() == "google.protobuf";
}

// Adds `"name": null` for every unset singular message field, recursively.
void AddNulls(rapidjson::Value& object, const Descriptor* type,
              rapidjson::Document::AllocatorType& allocator, bool& changed) {
  if (!object.IsObject() || HasSpecialJson(type)) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string& name = field->json_name();
    auto member = object.FindMember(name.c_str());
    if (member == object.MemberEnd()) {
      // Unset oneof members (and proto3 optionals) are left out.
      if (!field->is_repeated() && field->containing_oneof() == nullptr) {
        object.AddMember(rapidjson::Value(name.c_str(), allocator),
                         rapidjson::Value(rapidjson::kNullType), allocator);
        changed = true;
      }
      continue;
    }
    rapidjson::Value& value = member->value;
    if (field->is_map()) {
      const FieldDescriptor* map_value = field->message_type()->map_value();
      if (map_value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          !value.IsObject()) {
        continue;
      }
      for (auto& entry : value.GetObject()) {
        AddNulls(entry.value, map_value->message_type(), allocator, changed);
      }
    } else if (field->is_repeated()) {
      if (!value.IsArray()) continue;
      for (auto& element : value.GetArray()) {
        AddNulls(element, field->message_type(), allocator, changed);
      }
    } else {
      AddNulls(value, field->message_type(), allocator, changed);
    }
  }
}

absl::Status ToAbsl(const google::protobuf::util::Status& status,
                    absl::StatusCode code) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(code, std::string(status.message()));
}

bool IsBlank(std::string_view json) {
  for (char c : json) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// The offset of the first byte that is not part of well-formed UTF-8
// (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF), or npos.
size_t FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned char min = 0x80;
    unsigned char max = 0xbf;  // bounds of the second byte
    if (byte >= 0xc2 && byte <= 0xdf) {
      length = 2;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      length = 3;
      if (byte == 0xe0) min = 0xa0;  // overlong
      if (byte == 0xed) max = 0x9f;  // surrogates
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      length = 4;
      if (byte == 0xf0) min = 0x90;  // overlong
      if (byte == 0xf4) max = 0x8f;  // beyond U+10FFFF
    } else {
      return i;
    }
    if (text.size() - i < length) return i;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (next < min || next > max) : (next & 0xc0) != 0x80) {
        return i;
      }
    }
    i += length;
  }
  return std::string_view::npos;
}

// JSON text is UTF-8 (RFC 8259). protobuf's parser copies invalid bytes
// into string fields and then fails without saying why.
absl::Status CheckUtf8(std::string_view json) {
  if (size_t bad = FindInvalidUtf8(json); bad != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("body: invalid UTF-8 at byte ", bad));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> MessageToRestJson(
    const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  options.always_print_enums_as_ints = false;
  std::string json;
  absl::Status printed = ToAbsl(
      google::protobuf::util::MessageToJsonString(message, &json, options),
      absl::StatusCode::kInternal);
  if (!printed.ok()) return printed;
  rapidjson::Document document;
  document.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (document.HasParseError()) {
    return absl::InternalError("protobuf printed invalid JSON");
  }
  bool changed = false;
  AddNulls(document, message.GetDescriptor(), document.GetAllocator(), changed);
  if (!changed) return json;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  document.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::Status MergeRestJson(std::string_view json,
                           google::protobuf::Message& message) {
  if (IsBlank(json)) return absl::OkStatus();
  RETURN_IF_ERROR(CheckUtf8(json));
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  std::unique_ptr<google::protobuf::Message> parsed(message.New());
  absl::Status status =
      ToAbsl(google::protobuf::util::JsonStringToMessage(
                 google::protobuf::StringPiece(json.data(), json.size()),
                 parsed.get(), options),
             absl::StatusCode::kInvalidArgument);
  if (!status.ok()) return status;
  message.MergeFrom(*parsed);
  return absl::OkStatus();
}

absl::Status MergeRestJsonIntoField(std::string_view json,
                                    std::string_view field_path,
                                    google::protobuf::Message& message) {
  if (IsBlank(json)) return absl::OkStatus();
  RETURN_IF_ERROR(CheckUtf8(json));  // offsets into `json`, not the wrapper
  // {"a":{"b":<json>}} parsed into a fresh message, then merged.
  std::string wrapped;
  int depth = 0;
  for (absl::string_view part : absl::StrSplit(
           absl::string_view(field_path.data(), field_path.size()), '.')) {
    absl::StrAppend(&wrapped, "{\"", part, "\":");
    ++depth;
  }
  wrapped.append(json.data(), json.size());
  wrapped.append(depth, '}');
  return MergeRestJson(wrapped, message);
}

}  // namespace sandboxd
