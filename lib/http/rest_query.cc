#include "lib/http/rest_query.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "lib/http/json_error.h"
#include "lib/http/rest_path_template.h"

namespace sandboxd {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status FieldError(const FieldDescriptor* field, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "parsing field \"", field->name(), "\": ", std::string(why)));
}

template <typename T>
bool ParseInteger(std::string_view text, T& out) {
  if (text.empty()) return false;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (*begin == '+') ++begin;  // Go's ParseInt accepts a leading '+'
  auto [ptr, ec] = std::from_chars(begin, end, out);
  return ec == std::errc() && ptr == end;
}

bool ParseBool(std::string_view text, bool& out) {
  // Go's strconv.ParseBool.
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == t) return out = true, true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == f) return out = false, true;
  }
  return false;
}

bool IsJsonStringWkt(const Descriptor* type) {
  const std::string& name = type->full_name();
  return name == "google.protobuf.Timestamp" ||
         name == "google.protobuf.Duration" ||
         name == "google.protobuf.FieldMask";
}

bool IsWrapper(const Descriptor* type) {
  static const char* const kWrappers[] = {
      "google.protobuf.DoubleValue", "google.protobuf.FloatValue",
      "google.protobuf.Int64Value",  "google.protobuf.UInt64Value",
      "google.protobuf.Int32Value",  "google.protobuf.UInt32Value",
      "google.protobuf.BoolValue",   "google.protobuf.StringValue",
      "google.protobuf.BytesValue"};
  for (const char* wrapper : kWrappers) {
    if (type->full_name() == wrapper) return true;
  }
  return false;
}

absl::Status SetOne(Message& message, const FieldDescriptor* field,
                    const std::string& value);

// A message-typed field from text: the well-known types only.
absl::Status SetMessage(Message& target, const FieldDescriptor* field,
                        const std::string& value) {
  const Descriptor* type = target.GetDescriptor();
  if (IsJsonStringWkt(type)) {
    std::string json;
    AppendJsonString(json, value);
    google::protobuf::util::JsonParseOptions options;
    auto status =
        google::protobuf::util::JsonStringToMessage(json, &target, options);
    if (!status.ok()) {
      return FieldError(field, std::string(status.message()));
    }
    return absl::OkStatus();
  }
  if (IsWrapper(type)) {
    absl::Status status = SetOne(target, type->FindFieldByName("value"), value);
    if (!status.ok()) return FieldError(field, std::string(status.message()));
    return absl::OkStatus();
  }
  return FieldError(
      field, absl::StrCat("unsupported message type ", type->full_name()));
}

