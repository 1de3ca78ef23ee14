#include "lib/core/validation.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/core/ids.h"

namespace sandboxd {
namespace {

using ::sandbox::v1::CreateSandboxRequest;

absl::Status Invalid(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

bool IsPrintableUtf8Free(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Kubernetes-style label keys: lowercase alphanumerics, '-', '_', '.', '/',
// starting with an alphanumeric.
bool IsValidLabelKey(const std::string& key) {
  if (key.empty()) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!alnum(key.front())) return false;
  for (char c : key) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.' && c != '/') return false;
  }
  return true;
}

absl::Status ValidateLabels(
    const google::protobuf::Map<std::string, std::string>& labels,
    const RequestLimits& limits) {
  if (labels.size() > limits.max_labels) {
    return Invalid("labels", absl::StrFormat("at most %d labels, got %d",
                                             limits.max_labels, labels.size()));
  }
  for (const auto& [key, value] : labels) {
    std::string field = absl::StrCat("labels[\"", key, "\"]");
    if (key.size() > limits.max_label_key || !IsValidLabelKey(key)) {
      return Invalid(
          field, absl::StrFormat("key must be 1-%d characters of [a-z0-9-_./] "
                                 "starting with a letter or digit",
                                 limits.max_label_key));
    }
    if (value.size() > limits.max_label_value) {
      return Invalid(field, absl::StrFormat("value longer than %d bytes",
                                            limits.max_label_value));
    }
    if (!IsPrintableUtf8Free(value)) {
      return Invalid(field, "value contains control characters");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateCreate(const CreateSandboxRequest& request,
                            const RequestLimits& limits) {
  if (request.generated_code().empty()) {
    return Invalid("generated_code", "required: at least one file");
  }
  if (request.project_name().size() > limits.max_project_name) {
    return Invalid("project_name", absl::StrFormat("longer than %d characters",
                                                   limits.max_project_name));
  }
  if (!IsPrintableUtf8Free(request.project_name())) {
    return Invalid("project_name", "contains control characters");
  }
  if (request.description().size() > limits.max_description) {
    return Invalid("description", absl::StrFormat("longer than %d characters",
                                                  limits.max_description));
  }
  if (request.request_id().size() > limits.max_request_id) {
    return Invalid("request_id", absl::StrFormat("longer than %d characters",
                                                 limits.max_request_id));
  }
  if (!IsPrintableUtf8Free(request.request_id())) {
    return Invalid("request_id", "contains control characters");
  }
  if (!sandbox::v1::Mode_IsValid(request.mode())) {
    return Invalid("mode", absl::StrCat("unknown mode ", request.mode(),
                                        "; use MODE_DEV or MODE_PRODUCTION"));
  }
  if (absl::Status s = ValidateLabels(request.labels(), limits); !s.ok()) {
    return s;
  }
  if (request.has_idle_timeout()) {
    const auto& d = request.idle_timeout();
    if (d.seconds() < 0 || d.nanos() < 0 || d.nanos() > 999999999) {
      return Invalid("idle_timeout", "must be a positive duration");
    }
    absl::Duration timeout = EffectiveIdleTimeout(request, limits);
    if (timeout < limits.min_idle_timeout ||
        timeout > limits.max_idle_timeout) {
      return Invalid(
          "idle_timeout",
          absl::StrCat("must be between ",
                       absl::FormatDuration(limits.min_idle_timeout), " and ",
                       absl::FormatDuration(limits.max_idle_timeout)));
    }
  }
  return absl::OkStatus();
}

absl::Duration EffectiveIdleTimeout(const CreateSandboxRequest& request,
                                    const RequestLimits& limits) {
  if (!request.has_idle_timeout()) return limits.default_idle_timeout;
  return absl::Seconds(request.idle_timeout().seconds()) +
         absl::Nanoseconds(request.idle_timeout().nanos());
}

absl::Status ValidateSandboxId(const std::string& id) {
  if (id.empty()) return Invalid("sandbox_id", "required");
  // Unknown but well-formed ids are NOT_FOUND; only junk is rejected here.
  if (id.size() > 64 || !IsPrintableUtf8Free(id)) {
    return Invalid("sandbox_id", "malformed");
  }
  return absl::OkStatus();
}

absl::StatusOr<ListFilter> ValidateList(
    const sandbox::v1::ListSandboxesRequest& request,
    const RequestLimits& limits) {
  ListFilter filter;
  if (request.page_size() < 0) {
    return Invalid("page_size", "must not be negative");
  }
  filter.page_size = request.page_size() == 0
                         ? limits.default_page_size
                         : std::min(request.page_size(), limits.max_page_size);
  for (int status : request.statuses()) {
    if (!sandbox::v1::SandboxStatus_IsValid(status) ||
        status == sandbox::v1::SANDBOX_STATUS_UNSPECIFIED) {
      return Invalid("statuses", absl::StrCat("unknown status ", status));
    }
    filter.statuses.push_back(static_cast<sandbox::v1::SandboxStatus>(status));
  }
  for (const std::string& selector : request.label_selector()) {
    size_t eq = selector.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Invalid("label_selector",
                     absl::StrCat("\"", selector, "\" is not key=value"));
    }
    filter.labels.emplace_back(selector.substr(0, eq), selector.substr(eq + 1));
  }
  return filter;
}

}  // namespace sandboxd
