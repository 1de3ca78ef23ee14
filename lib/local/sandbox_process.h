// One running bwrap process tree of a sandbox (the app, a build command or a
// dependency install): its output lines, its exit, its network namespace and
// how to kill it. Owned by LocalProvider.
//
// Thread-safe. A pump thread reads stdout and stderr line by line, forwards
// them to the current sink (replaceable, so StartApp can stop forwarding
// once the app is up) and keeps the last lines for error messages.
#ifndef SANDBOXD_LIB_LOCAL_SANDBOX_PROCESS_H_
#define SANDBOXD_LIB_LOCAL_SANDBOX_PROCESS_H_

#include <sys/types.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/common/call_context.h"
#include "lib/local/process_launcher.h"
#include "lib/local/unique_fd.h"
#include "lib/provider/provider.h"

namespace sandboxd::local {

// Parsed `bwrap --info-fd` output.
struct BwrapInfo {
  pid_t child_pid = -1;        // the sandbox's pid 1, as a host pid
  uint64_t net_namespace = 0;  // inode of its network namespace
};
// Pure. INTERNAL if "child-pid" is missing.
absl::StatusOr<BwrapInfo> ParseBwrapInfo(std::string_view json);

class SandboxProcess {
 public:
  // Takes over a launched bwrap: starts the output pump, then reads the info
  // fd (until `deadline`) to find the sandbox init and open its pidfd and
  // netns. If bwrap fails before that, INTERNAL with its last output lines.
  static absl::StatusOr<std::unique_ptr<SandboxProcess>> Adopt(
      LaunchedProcess launched, OutputSink sink, absl::Time deadline);

  // Kills the tree (if still running) and waits for the pump to finish.
  ~SandboxProcess();

  // Replaces the sink; an empty sink drops lines (the tail is still kept).
  void SetSink(OutputSink sink);
  // Sends one line to the current sink, in order with the process's output.
  void Emit(OutputStream stream, std::string_view line);

  bool Exited() const;
  // Blocks until the process exits (returns its exit code, 128+signal if
  // killed) or the context is done (nullopt).
  std::optional<int> Wait(const CallContext& ctx) const;

  // SIGKILLs the sandbox's init; the kernel then kills every process in its
  // pid namespace and bwrap exits. `reason` is kept for errors.
  void Kill(std::string reason);
  // Last resort if the sandbox init cannot be signalled: kills bwrap itself.
  void KillTopLevel();
  std::string kill_reason() const;

  // The last `n` output lines, newline-separated.
  std::string Tail(size_t n) const;

  // The network namespace of the sandbox (-1 if the process exited before
  // it could be opened).
  int netns_fd() const { return netns_fd_.get(); }

 private:
  explicit SandboxProcess(LaunchedProcess launched);
  void Pump();
  void OnLine(OutputStream stream, std::string line);

  LaunchedProcess launched_;
  UniqueFd init_pidfd_;
  UniqueFd netns_fd_;
  std::thread pump_;

  mutable absl::Mutex mu_;
  OutputSink sink_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> tail_ ABSL_GUARDED_BY(mu_);
  std::optional<int> exit_code_ ABSL_GUARDED_BY(mu_);
  std::string kill_reason_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_SANDBOX_PROCESS_H_
