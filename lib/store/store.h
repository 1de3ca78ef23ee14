// The Store seam: sandboxd's durable state (sandboxes, their build specs and
// build events, idempotency keys). lib/core is its only user. The SQLite
// implementation (WAL, versioned migrations) lives in sqlite_store.h; the
// interface leaves room for PostgreSQL when several replicas share state.
#ifndef SANDBOXD_LIB_STORE_STORE_H_
#define SANDBOXD_LIB_STORE_STORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {

// A filter and a page cursor for ListSandboxes.
struct ListQuery {
  std::string owner;  // empty: every owner
  // Empty: every status but DELETED.
  std::vector<sandbox::v1::SandboxStatus> statuses;
  // Every pair must be among the sandbox's labels.
  std::vector<std::pair<std::string, std::string>> labels;
  int page_size = 50;      // > 0
  std::string page_token;  // empty, or a ListPage::next_page_token
};

// One page, newest first (create_time, then sandbox_id, descending).
struct ListPage {
  std::vector<sandbox::v1::Sandbox> sandboxes;
  int64_t total = 0;            // matches of the filter, all pages
  std::string next_page_token;  // empty on the last page
};

// An idempotency key's record.
struct RequestRecord {
  std::string sandbox_id;
  std::string request_fingerprint;  // hash of the request it first came with
};

// Thread-safe; every method blocks on disk I/O. Every successful write is
// durable against a crash of the process (kill -9) when it returns.
class Store {
 public:
  virtual ~Store() = default;

  // Inserts a new sandbox with its build spec and, when `request_id` is not
  // empty, the key (sandbox.owner(), request_id) -> sandbox id, atomically.
  // ALREADY_EXISTS if the sandbox id or the key is taken.
  virtual absl::Status InsertSandbox(
      const sandbox::v1::Sandbox& sandbox,
      const sandbox::v1::CreateSandboxRequest& spec,
      std::string_view request_id, std::string_view request_fingerprint) = 0;

  // NOT_FOUND if the key is unknown.
  virtual absl::StatusOr<RequestRecord> FindRequest(
      std::string_view owner, std::string_view request_id) = 0;

  // Replaces the record. NOT_FOUND if it does not exist.
  virtual absl::Status UpdateSandbox(const sandbox::v1::Sandbox& sandbox) = 0;

  // NOT_FOUND if it does not exist.
  virtual absl::StatusOr<sandbox::v1::Sandbox> GetSandbox(
      std::string_view sandbox_id) = 0;

  // Replaces the record and the build spec together (ApplyFiles changes
  // the generated files), atomically. NOT_FOUND if the sandbox is absent.
  virtual absl::Status UpdateSandboxAndSpec(
      const sandbox::v1::Sandbox& sandbox,
      const sandbox::v1::CreateSandboxRequest& spec) = 0;

  // The Create request the sandbox was made from. NOT_FOUND if absent.
  virtual absl::StatusOr<sandbox::v1::CreateSandboxRequest> GetSpec(
      std::string_view sandbox_id) = 0;

  // INVALID_ARGUMENT ("page_token: ...") for a malformed or foreign token.
  virtual absl::StatusOr<ListPage> ListSandboxes(const ListQuery& query) = 0;

  // Every sandbox (all owners) in one of `statuses`; for the reaper and the
  // reconciler.
  virtual absl::StatusOr<std::vector<sandbox::v1::Sandbox>> ListByStatus(
      const std::vector<sandbox::v1::SandboxStatus>& statuses) = 0;

  // Removes the sandbox, its spec, its events and its idempotency keys. OK if
  // it does not exist.
  virtual absl::Status PurgeSandbox(std::string_view sandbox_id) = 0;

  // Appends events of one sandbox; their sequence numbers must be new for that
  // sandbox (ALREADY_EXISTS otherwise; nothing is written then).
  virtual absl::Status AppendEvents(
      const std::vector<sandbox::v1::BuildEvent>& events) = 0;

  // Events of `sandbox_id` with sequence > `after_sequence`, ascending, at
  // most `limit`.
  virtual absl::StatusOr<std::vector<sandbox::v1::BuildEvent>> ReadEvents(
      std::string_view sandbox_id, int64_t after_sequence, int limit) = 0;

  // The largest recorded sequence number of `sandbox_id`, 0 if none.
  virtual absl::StatusOr<int64_t> LastEventSequence(
      std::string_view sandbox_id) = 0;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_STORE_STORE_H_
