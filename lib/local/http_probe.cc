#include "lib/local/http_probe.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace sandboxd::local {
namespace {

constexpr size_t kMaxResponseBytes = 8 << 20;

absl::StatusOr<std::string> Dechunk(std::string_view body) {
  std::string out;
  while (true) {
    size_t line_end = body.find("\r\n");
    if (line_end == std::string_view::npos) {
      return absl::InvalidArgumentError("http: truncated chunk size");
    }
    std::string size_text(body.substr(0, line_end));
    size_text = size_text.substr(0, size_text.find(';'));
    size_t size = 0;
    if (!absl::SimpleHexAtoi(size_text, &size)) {
      return absl::InvalidArgumentError("http: bad chunk size");
    }
    body.remove_prefix(line_end + 2);
    if (size == 0) return out;
    if (body.size() < size) {
      return absl::InvalidArgumentError("http: truncated chunk");
    }
    out.append(body.substr(0, size));
    body.remove_prefix(std::min(body.size(), size + 2));
  }
}

}  // namespace

absl::StatusOr<HttpResponse> ParseHttpResponse(std::string_view raw) {
  size_t head_end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.") || head_end == std::string_view::npos ||
      raw.size() < 12) {
    return absl::InvalidArgumentError("http: malformed response");
  }
  HttpResponse response;
  if (!absl::SimpleAtoi(absl::string_view(raw.data() + 9, 3),
                        &response.status)) {
    return absl::InvalidArgumentError("http: bad status code");
  }
  std::string head =
      absl::AsciiStrToLower(absl::string_view(raw.data(), head_end));
  std::string_view body = raw.substr(head_end + 4);
  if (absl::StrContains(head, "\r\ntransfer-encoding: chunked")) {
    absl::StatusOr<std::string> dechunked = Dechunk(body);
    if (!dechunked.ok()) return dechunked.status();
    response.body = *std::move(dechunked);
  } else {
    response.body = std::string(body);
  }
  return response;
}

absl::StatusOr<HttpResponse> HttpGet(int fd, std::string_view host,
                                     std::string_view path,
                                     absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  std::string request = absl::StrCat(
      "GET ", std::string(path), " HTTP/1.1\r\nHost: ", std::string(host),
      "\r\nUser-Agent: sandboxd-probe\r\nAccept: text/html\r\n"
      "Connection: close\r\n\r\n");
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return absl::UnavailableError(
        absl::StrCat("http: send: ", std::strerror(errno)));
  }
  std::string raw;
  while (raw.size() < kMaxResponseBytes) {
    int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0) return absl::DeadlineExceededError("http: no response");
    struct pollfd pfd = {fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left_ms));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buf[16384];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnavailableError(
          absl::StrCat("http: recv: ", std::strerror(errno)));
    }
    if (n == 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  if (raw.empty()) return absl::UnavailableError("http: connection closed");
  return ParseHttpResponse(raw);
}

}  // namespace sandboxd::local
