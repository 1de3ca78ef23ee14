// SandboxManager's background duties: teardown (Delete that converges), the
// idle reaper, the reconciler and shutdown.
#include <algorithm>
#include <iostream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/core/sandbox_manager.h"

namespace sandboxd {

using ::sandbox::v1::BuildEvent;
using ::sandbox::v1::Sandbox;
using ::sandbox::v1::SandboxStatus;

namespace {

void LogLine(const std::string& text) {
  // One structured line per lifecycle action on stderr (the service's log).
  std::cerr << "sandboxd lifecycle " << text << "\n";
}

void AppendSystem(EventLog& events, const std::string& sandbox_id,
                  sandbox::v1::BuildPhase phase, const std::string& text) {
  BuildEvent event;
  event.set_phase(phase);
  event.mutable_log()->set_stream(sandbox::v1::LOG_STREAM_SYSTEM);
  event.mutable_log()->set_text(text);
  (void)events.Append(sandbox_id, std::move(event));
}

}  // namespace

bool SandboxManager::Teardown(const std::string& sandbox_id,
                              absl::Duration wait) {
  std::shared_ptr<absl::Notification> done;
  bool start = false;
  {
    absl::MutexLock lock(&mu_);
    auto& slot = teardowns_[sandbox_id];
    if (slot == nullptr) {
      slot = std::make_shared<absl::Notification>();
      start = true;
    }
    done = slot;
  }
  if (start) {
    absl::StatusOr<int> queued =
        teardown_queue_.Enqueue(sandbox_id, [this, sandbox_id, done] {
          TeardownNow(sandbox_id);
          {
            absl::MutexLock lock(&mu_);
            teardowns_.erase(sandbox_id);
          }
          done->Notify();
        });
    if (!queued.ok()) {
      // Shutting down: the record stays DELETING and the next start's
      // reconciler finishes the job.
      absl::MutexLock lock(&mu_);
      teardowns_.erase(sandbox_id);
      return false;
    }
  }
  return done->WaitForNotificationWithTimeout(wait);
}

void SandboxManager::TeardownNow(const std::string& sandbox_id) {
  // Stop the build first, so that nothing provisions after the destroy.
  std::shared_ptr<Active> active;
  {
    absl::MutexLock lock(&mu_);
    auto it = active_.find(sandbox_id);
    if (it != active_.end()) active = it->second;
  }
  if (active != nullptr) {
    if (queue_.Remove(sandbox_id) || warm_queue_.Remove(sandbox_id)) {
      absl::MutexLock lock(&mu_);
      active_.erase(sandbox_id);
      active->done.Notify();
    } else {
      active->control.Stop(BuildControl::Cause::kDeleted);
      active->done.WaitForNotification();
    }
  }
  if (provider_ != nullptr) {
    absl::Duration backoff = absl::Milliseconds(250);
    while (true) {
      CallContext ctx(absl::Now() + options_.deadlines.destroy, shutdown_);
      absl::Status destroyed = provider_->Destroy(sandbox_id, ctx);
      if (destroyed.ok()) break;
      LogLine(absl::StrCat("sandbox=", sandbox_id,
                           " action=destroy status=", destroyed.ToString()));
      // Retry until it converges; shutdown cuts the wait short and leaves
      // the record DELETING for the next start's reconciler.
      if (shutdown_->WaitUntil(absl::Now() + backoff)) return;
      backoff = std::min(backoff * 2, absl::Seconds(30));
    }
  }
  absl::StatusOr<Sandbox> deleted = records_.Mutate(sandbox_id, [](Sandbox& s) {
    s.set_status(sandbox::v1::SANDBOX_STATUS_DELETED);
    s.clear_auto_stop_time();
    return absl::OkStatus();
  });
  if (!deleted.ok()) return;
  RecordFinished(sandbox_id, sandbox::v1::SANDBOX_STATUS_DELETED, nullptr);
  absl::MutexLock lock(&mu_);
  activity_.erase(sandbox_id);
}

void SandboxManager::ReapIdle() {
  const absl::Time now = clock_->Now();
  absl::StatusOr<std::vector<Sandbox>> ready =
      store_->ListByStatus({sandbox::v1::SANDBOX_STATUS_READY});
  if (ready.ok()) {
    for (Sandbox& sandbox : *ready) {
      Overlay(sandbox);
      if (now >= FromTimestamp(sandbox.auto_stop_time())) StopIdle(sandbox);
    }
  }
  absl::StatusOr<std::vector<Sandbox>> deleted =
      store_->ListByStatus({sandbox::v1::SANDBOX_STATUS_DELETED});
  if (deleted.ok()) {
    for (const Sandbox& sandbox : *deleted) {
      if (now - FromTimestamp(sandbox.update_time()) >=
          options_.deleted_retention) {
        if (store_->PurgeSandbox(sandbox.sandbox_id()).ok()) {
          events_.Forget(sandbox.sandbox_id());
        }
      }
    }
  }
}

void SandboxManager::StopIdle(const Sandbox& sandbox) {
  const std::string& id = sandbox.sandbox_id();
  absl::Duration idle = FromDuration(sandbox.idle_timeout());
  if (provider_ != nullptr) {
    absl::Status stopped = provider_->Stop(
        id, CallContext(absl::Now() + options_.deadlines.stop, shutdown_));
    if (!stopped.ok() && !absl::IsNotFound(stopped)) {
      LogLine(absl::StrCat("sandbox=", id,
                           " action=idle-stop status=", stopped.ToString()));
      return;  // Still READY; the next sweep tries again.
    }
  }
  absl::Time last_activity = FromTimestamp(sandbox.last_activity_time());
  absl::StatusOr<Sandbox> updated =
      records_.Mutate(id, [&](Sandbox& s) -> absl::Status {
        if (s.status() != sandbox::v1::SANDBOX_STATUS_READY) {
          return absl::AbortedError("no longer ready");
        }
        s.set_status(sandbox::v1::SANDBOX_STATUS_STOPPED);
        s.set_stop_reason(sandbox::v1::STOP_REASON_IDLE);
        SetTime(s.mutable_last_activity_time(), last_activity);
        s.clear_auto_stop_time();
        return absl::OkStatus();
      });
  if (!updated.ok()) return;
  AppendSystem(events_, id, sandbox.phase(),
               absl::StrCat("stopped after ", absl::FormatDuration(idle),
                            " without activity; the next visit starts it "
                            "again"));
  LogLine(absl::StrCat("sandbox=", id, " action=idle-stop status=OK"));
}

void SandboxManager::FinishInterrupted(const Sandbox& sandbox) {
  sandbox::v1::SandboxError error;
  error.set_code("INTERRUPTED");
  error.set_message(
      absl::StrCat("the build was interrupted ", sandbox.build_attempts(),
                   " times by server restarts; create the sandbox again"));
  error.set_phase(sandbox.phase());
  absl::StatusOr<Sandbox> failed =
      records_.Mutate(sandbox.sandbox_id(), [&](Sandbox& s) -> absl::Status {
        if (s.status() != sandbox::v1::SANDBOX_STATUS_PENDING &&
            s.status() != sandbox::v1::SANDBOX_STATUS_BUILDING) {
          return absl::AbortedError("not building");
        }
        s.set_status(sandbox::v1::SANDBOX_STATUS_FAILED);
        *s.mutable_error() = error;
        return absl::OkStatus();
      });
  if (failed.ok()) {
    RecordFinished(sandbox.sandbox_id(), sandbox::v1::SANDBOX_STATUS_FAILED,
                   &error);
  }
}

absl::Status SandboxManager::Reconcile() {
  absl::StatusOr<std::vector<Sandbox>> records = store_->ListByStatus(
      {sandbox::v1::SANDBOX_STATUS_PENDING,
       sandbox::v1::SANDBOX_STATUS_BUILDING, sandbox::v1::SANDBOX_STATUS_READY,
       sandbox::v1::SANDBOX_STATUS_STOPPED, sandbox::v1::SANDBOX_STATUS_FAILED,
       sandbox::v1::SANDBOX_STATUS_DELETING});
  if (!records.ok()) return records.status();

  // Store side: nothing stays BUILDING or DELETING without someone on it.
  for (const Sandbox& sandbox : *records) {
    const std::string& id = sandbox.sandbox_id();
    bool busy;
    {
      absl::MutexLock lock(&mu_);
      busy = active_.contains(id) || teardowns_.contains(id);
    }
    if (busy) continue;
    switch (sandbox.status()) {
      case sandbox::v1::SANDBOX_STATUS_DELETING:
        Teardown(id, absl::ZeroDuration());
        break;
      case sandbox::v1::SANDBOX_STATUS_PENDING:
      case sandbox::v1::SANDBOX_STATUS_BUILDING: {
        bool restart = sandbox.phase() == sandbox::v1::BUILD_PHASE_STARTING &&
                       sandbox.has_ready_time();
        if (!restart &&
            sandbox.build_attempts() >= options_.max_build_attempts) {
          FinishInterrupted(sandbox);
          break;
        }
        AppendSystem(events_, id, sandbox.phase(),
                     restart
                         ? "resuming the restart after a server restart"
                         : absl::StrCat("resuming the build after a server "
                                        "restart (attempt ",
                                        sandbox.build_attempts() + 1, " of ",
                                        options_.max_build_attempts, ")"));
        if (!QueueBuild(sandbox, restart).ok()) FinishInterrupted(sandbox);
        break;
      }
      default:
        break;
    }
  }
  if (provider_ == nullptr) return absl::OkStatus();

  // Provider side: every provider sandbox has a live record and every
  // running record has a provider sandbox.
  absl::StatusOr<std::vector<ProviderSandbox>> held =
      provider_->List(CallContext(absl::Now() + absl::Minutes(1), shutdown_));
  if (!held.ok()) {
    return absl::Status(held.status().code(),
                        absl::StrCat("reconcile: listing provider sandboxes: ",
                                     held.status().message()));
  }
  absl::flat_hash_map<std::string, const ProviderSandbox*> by_id;
  for (const ProviderSandbox& p : *held) by_id[p.sandbox_id] = &p;
  for (const Sandbox& sandbox : *records) {
    const std::string& id = sandbox.sandbox_id();
    auto it = by_id.find(id);
    const ProviderSandbox* p = it == by_id.end() ? nullptr : it->second;
    if (it != by_id.end()) by_id.erase(it);
    if (sandbox.status() != sandbox::v1::SANDBOX_STATUS_READY) continue;
    if (p != nullptr && p->state == ProviderSandbox::State::kRunning) continue;
    if (p != nullptr && p->state == ProviderSandbox::State::kTransitioning) {
      continue;
    }
    // READY on record but not running on the provider: stopped (a visit
    // starts it again) if the provider still has it, FAILED if it is gone.
    (void)records_.Mutate(id, [&](Sandbox& s) -> absl::Status {
      if (s.status() != sandbox::v1::SANDBOX_STATUS_READY) {
        return absl::AbortedError("changed");
      }
      if (p != nullptr && p->state == ProviderSandbox::State::kStopped) {
        s.set_status(sandbox::v1::SANDBOX_STATUS_STOPPED);
        s.set_stop_reason(sandbox::v1::STOP_REASON_PROVIDER);
      } else {
        s.set_status(sandbox::v1::SANDBOX_STATUS_FAILED);
        s.mutable_error()->set_code("SANDBOX_LOST");
        s.mutable_error()->set_message(
            p == nullptr
                ? "the provider no longer has this sandbox"
                : absl::StrCat("the provider reports an error: ", p->detail));
      }
      return absl::OkStatus();
    });
  }
  // Whatever is left has no live record: an orphan. Records of deleted
  // sandboxes count as no record.
  for (const auto& [id, p] : by_id) {
    absl::StatusOr<Sandbox> record = store_->GetSandbox(id);
    if (record.ok() &&
        record->status() != sandbox::v1::SANDBOX_STATUS_DELETED) {
      continue;  // Created after the listing above.
    }
    absl::Status destroyed = provider_->Destroy(
        id, CallContext(absl::Now() + options_.deadlines.destroy, shutdown_));
    LogLine(absl::StrCat("sandbox=", id, " action=destroy-orphan status=",
                         destroyed.ToString()));
  }
  return absl::OkStatus();
}

void SandboxManager::StartBackgroundTasks() {
  background_ = std::thread([this] { BackgroundLoop(); });
}

void SandboxManager::BackgroundLoop() {
  absl::Time next_reap = absl::Now() + options_.reap_interval;
  absl::Time next_reconcile = absl::Now() + options_.reconcile_interval;
  while (true) {
    {
      absl::MutexLock lock(&bg_mu_);
      bg_mu_.AwaitWithDeadline(absl::Condition(&bg_stop_),
                               std::min(next_reap, next_reconcile));
      if (bg_stop_) return;
    }
    absl::Time now = absl::Now();
    if (now >= next_reap) {
      ReapIdle();
      next_reap = now + options_.reap_interval;
    }
    if (now >= next_reconcile) {
      if (absl::Status s = Reconcile(); !s.ok()) LogLine(s.ToString());
      next_reconcile = now + options_.reconcile_interval;
    }
  }
}

void SandboxManager::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) return;
    shutting_down_ = true;
  }
  {
    absl::MutexLock lock(&bg_mu_);
    bg_stop_ = true;
  }
  if (background_.joinable()) background_.join();
  shutdown_->Cancel();
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, active] : active_) {
      active->control.Stop(BuildControl::Cause::kShutdown);
    }
  }
  // Queued builds stay PENDING in the store; the next start resumes them.
  queue_.Shutdown();
  warm_queue_.Shutdown();
  // Queued applies stay BUILDING; the next start rebuilds them.
  apply_queue_.Shutdown();
  teardown_queue_.Shutdown();
}

}  // namespace sandboxd
