// The Daytona emulator's state and routes: the control plane under /api
// (sandbox lifecycle with Daytona's state machine, list with labels and
// cursor paging, preview and toolbox-proxy URLs, NestJS error bodies), the
// toolbox under /toolbox/{id} (bulk upload, execute, sessions; commands run
// for real through Launcher) and the /_emulator control endpoints (faults).
// Test-only; not part of sandboxd.
//
// Thread-safety: Handle is called concurrently; one mutex guards the state.
#ifndef SANDBOXD_TESTS_DAYTONA_EMULATOR_EMULATOR_H_
#define SANDBOXD_TESTS_DAYTONA_EMULATOR_EMULATOR_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/daytona_emulator/faults.h"
#include "tests/daytona_emulator/http_server.h"
#include "tests/daytona_emulator/launcher.h"

namespace sandboxd::emulator {

struct EmulatorOptions {
  std::string data_dir;
  // Time spent in each transitional state (creating, starting, ...).
  absl::Duration transition = absl::Milliseconds(300);
  LauncherOptions launcher;
};

struct Command {
  std::string id;
  std::string command;
  std::optional<int> exit_code;
  std::string output;  // raw log with Daytona's stream markers
  std::string stdout_text;
  std::string stderr_text;
};

struct Session {
  std::map<std::string, std::shared_ptr<Command>> commands;
};

struct Sandbox {
  int64_t seq = 0;
  std::string id, name, user = "daytona", target = "us", snapshot;
  std::map<std::string, std::string> labels, env;
  bool is_public = false;
  int cpu = 1, memory = 1, disk = 3;
  int auto_stop = 15, auto_archive = 10080, auto_delete = -1;
  std::string state, desired_state, error_reason;
  absl::Time created_at, updated_at;
  // Pending transition: to `next_state` at `next_at`.
  std::string next_state;
  absl::Time next_at = absl::InfiniteFuture();
  bool stuck_starting = false;
  std::string fail_reason;   // non-empty: `starting` ends in `error`
  std::string host_dir;      // bound as /home/daytona
  std::map<int, int> ports;  // sandbox port -> host port
  std::string preview_token;
  std::map<std::string, Session> sessions;
  std::set<pid_t> pids;  // running commands (bwrap processes)
};

class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();

  Faults& faults() { return faults_; }
  // Kills every sandbox's processes (at shutdown).
  void KillAll();
  // Routes one request; never throws.
  Reply Handle(const Request& request);

 private:
  using Parts = std::vector<std::string>;
  Reply Route(const Request& request, const Parts& parts);
  // Control plane (emulator_api.cc).
  Reply CreateSandbox(const Request& request);
  Reply ListSandboxes(const Request& request);
  Reply GetSandbox(const Request& request, const std::string& id);
  Reply DeleteSandbox(const Request& request, const std::string& id);
  Reply StartSandbox(const Request& request, const std::string& id);
  Reply StopSandbox(const Request& request, const std::string& id);
  Reply SetLabels(const Request& request, const std::string& id);
  Reply PreviewUrl(const Request& request, const std::string& id,
                   const std::string& port, bool signed_url);
  Reply ToolboxProxyUrl(const Request& request, const std::string& id);
  // Toolbox (emulator_toolbox.cc); `rest` is the path after /toolbox/{id}.
  Reply Toolbox(const Request& request, const std::string& id,
                const Parts& rest);
  Reply BulkUpload(const Request& request, Sandbox& sandbox)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply DeleteFiles(const Request& request, const std::string& id);
  Reply Execute(const Request& request, const std::string& id);
  Reply SessionExec(const Request& request, const std::string& id,
                    const std::string& session_id);

  // Runs `command` in sandbox `id` to completion (or timeout).
  struct RunResult {
    int exit_code = -1;
    bool timed_out = false;
  };
  // Starts `command` in sandbox `id`; output goes to `sink` as it comes.
  absl::Status StartInSandbox(const std::string& id, const std::string& command,
                              std::shared_ptr<Command> sink, bool wait,
                              bool merge, absl::Duration timeout,
                              RunResult* result);
  // Rewrites port and host flags of a command to this sandbox's host ports.
  std::string RewriteCommand(Sandbox& sandbox, const std::string& command)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int HostPort(Sandbox& sandbox, int port) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Sandbox* Find(const std::string& id_or_name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void BeginStarting(Sandbox& sandbox) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetState(Sandbox& sandbox, const std::string& state,
                const std::string& next_state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void KillProcesses(Sandbox& sandbox) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string SandboxJson(const Sandbox& sandbox, bool list_item,
                          const std::string& host)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Advances transitions; removes destroyed sandboxes' directories (again
  // on later ticks while their killed processes may still be writing).
  void Tick();

  const EmulatorOptions options_;
  Launcher launcher_;
  Faults faults_;
  absl::Mutex mu_;
  std::map<std::string, Sandbox> sandboxes_ ABSL_GUARDED_BY(mu_);
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t next_cmd_ ABSL_GUARDED_BY(mu_) = 1;
  std::atomic<bool> stop_{false};
  // Directories of destroyed sandboxes not yet removed; ticker thread only.
  std::vector<std::string> pending_removals_;
  std::thread ticker_;
};

// Helpers shared by the emulator's source files.
std::string NewUuid();
std::string Timestamp(absl::Time t);
std::string ReasonPhrase(int status);
// NestJS error body of the control plane.
Reply ApiError(const Request& request, int status, const std::string& message);
// Toolbox daemon error body.
Reply DaemonError(const Request& request, int status, const std::string& code,
                  const std::string& message);
Reply JsonReply(int status, std::string body);

}  // namespace sandboxd::emulator

#endif  // SANDBOXD_TESTS_DAYTONA_EMULATOR_EMULATOR_H_
