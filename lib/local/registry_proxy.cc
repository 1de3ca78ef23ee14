#include "lib/local/registry_proxy.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace sandboxd::local {

const char kRegistryForwarderJs[] =
    R"js(// Added by sandboxd: relays npm's proxy
// connections (127.0.0.1:3128 in this sandbox's own network namespace) to
// sandboxd's registry tunnel socket, then runs the install command.
"use strict";
const net = require("net");
const os = require("os");
const { spawn } = require("child_process");
const [socketPath, command] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream);
  upstream.pipe(client);
  for (const [a, b] of [[client, upstream], [upstream, client]]) {
    a.on("error", () => b.destroy());
    a.on("close", () => b.destroy());
  }
});
server.on("error", (e) => {
  console.error("sandboxd registry forwarder: " + e.message);
  process.exit(1);
});
server.listen(3128, "127.0.0.1", () => {
  const child = spawn("/bin/sh", ["-c", command], { stdio: "inherit" });
  for (const s of ["SIGTERM", "SIGINT"]) process.on(s, () => child.kill(s));
  child.on("exit", (code, signal) => {
    process.exit(code !== null ? code : 128 + (os.constants.signals[signal] || 1));
  });
});
)js";

namespace {

constexpr size_t kMaxHeaderBytes = 8192;
constexpr size_t kRelayChunk = 64 * 1024;

int PollMs(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(d) + 1, 1 << 30));
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// A TCP connection to host:port within `timeout`, blocking again once
// connected; -1 if none of the addresses answers.
int Connect(const std::string& host, const std::string& port,
            absl::Duration timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) {
    return -1;
  }
  const absl::Time deadline = absl::Now() + timeout;
  int connected = -1;
  for (addrinfo* a = found; a != nullptr && connected < 0; a = a->ai_next) {
    int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                 a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int error = 0;
      socklen_t len = sizeof(error);
      rc = ::poll(&p, 1, PollMs(deadline - absl::Now())) == 1 &&
                   ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 &&
                   error == 0
               ? 0
               : -1;
    }
    if (rc == 0 && ::fcntl(fd, F_SETFL, 0) == 0) {
      connected = fd;
    } else {
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  return connected;
}

}  // namespace

absl::StatusOr<std::string> RegistryTunnelTarget(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("npm registry \"", std::string(url),
                     "\" is not an https URL (https://host[:port]/...)"));
  };
  if (!url.starts_with(kScheme)) return invalid();
  std::string_view authority = url.substr(kScheme.size());
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      authority.front() == ':' || authority.front() == '[') {
    return invalid();
  }
  for (char c : authority) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != ':') {
      return invalid();
    }
  }
  const size_t colon = authority.find(':');
  if (colon == std::string_view::npos) {
    return absl::AsciiStrToLower(absl::StrCat(std::string(authority), ":443"));
  }
  int port = 0;
  if (!absl::SimpleAtoi(std::string(authority.substr(colon + 1)), &port) ||
      port < 1 || port > 65535) {
    return invalid();
  }
  return absl::AsciiStrToLower(std::string(authority));
}

absl::StatusOr<std::unique_ptr<RegistryProxy>> RegistryProxy::Start(
    Options options) {
  if (options.allowed.empty()) {
    return absl::InvalidArgumentError("registry proxy: empty allow list");
  }
  for (const std::string& entry : options.allowed) {
    size_t colon = entry.rfind(':');
    int port = 0;
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(entry.substr(colon + 1), &port) || port < 1 ||
        port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("registry proxy: \"", entry, "\" is not host:port"));
    }
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (options.socket_path.empty() ||
      options.socket_path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("registry proxy: socket path \"", options.socket_path,
                     "\" is empty or too long"));
  }
  std::memcpy(address.sun_path, options.socket_path.data(),
              options.socket_path.size());
  ::unlink(options.socket_path.c_str());
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  auto fail = [&](const char* what) {
    return absl::InternalError(absl::StrCat("registry proxy: ", what, " ",
                                            options.socket_path, ": ",
                                            std::strerror(errno)));
  };
  if (!listener.valid()) return fail("socket");
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != 0) {
    return fail("bind");
  }
  // Install sandboxes run as other uids; the directory guards the path.
  if (::chmod(options.socket_path.c_str(), 0666) != 0) return fail("chmod");
  if (::listen(listener.get(), 64) != 0) return fail("listen");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return fail("pipe");
  return std::unique_ptr<RegistryProxy>(
      new RegistryProxy(std::move(options), std::move(listener),
                        UniqueFd(pipe_fds[0]), UniqueFd(pipe_fds[1])));
}

