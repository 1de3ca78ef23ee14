// The unprivileged side of NetnsDialer (method (c') of the team reference
// local-isolation.md, §2): a small long-lived helper process that creates
// TCP sockets inside sandbox network namespaces for a sandboxd that is not
// root, and hands them back over a unix socket with SCM_RIGHTS.
//
// Why a fork of sandboxd and not a separate executable: nothing has to be
// installed or located next to the binary (tests, `deploy/`, packaging stay
// as they are), and the fork is safe from a multithreaded process because
// the child never leaves this file's async-signal-safe code: raw syscalls
// (_Fork, recvmsg, sendmsg, ioctl, setns, socket, connect, waitpid, _exit),
// no allocation, no locks, no atfork handlers (_Fork skips them). The child
// shares its copy-on-write memory with sandboxd and touches only its stack;
// the cost is that it keeps sandboxd's pages of spawn time alive (sandboxd
// creates it in MakeLocalProvider, while still small) and that each dial's
// fork copies those page tables (well under a millisecond; printed by
// local_netns_dialer_test). A separate tiny executable would avoid both but
// has to be built, installed and found next to sandboxd.
//
// Why fork again per dial: setns(CLONE_NEWUSER) needs a single-threaded
// process that is not already in the target user namespace, and a process
// can never leave a user namespace again. So the helper stays in the host
// namespaces and forks one short-lived child per request, which joins the
// *owner* user namespace of the sandbox's netns (ioctl NS_GET_USERNS: bwrap
// nests a second userns, /proc/PID/ns/user is the wrong one), then the
// netns, starts a non-blocking connect to 127.0.0.1:port, sends the socket
// back and exits. The helper reaps it before it reads the next request, so
// replies come in request order. Requires that sandboxd's uid owns that
// user namespace (it does: sandboxd started the bwrap that created it).
//
// The helper exits when its channel closes (sandboxd exited or dropped the
// NetnsHelper) and on PR_SET_PDEATHSIG.
//
// Thread-compatible: NetnsDialer serializes requests with its mutex.
#ifndef SANDBOXD_LIB_LOCAL_NETNS_HELPER_H_
#define SANDBOXD_LIB_LOCAL_NETNS_HELPER_H_

#include <sys/types.h>

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/local/unique_fd.h"

namespace sandboxd::local {

// What the helper did for one request.
struct HelperReply {
  // A non-blocking, close-on-exec AF_INET stream socket created in the
  // sandbox's netns, connecting or connected (see connect_errno).
  UniqueFd socket;
  // errno of connect() in the sandbox: 0, EINPROGRESS or the failure.
  int connect_errno = 0;
};

class NetnsHelper {
 public:
  // Forks the helper. INTERNAL if socketpair or fork fail.
  static absl::StatusOr<std::unique_ptr<NetnsHelper>> Start();
  // Closes the channel, kills and reaps the helper.
  ~NetnsHelper();
  NetnsHelper(const NetnsHelper&) = delete;
  NetnsHelper& operator=(const NetnsHelper&) = delete;

  // Sends one request and waits up to `timeout` for the reply. INTERNAL
  // (with the errno text and the step that failed) if the helper's child
  // could not join the namespaces or create the socket; UNAVAILABLE if the
  // helper is gone or does not answer in time (the helper is then unusable:
  // healthy() turns false).
  absl::StatusOr<HelperReply> Connect(int netns_fd, int port,
                                      absl::Duration timeout);

  bool healthy() const { return healthy_; }
  pid_t pid() const { return pid_; }

 private:
  NetnsHelper(pid_t pid, UniqueFd channel)
      : pid_(pid), channel_(std::move(channel)) {}

  pid_t pid_;
  UniqueFd channel_;
  bool healthy_ = true;
};

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_NETNS_HELPER_H_
