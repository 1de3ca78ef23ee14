// Connects to a port inside a sandbox's network namespace, for
// LocalProvider::DialApp (the preview proxy) and the readiness poll. The
// socket keeps the namespace it was created in, so the caller does its I/O
// on it from any thread. Two modes (team reference local-isolation.md, §2):
// - kSetnsThread, method (c), sandboxd as root: a dedicated thread does
//   setns(netns), socket + connect to 127.0.0.1:port, then setns back to
//   the host netns (setns(CLONE_NEWNET) needs CAP_SYS_ADMIN).
// - kHelper, method (c'), sandboxd not root: a helper process
//   (lib/local/netns_helper.h) joins the netns owner's user namespace and
//   then the netns in a fresh child per dial, and passes the socket back
//   with SCM_RIGHTS. The helper is forked from a dedicated long-lived thread
//   (its PR_SET_PDEATHSIG follows that thread) and re-forked if it dies.
// Make() picks the mode by the effective uid. Thread-safe.
#ifndef SANDBOXD_LIB_LOCAL_NETNS_DIALER_H_
#define SANDBOXD_LIB_LOCAL_NETNS_DIALER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/local/netns_helper.h"
#include "lib/local/task_thread.h"
#include "lib/local/unique_fd.h"

namespace sandboxd::local {

class NetnsDialer {
 public:
  enum class Mode { kSetnsThread, kHelper };

  // kSetnsThread if the effective uid is 0, else kHelper.
  static absl::StatusOr<std::unique_ptr<NetnsDialer>> Make();
  // FAILED_PRECONDITION for kSetnsThread when not root; INTERNAL if the
  // helper cannot be started.
  static absl::StatusOr<std::unique_ptr<NetnsDialer>> Make(Mode mode);
  ~NetnsDialer();

  Mode mode() const { return mode_; }

  // A connected, blocking, close-on-exec TCP socket to 127.0.0.1:`port` in
  // the namespace `netns_fd`. UNAVAILABLE if nothing listens there (or the
  // connect does not finish within `timeout`, or the helper does not
  // answer); INTERNAL if joining the namespace fails (e.g. kHelper and the
  // netns is not owned by a user namespace of sandboxd's uid).
  absl::StatusOr<UniqueFd> Dial(int netns_fd, int port, absl::Duration timeout);

 private:
  NetnsDialer(Mode mode, UniqueFd host_netns)
      : mode_(mode), host_netns_(std::move(host_netns)) {}

  // Returns the socket (connecting or connected) and connect()'s errno.
  absl::StatusOr<HelperReply> ConnectWithSetns(int netns_fd, int port);
  absl::StatusOr<HelperReply> ConnectWithHelper(int netns_fd, int port,
                                                absl::Duration timeout);
  // Forks a new helper on `thread_` into `helper_`.
  absl::Status StartHelper() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Mode mode_;
  UniqueFd host_netns_;  // kSetnsThread only
  // kSetnsThread: where setns happens; kHelper: forks the helper.
  TaskThread thread_;
  absl::Mutex mu_;
  // kSetnsThread: set if setns back to the host failed (thread unusable).
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  // kHelper. Requests are serialized by mu_ (the helper answers in order);
  // each takes a fork + two setns + a non-blocking connect.
  std::unique_ptr<NetnsHelper> helper_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_NETNS_DIALER_H_
