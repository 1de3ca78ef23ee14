#include "lib/local/netns_dialer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace sandboxd::local {
namespace {

absl::Status Errno(std::string_view what, int err) {
  return absl::InternalError(absl::StrCat("netns dialer: ", std::string(what),
                                          ": ", std::strerror(err)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<NetnsDialer>> NetnsDialer::Make() {
  if (::geteuid() != 0) {
    return absl::FailedPreconditionError(
        "netns dialer: needs root (setns into sandbox network namespaces); "
        "the unprivileged helper variant is not implemented");
  }
  UniqueFd host(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!host.valid()) return Errno("open /proc/self/ns/net", errno);
  return std::unique_ptr<NetnsDialer>(new NetnsDialer(std::move(host)));
}

absl::StatusOr<UniqueFd> NetnsDialer::Dial(int netns_fd, int port,
                                           absl::Duration timeout) {
  if (netns_fd < 0)
    return absl::FailedPreconditionError("netns dialer: no netns");
  {
    absl::MutexLock lock(&mu_);
    if (broken_) return absl::InternalError("netns dialer: thread is broken");
  }
  UniqueFd sock;
  int connect_errno = 0;
  absl::Status status;
  thread_.Run([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) {
      status = Errno("setns", errno);
      return;
    }
    sock.reset(
        ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!sock.valid()) {
      status = Errno("socket", errno);
    } else {
      struct sockaddr_in addr = {};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr),
                    sizeof(addr)) != 0) {
        connect_errno = errno;
      }
    }
    if (::setns(host_netns_.get(), CLONE_NEWNET) != 0) {
      absl::MutexLock lock(&mu_);
      broken_ = true;
      status = Errno("setns back to the host", errno);
    }
  });
  if (!status.ok()) return status;
  // The rest happens on the caller's thread: the socket stays in the netns.
  if (connect_errno == EINPROGRESS) {
    struct pollfd pfd = {sock.get(), POLLOUT, 0};
    int ready =
        ::poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
    if (ready <= 0) {
      return absl::UnavailableError(
          absl::StrCat("netns dialer: connect to port ", port, " timed out"));
    }
    socklen_t len = sizeof(connect_errno);
    ::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &connect_errno, &len);
  }
  if (connect_errno != 0) {
    return absl::UnavailableError(absl::StrCat("netns dialer: connect to port ",
                                               port, ": ",
                                               std::strerror(connect_errno)));
  }
  int flags = ::fcntl(sock.get(), F_GETFL);
  ::fcntl(sock.get(), F_SETFL, flags & ~O_NONBLOCK);
  return sock;
}

}  // namespace sandboxd::local
