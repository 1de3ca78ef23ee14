#include "lib/http/listen_address.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"

namespace sandboxd {
namespace {

absl::Status Invalid(std::string_view address, const char* why) {
  return absl::InvalidArgumentError("http listen address \"" +
                                    std::string(address) + "\": " + why);
}

}  // namespace

absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return Invalid(address, "expected host:port");
  }
  std::string_view host = address.substr(0, colon);
  std::string_view port_text = address.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') {
      return Invalid(address, "unterminated IPv6 bracket");
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Invalid(address, "IPv6 hosts need brackets");
  }
  if (host.empty()) return Invalid(address, "empty host");
  uint32_t port = 0;
  if (port_text.empty() ||
      !absl::SimpleAtoi(absl::string_view(port_text.data(), port_text.size()),
                        &port) ||
      port > 65535) {
    return Invalid(address, "port must be a number in [0, 65535]");
  }
  return ListenAddress{std::string(host), static_cast<uint16_t>(port)};
}

}  // namespace sandboxd