RegistryProxy::RegistryProxy(Options options, UniqueFd listener,
                             UniqueFd wake_read, UniqueFd wake_write)
    : options_(std::move(options)),
      listener_(std::move(listener)),
      wake_read_(std::move(wake_read)),
      wake_write_(std::move(wake_write)) {
  for (const std::string& entry : options_.allowed) {
    allowed_.insert(absl::AsciiStrToLower(entry));
  }
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

RegistryProxy::~RegistryProxy() {
  wake_write_.reset();  // every poll on wake_read_ sees POLLHUP
  if (acceptor_.joinable()) acceptor_.join();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* active) { return *active == 0; }, &active_));
  ::unlink(options_.socket_path.c_str());
}

void RegistryProxy::AcceptLoop() {
  while (true) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0},
                     {wake_read_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    int client = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    {
      absl::MutexLock lock(&mu_);
      if (active_ >= options_.max_connections) {
        Refuse(client, "HTTP/1.1 503 Service Unavailable\r\n\r\n",
               "too many tunnels");
        ::close(client);
        continue;
      }
      ++active_;
    }
    std::thread([this, client] {
      Serve(client);
      ::close(client);
      absl::MutexLock lock(&mu_);
      --active_;  // the last use of `this`
    }).detach();
  }
}

void RegistryProxy::Refuse(int client, const std::string& response,
                           const std::string& why) {
  refused_.fetch_add(1);
  std::cerr << "sandboxd local: registry proxy refused a tunnel: " << why
            << std::endl;
  WriteAll(client, response);
}

void RegistryProxy::Serve(int client) {
  // Bounds every blocking write of the relay too.
  timeval send_timeout{
      static_cast<time_t>(absl::ToInt64Seconds(options_.idle_timeout)), 0};
  ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &send_timeout,
               sizeof(send_timeout));
  std::string header;
  const absl::Time deadline = absl::Now() + options_.header_timeout;
  size_t end = std::string::npos;
  while ((end = header.find("\r\n\r\n")) == std::string::npos) {
    if (header.size() > kMaxHeaderBytes) {
      Refuse(client, "HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n",
             "request header too large");
      return;
    }
    pollfd fds[2] = {{client, POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
    int ready = ::poll(fds, 2, PollMs(deadline - absl::Now()));
    if (ready <= 0 || fds[1].revents != 0) return;  // timeout or shutdown
    char buffer[1024];
    ssize_t n = ::recv(client, buffer, sizeof(buffer), 0);
    if (n <= 0) return;
    header.append(buffer, static_cast<size_t>(n));
  }
  std::string pending = header.substr(end + 4);
  const std::string line = header.substr(0, header.find("\r\n"));
  std::vector<std::string> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 3 || !parts[2].starts_with("HTTP/1.")) {
    Refuse(client, "HTTP/1.1 400 Bad Request\r\n\r\n", "malformed request");
    return;
  }
  if (parts[0] != "CONNECT") {
    Refuse(client, "HTTP/1.1 405 Method Not Allowed\r\n\r\n",
           absl::StrCat(parts[0], " (only CONNECT tunnels)"));
    return;
  }
  const std::string target = absl::AsciiStrToLower(parts[1]);
  if (!allowed_.contains(target)) {
    Refuse(client,
           "HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\n"
           "sandboxd: an install sandbox may only reach the npm registry\n",
           absl::StrCat("CONNECT ", target, " is not the registry"));
    return;
  }
  const size_t colon = target.rfind(':');
  int upstream = Connect(target.substr(0, colon), target.substr(colon + 1),
                         options_.connect_timeout);
  if (upstream < 0) {
    WriteAll(client, "HTTP/1.1 502 Bad Gateway\r\n\r\n");
    return;
  }
  ::setsockopt(upstream, SOL_SOCKET, SO_SNDTIMEO, &send_timeout,
               sizeof(send_timeout));
  if (WriteAll(client, "HTTP/1.1 200 Connection Established\r\n\r\n")) {
    Relay(client, upstream, std::move(pending));
  }
  ::close(upstream);
}

void RegistryProxy::Relay(int client, int upstream, std::string pending) {
  if (!pending.empty() && !WriteAll(upstream, pending)) return;
  std::vector<char> buffer(kRelayChunk);
  while (true) {
    pollfd fds[3] = {{client, POLLIN, 0},
                     {upstream, POLLIN, 0},
                     {wake_read_.get(), POLLIN, 0}};
    int ready = ::poll(fds, 3, PollMs(options_.idle_timeout));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || fds[2].revents != 0) return;  // idle, error, shutdown
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t n = ::recv(fds[i].fd, buffer.data(), buffer.size(), 0);
      if (n <= 0) return;  // either side done: the tunnel ends
      if (!WriteAll(fds[1 - i].fd,
                    std::string_view(buffer.data(), static_cast<size_t>(n)))) {
        return;
      }
    }
  }
}

}  // namespace sandboxd::local
