// Connects to a port inside a sandbox's network namespace (method (c) of
// reference/local-isolation.md): a dedicated thread does setns(netns),
// socket + connect to 127.0.0.1:port, then setns back to the host netns.
// The socket keeps the namespace it was created in, so the caller does its
// I/O on it from any thread. Needs CAP_SYS_ADMIN (sandboxd as root).
// Used by LocalProvider::DialApp (the preview proxy) and the readiness poll.
// Thread-safe.
#ifndef SANDBOXD_LIB_LOCAL_NETNS_DIALER_H_
#define SANDBOXD_LIB_LOCAL_NETNS_DIALER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/local/task_thread.h"
#include "lib/local/unique_fd.h"

namespace sandboxd::local {

class NetnsDialer {
 public:
  // FAILED_PRECONDITION if the process may not setns (not root).
  static absl::StatusOr<std::unique_ptr<NetnsDialer>> Make();

  // A connected, blocking, close-on-exec TCP socket to 127.0.0.1:`port` in
  // the namespace `netns_fd`. UNAVAILABLE if nothing listens there (or the
  // connect does not finish within `timeout`); INTERNAL if setns fails.
  absl::StatusOr<UniqueFd> Dial(int netns_fd, int port, absl::Duration timeout);

 private:
  explicit NetnsDialer(UniqueFd host_netns)
      : host_netns_(std::move(host_netns)) {}

  UniqueFd host_netns_;
  absl::Mutex mu_;
  // Set if setns back to the host failed: the thread is then unusable.
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  TaskThread thread_;
};

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_NETNS_DIALER_H_
