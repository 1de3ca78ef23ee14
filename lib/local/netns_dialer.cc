#include "lib/local/netns_dialer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace sandboxd::local {
namespace {

absl::Status Errno(std::string_view what, int err) {
  return absl::InternalError(absl::StrCat("netns dialer: ", std::string(what),
                                          ": ", std::strerror(err)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<NetnsDialer>> NetnsDialer::Make() {
  return Make(::geteuid() == 0 ? Mode::kSetnsThread : Mode::kHelper);
}

absl::StatusOr<std::unique_ptr<NetnsDialer>> NetnsDialer::Make(Mode mode) {
  if (mode == Mode::kHelper) {
    auto dialer =
        std::unique_ptr<NetnsDialer>(new NetnsDialer(mode, UniqueFd()));
    absl::Status started;
    {
      absl::MutexLock lock(&dialer->mu_);
      started = dialer->StartHelper();
    }
    if (!started.ok()) return started;
    return dialer;
  }
  if (::geteuid() != 0) {
    return absl::FailedPreconditionError(
        "netns dialer: setns into sandbox network namespaces needs root; "
        "use the helper mode");
  }
  UniqueFd host(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!host.valid()) return Errno("open /proc/self/ns/net", errno);
  return std::unique_ptr<NetnsDialer>(new NetnsDialer(mode, std::move(host)));
}

NetnsDialer::~NetnsDialer() {
  absl::MutexLock lock(&mu_);
  helper_.reset();
}

absl::Status NetnsDialer::StartHelper() {
  absl::StatusOr<std::unique_ptr<NetnsHelper>> helper;
  thread_.Run([&helper] { helper = NetnsHelper::Start(); });
  if (!helper.ok()) return helper.status();
  helper_ = *std::move(helper);
  return absl::OkStatus();
}

absl::StatusOr<HelperReply> NetnsDialer::ConnectWithSetns(int netns_fd,
                                                          int port) {
  {
    absl::MutexLock lock(&mu_);
    if (broken_) return absl::InternalError("netns dialer: thread is broken");
  }
  HelperReply reply;
  absl::Status status;
  thread_.Run([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) {
      status = Errno("setns", errno);
      return;
    }
    reply.socket.reset(
        ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!reply.socket.valid()) {
      status = Errno("socket", errno);
    } else {
      struct sockaddr_in addr = {};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(reply.socket.get(), reinterpret_cast<sockaddr*>(&addr),
                    sizeof(addr)) != 0) {
        reply.connect_errno = errno;
      }
    }
    if (::setns(host_netns_.get(), CLONE_NEWNET) != 0) {
      absl::MutexLock lock(&mu_);
      broken_ = true;
      status = Errno("setns back to the host", errno);
    }
  });
  if (!status.ok()) return status;
  return reply;
}

absl::StatusOr<HelperReply> NetnsDialer::ConnectWithHelper(
    int netns_fd, int port, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  absl::StatusOr<HelperReply> reply = absl::UnavailableError("not tried");
  // A dead helper (killed, or its spawn thread gone) is replaced once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (helper_ == nullptr || !helper_->healthy()) {
      helper_.reset();
      absl::Status started = StartHelper();
      if (!started.ok()) return started;
    }
    reply = helper_->Connect(netns_fd, port, deadline - absl::Now());
    if (reply.ok() || helper_->healthy() || absl::Now() >= deadline) break;
  }
  return reply;
}

absl::StatusOr<UniqueFd> NetnsDialer::Dial(int netns_fd, int port,
                                           absl::Duration timeout) {
  if (netns_fd < 0)
    return absl::FailedPreconditionError("netns dialer: no netns");
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<HelperReply> started =
      mode_ == Mode::kHelper ? ConnectWithHelper(netns_fd, port, timeout)
                             : ConnectWithSetns(netns_fd, port);
  if (!started.ok()) return started.status();
  UniqueFd sock = std::move(started->socket);
  int connect_errno = started->connect_errno;
  // The rest happens on the caller's thread: the socket stays in the netns.
  if (connect_errno == EINPROGRESS) {
    struct pollfd pfd = {sock.get(), POLLOUT, 0};
    int ready =
        ::poll(&pfd, 1,
               static_cast<int>(std::max<int64_t>(
                   0, absl::ToInt64Milliseconds(deadline - absl::Now()))));
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