// Sets (or appends to) `field` of `message` from one text value.
absl::Status SetOne(Message& message, const FieldDescriptor* field,
                    const std::string& value) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = field->is_repeated();
  auto invalid = [&] {
    return FieldError(field, absl::StrCat("invalid value \"", value, "\""));
  };
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string text = value;
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        // Go's base64.StdEncoding, then URLEncoding.
        if (!absl::Base64Unescape(value, &text) &&
            !absl::WebSafeBase64Unescape(value, &text)) {
          return invalid();
        }
      }
      if (repeated) {
        reflection->AddString(&message, field, std::move(text));
      } else {
        reflection->SetString(&message, field, std::move(text));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool b = false;
      if (!ParseBool(value, b)) return invalid();
      repeated ? reflection->AddBool(&message, field, b)
               : reflection->SetBool(&message, field, b);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v = 0;
      if (!ParseInteger(value, v)) return invalid();
      repeated ? reflection->AddInt32(&message, field, v)
               : reflection->SetInt32(&message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = 0;
      if (!ParseInteger(value, v)) return invalid();
      repeated ? reflection->AddInt64(&message, field, v)
               : reflection->SetInt64(&message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v = 0;
      if (!ParseInteger(value, v)) return invalid();
      repeated ? reflection->AddUInt32(&message, field, v)
               : reflection->SetUInt32(&message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v = 0;
      if (!ParseInteger(value, v)) return invalid();
      repeated ? reflection->AddUInt64(&message, field, v)
               : reflection->SetUInt64(&message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v = 0;
      if (!absl::SimpleAtod(value, &v)) return invalid();
      repeated ? reflection->AddDouble(&message, field, v)
               : reflection->SetDouble(&message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float v = 0;
      if (!absl::SimpleAtof(value, &v)) return invalid();
      repeated ? reflection->AddFloat(&message, field, v)
               : reflection->SetFloat(&message, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* enum_value =
          field->enum_type()->FindValueByName(value);
      if (enum_value == nullptr) {
        int32_t number = 0;
        if (!ParseInteger(value, number)) return invalid();
        enum_value = field->enum_type()->FindValueByNumber(number);
      }
      if (enum_value == nullptr) {
        return FieldError(field, absl::StrCat("\"", value, "\" is not a valid ",
                                              field->enum_type()->full_name()));
      }
      repeated ? reflection->AddEnum(&message, field, enum_value)
               : reflection->SetEnum(&message, field, enum_value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (field->is_map()) {
        return FieldError(field, "map fields are not supported in the query");
      }
      Message* target = repeated ? reflection->AddMessage(&message, field)
                                 : reflection->MutableMessage(&message, field);
      return SetMessage(*target, field, value);
    }
  }
  return invalid();
}

}  // namespace

absl::StatusOr<QueryParams> ParseQueryString(std::string_view query) {
  QueryParams params;
  for (absl::string_view piece :
       absl::StrSplit(absl::string_view(query.data(), query.size()), '&')) {
    if (piece.empty()) continue;
    std::string raw(piece);
    for (char& c : raw) {
      if (c == '+') c = ' ';
    }
    size_t eq = raw.find('=');
    absl::StatusOr<std::string> key = PercentDecode(raw.substr(0, eq));
    if (!key.ok()) return key.status();
    std::string value;
    if (eq != std::string::npos) {
      absl::StatusOr<std::string> decoded = PercentDecode(raw.substr(eq + 1));
      if (!decoded.ok()) return decoded.status();
      value = *std::move(decoded);
    }
    params.emplace_back(*std::move(key), std::move(value));
  }
  return params;
}

absl::StatusOr<std::vector<const FieldDescriptor*>> ResolveFieldPath(
    const Descriptor* descriptor, std::string_view path) {
  std::vector<const FieldDescriptor*> fields;
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(path.data(), path.size()), '.')) {
    if (descriptor == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", std::string(path), "\" goes through a non-message field"));
    }
    std::string name(part);
    const FieldDescriptor* field = descriptor->FindFieldByName(name);
    if (field == nullptr) {
      for (int i = 0; i < descriptor->field_count(); ++i) {
        if (descriptor->field(i)->json_name() == name) {
          field = descriptor->field(i);
          break;
        }
      }
    }
    if (field == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("no field \"", std::string(path), "\""));
    }
    fields.push_back(field);
    descriptor = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                         !field->is_repeated()
                     ? field->message_type()
                     : nullptr;
  }
  return fields;
}

absl::Status SetFieldFromText(Message& message,
                              const std::vector<const FieldDescriptor*>& path,
                              const std::vector<std::string>& values) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  Message* target = &message;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    target = target->GetReflection()->MutableMessage(target, path[i]);
  }
  const FieldDescriptor* field = path.back();
  if (!field->is_repeated() && values.size() > 1) {
    return FieldError(field, "too many values for a singular field");
  }
  for (const std::string& value : values) {
    absl::Status status = SetOne(*target, field, value);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status PopulateQueryParameters(Message& message,
                                     const QueryParams& params,
                                     const std::vector<std::string>& excluded) {
  // Group the values of each key, keeping the order of first appearance.
  std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
  for (const auto& [key, value] : params) {
    auto it = std::find_if(grouped.begin(), grouped.end(),
                           [&](const auto& g) { return g.first == key; });
    if (it == grouped.end()) {
      grouped.push_back({key, {value}});
    } else {
      it->second.push_back(value);
    }
  }
  for (const auto& [key, values] : grouped) {
    absl::StatusOr<std::vector<const FieldDescriptor*>> path =
        ResolveFieldPath(message.GetDescriptor(), key);
    if (!path.ok()) continue;  // unknown parameters are ignored
    // The canonical (proto name) path, to compare with the exclusions.
    std::string canonical;
    for (const FieldDescriptor* field : *path) {
      if (!canonical.empty()) canonical += '.';
      canonical += field->name();
    }
    bool skip = false;
    for (const std::string& prefix : excluded) {
      if (prefix == "*" || canonical == prefix ||
          (canonical.size() > prefix.size() &&
           canonical.compare(0, prefix.size(), prefix) == 0 &&
           canonical[prefix.size()] == '.')) {
        skip = true;
        break;
      }
    }
    if (skip) continue;
    absl::Status status = SetFieldFromText(message, *path, values);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace sandboxd
