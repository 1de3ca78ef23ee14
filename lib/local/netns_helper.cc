#include "lib/local/netns_helper.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace sandboxd::local {
namespace {

constexpr uint32_t kMagic = 0x6e736831;  // "nsh1"
// Fixed descriptor numbers in the helper.
constexpr int kChannelFd = 3;
constexpr int kOwnUsernsFd = 4;

struct Request {
  uint32_t magic;
  int32_t port;
};

// Where a request ended.
enum Step : int32_t {
  kConnected = 0,  // the socket is attached; err is connect()'s errno
  kBadRequest,
  kFork,
  kGetUserns,
  kSetnsUser,
  kSetnsNet,
  kSocket,
  kChildDied,
};

struct Reply {
  uint32_t magic;
  int32_t step;
  int32_t err;
};

const char* StepName(int32_t step) {
  switch (step) {
    case kBadRequest:
      return "bad request";
    case kFork:
      return "fork";
    case kGetUserns:
      return "ioctl(NS_GET_USERNS) on the sandbox netns";
    case kSetnsUser:
      return "setns into the netns owner's user namespace";
    case kSetnsNet:
      return "setns into the sandbox netns";
    case kSocket:
      return "socket";
    case kChildDied:
      return "the helper's child died";
    default:
      return "unknown step";
  }
}

// --- Async-signal-safe part: runs in the helper and its children. ---

// Sends `msg` with `fd` (if >= 0) attached. True on success.
bool SendWithFd(int channel, const void* msg, size_t size, int fd) {
  struct iovec iov = {const_cast<void*>(msg), size};
  struct msghdr hdr = {};
  hdr.msg_iov = &iov;
  hdr.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    hdr.msg_control = control;
    hdr.msg_controllen = sizeof(control);
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&hdr);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  }
  ssize_t n;
  do {
    n = ::sendmsg(channel, &hdr, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(size);
}

// Receives one message into `msg` and at most one fd into `*fd` (-1 if
// none; extra fds are closed). Returns recvmsg's result.
ssize_t ReceiveWithFd(int channel, void* msg, size_t size, int* fd, int flags) {
  *fd = -1;
  struct iovec iov = {msg, size};
  struct msghdr hdr = {};
  hdr.msg_iov = &iov;
  hdr.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
  hdr.msg_control = control;
  hdr.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = ::recvmsg(channel, &hdr, flags);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return n;
  for (struct cmsghdr* cmsg = CMSG_FIRSTHDR(&hdr); cmsg != nullptr;
       cmsg = CMSG_NXTHDR(&hdr, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int received;
      std::memcpy(&received, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
      if (*fd < 0) {
        *fd = received;
      } else {
        ::close(received);
      }
    }
  }
  if ((hdr.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
    errno = EMSGSIZE;
    return -1;
  }
  return n;
}

bool SendReply(int channel, int32_t step, int32_t err, int fd) {
  Reply reply = {kMagic, step, err};
  return SendWithFd(channel, &reply, sizeof(reply), fd);
}

[[noreturn]] void FailDial(int32_t step, int err) {
  _exit(SendReply(kChannelFd, step, err, -1) ? 0 : 1);
}

bool SameFile(int a, int b) {
  struct stat sa, sb;
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// The per-request child: joins the netns (through its owner user
// namespace), starts the connect and sends the socket back.
[[noreturn]] void DialChild(int netns_fd, int port) {
  int userns = ::ioctl(netns_fd, NS_GET_USERNS);
  if (userns < 0) FailDial(kGetUserns, errno);
  // A netns owned by our own user namespace needs no join (setns would
  // fail with EINVAL); setns(netns) then decides alone.
  if (!SameFile(userns, kOwnUsernsFd) && ::setns(userns, CLONE_NEWUSER) != 0) {
    FailDial(kSetnsUser, errno);
  }
  if (::setns(netns_fd, CLONE_NEWNET) != 0) FailDial(kSetnsNet, errno);
  int sock = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock < 0) FailDial(kSocket, errno);
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int err = 0;
  if (::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    err = errno;
  }
  _exit(SendReply(kChannelFd, kConnected, err, sock) ? 0 : 1);
}

// The helper's loop. Never returns.
[[noreturn]] void HelperMain(int channel, pid_t parent) {
  // Dies with the thread that forked it (the dialer's spawn thread).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) _exit(0);
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGCHLD, &dfl, nullptr);  // waitpid needs unreaped children
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Hold nothing of sandboxd's: only the channel, stdio on /dev/null.
  if (channel != kChannelFd && ::dup2(channel, kChannelFd) < 0) _exit(1);
  ::close_range(kChannelFd + 1, ~0U, 0);
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd < 0) _exit(1);
  for (int fd = 0; fd <= 2; ++fd) {
    if (fd != null_fd) ::dup2(null_fd, fd);
  }
  if (null_fd > 2) ::close(null_fd);
  int own = ::open("/proc/self/ns/user", O_RDONLY);
  if (own < 0 || (own != kOwnUsernsFd && ::dup2(own, kOwnUsernsFd) < 0)) {
    _exit(1);
  }
  if (own != kOwnUsernsFd) ::close(own);
  while (true) {
    Request request;
    int netns_fd;
    ssize_t n =
        ReceiveWithFd(kChannelFd, &request, sizeof(request), &netns_fd, 0);
    if (n == 0) _exit(0);  // sandboxd closed the channel
    if (n < 0) {
      if (errno == EMSGSIZE) {
        SendReply(kChannelFd, kBadRequest, EMSGSIZE, -1);
        continue;
      }
      _exit(1);
    }
    if (n != sizeof(request) || request.magic != kMagic || netns_fd < 0 ||
        request.port <= 0 || request.port > 65535) {
      if (netns_fd >= 0) ::close(netns_fd);
      SendReply(kChannelFd, kBadRequest, EINVAL, -1);
      continue;
    }
    pid_t child = ::_Fork();
    if (child == 0) DialChild(netns_fd, request.port);
    int fork_errno = errno;
    ::close(netns_fd);
    if (child < 0) {
      SendReply(kChannelFd, kFork, fork_errno, -1);
      continue;
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
      if (errno != EINTR) _exit(1);
    }
    // The child replied unless it died first.
    if (!WIFEXITED(status)) {
      SendReply(kChannelFd, kChildDied, EPIPE, -1);
    } else if (WEXITSTATUS(status) != 0) {
      _exit(1);  // it could not write to the channel: nor could we
    }
  }
}

// --- End of the async-signal-safe part. ---

absl::Status Errno(std::string_view what, int err) {
  return absl::InternalError(absl::StrCat("netns helper: ", std::string(what),
                                          ": ", std::strerror(err)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<NetnsHelper>> NetnsHelper::Start() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return Errno("socketpair", errno);
  }
  UniqueFd ours(fds[0]);
  UniqueFd theirs(fds[1]);
  const pid_t parent = ::getpid();
  pid_t pid = ::_Fork();
  if (pid < 0) return Errno("fork", errno);
  if (pid == 0) HelperMain(theirs.get(), parent);
  return std::unique_ptr<NetnsHelper>(new NetnsHelper(pid, std::move(ours)));
}

NetnsHelper::~NetnsHelper() {
  channel_.reset();
  ::kill(pid_, SIGKILL);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

absl::StatusOr<HelperReply> NetnsHelper::Connect(int netns_fd, int port,
                                                 absl::Duration timeout) {
  auto gone = [this](std::string_view what) {
    healthy_ = false;
    return absl::UnavailableError(
        absl::StrCat("netns helper: ", std::string(what)));
  };
  if (!healthy_) return gone("unusable after an earlier failure");
  Request request = {kMagic, port};
  if (!SendWithFd(channel_.get(), &request, sizeof(request), netns_fd)) {
    return gone(absl::StrCat("send: ", std::strerror(errno)));
  }
  struct pollfd pfd = {channel_.get(), POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&pfd, 1,
                   static_cast<int>(std::max<int64_t>(
                       0, absl::ToInt64Milliseconds(timeout))));
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) return gone("no answer in time");
  Reply reply;
  int fd;
  ssize_t n = ReceiveWithFd(channel_.get(), &reply, sizeof(reply), &fd,
                            MSG_CMSG_CLOEXEC);
  UniqueFd socket(fd);
  if (n == 0) return gone("exited");
  if (n < 0) return gone(absl::StrCat("receive: ", std::strerror(errno)));
  if (n != sizeof(reply) || reply.magic != kMagic) {
    return gone("malformed reply");
  }
  if (reply.step != kConnected) {
    return absl::InternalError(
        absl::StrCat("netns helper: ", StepName(reply.step), ": ",
                     std::strerror(reply.err)));
  }
  // Never trust a received fd blindly: it must be the TCP socket asked for.
  int type = 0, domain = 0;
  socklen_t len = sizeof(int);
  if (!socket.valid() ||
      ::getsockopt(socket.get(), SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
      type != SOCK_STREAM ||
      ::getsockopt(socket.get(), SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
      domain != AF_INET) {
    return absl::InternalError(
        "netns helper: the reply does not carry an AF_INET stream socket");
  }
  HelperReply result;
  result.socket = std::move(socket);
  result.connect_errno = reply.err;
  return result;
}

}  // namespace sandboxd::local
