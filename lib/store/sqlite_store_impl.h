// SqliteStore, the class behind OpenSqliteStore (sqlite_store.h). Its methods
// are split by kind: sqlite_store.cc (open and writes), sqlite_store_reads.cc,
// sqlite_store_list.cc. Used only inside lib/store.
#ifndef SANDBOXD_LIB_STORE_SQLITE_STORE_IMPL_H_
#define SANDBOXD_LIB_STORE_SQLITE_STORE_IMPL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/store/reader_pool.h"
#include "lib/store/sqlite_connection.h"
#include "lib/store/sqlite_store.h"
#include "lib/store/store.h"

namespace sandboxd::store_internal {

// Thread-safe. Writes are serialized on one connection (SQLite allows one
// writer at a time anyway, and queueing on a mutex is cheaper than on SQLite's
// busy handler); reads lease a connection from the pool and, in WAL mode, see
// the last committed state without waiting for a write in progress.
class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SqliteConnection> writer,
              std::unique_ptr<ReaderPool> readers, int max_events_per_sandbox)
      : writer_(std::move(writer)),
        readers_(std::move(readers)),
        max_events_per_sandbox_(max_events_per_sandbox) {}

  absl::Status InsertSandbox(const sandbox::v1::Sandbox& sandbox,
                             const sandbox::v1::CreateSandboxRequest& spec,
                             std::string_view request_id,
                             std::string_view request_fingerprint) override;
  absl::StatusOr<RequestRecord> FindRequest(
      std::string_view owner, std::string_view request_id) override;
  absl::Status UpdateSandboxAndSpec(
      const sandbox::v1::Sandbox& sandbox,
      const sandbox::v1::CreateSandboxRequest& spec) override;
  absl::Status UpdateSandbox(const sandbox::v1::Sandbox& sandbox) override;
  absl::StatusOr<sandbox::v1::Sandbox> GetSandbox(
      std::string_view sandbox_id) override;
  absl::StatusOr<sandbox::v1::CreateSandboxRequest> GetSpec(
      std::string_view sandbox_id) override;
  absl::StatusOr<ListPage> ListSandboxes(const ListQuery& query) override;
  absl::StatusOr<std::vector<sandbox::v1::Sandbox>> ListByStatus(
      const std::vector<sandbox::v1::SandboxStatus>& statuses) override;
  absl::Status PurgeSandbox(std::string_view sandbox_id) override;
  absl::Status AppendEvents(
      const std::vector<sandbox::v1::BuildEvent>& events) override;
  absl::StatusOr<std::vector<sandbox::v1::BuildEvent>> ReadEvents(
      std::string_view sandbox_id, int64_t after_sequence, int limit) override;
  absl::StatusOr<int64_t> LastEventSequence(
      std::string_view sandbox_id) override;

 private:
  // UpdateSandbox, and the spec too when `spec` is not null.
  absl::Status Update(const sandbox::v1::Sandbox& sandbox,
                      const sandbox::v1::CreateSandboxRequest* spec)
      ABSL_LOCKS_EXCLUDED(writer_mu_);
  absl::Status InsertRows(const sandbox::v1::Sandbox& sandbox,
                          const std::string& record, const std::string& spec,
                          std::string_view request_id,
                          std::string_view request_fingerprint)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  absl::Status InsertEventRows(
      const std::vector<sandbox::v1::BuildEvent>& events,
      const std::vector<std::string>& blobs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  absl::Status ReplaceLabels(const sandbox::v1::Sandbox& sandbox)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);

  absl::Mutex writer_mu_;
  const std::unique_ptr<SqliteConnection> writer_
      ABSL_PT_GUARDED_BY(writer_mu_);
  const std::unique_ptr<ReaderPool> readers_;
  const int max_events_per_sandbox_;
};

// Parses a sandbox row's record and checks it belongs to `sandbox_id`
// (DATA_LOSS otherwise).
absl::StatusOr<sandbox::v1::Sandbox> ParseSandboxRow(
    std::string_view sandbox_id, std::string_view record);

}  // namespace sandboxd::store_internal

#endif  // SANDBOXD_LIB_STORE_SQLITE_STORE_IMPL_H_
