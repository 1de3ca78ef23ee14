// Value types of the HTTP seam.
#include "lib/daytona/http_transport.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"

namespace sandboxd::daytona {

absl::string_view HttpMethodName(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kDelete:
      return "DELETE";
  }
  return "GET";
}

void HttpHeaders::Add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::Set(const std::string& name, std::string value) {
  std::erase_if(entries_, [&](const auto& entry) {
    return absl::EqualsIgnoreCase(entry.first, name);
  });
  entries_.emplace_back(name, std::move(value));
}

std::optional<std::string> HttpHeaders::Get(absl::string_view name) const {
  for (const auto& [key, value] : entries_) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

absl::Status TransportError(absl::StatusCode code, absl::string_view message,
                            bool request_sent) {
  absl::Status status(code, message);
  status.SetPayload(kTransportErrorPayload,
                    absl::Cord(request_sent ? kMaybeSent : kNotSent));
  return status;
}

bool IsTransportError(const absl::Status& status) {
  return status.GetPayload(kTransportErrorPayload).has_value();
}

bool IsNotSentError(const absl::Status& status) {
  auto payload = status.GetPayload(kTransportErrorPayload);
  return payload.has_value() && *payload == kNotSent;
}

}  // namespace sandboxd::daytona
