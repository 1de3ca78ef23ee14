// SqliteStore's point reads: a sandbox, its spec, an idempotency key, and the
// sandboxes in given statuses.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/common/status_macros.h"
#include "lib/store/records.h"
#include "lib/store/sqlite_store_impl.h"

namespace sandboxd::store_internal {

absl::StatusOr<sandbox::v1::Sandbox> SqliteStore::GetSandbox(
    std::string_view sandbox_id) {
  const std::string what = SandboxName(sandbox_id);
  ReaderPool::Lease reader = readers_->Acquire();
  ASSIGN_OR_RETURN(
      SqliteStatement select,
      reader->Prepare("SELECT record FROM sandboxes WHERE id = ?"));
  select.BindText(1, sandbox_id);
  ASSIGN_OR_RETURN(bool row,
                   Annotated(select.Step(), absl::StrCat("store: get ", what)));
  if (!row)
    return absl::NotFoundError(absl::StrCat("store: ", what, " not found"));
  return ParseSandboxRow(sandbox_id, select.ColumnBlob(0));
}

absl::StatusOr<sandbox::v1::CreateSandboxRequest> SqliteStore::GetSpec(
    std::string_view sandbox_id) {
  const std::string what = absl::StrCat("spec of ", SandboxName(sandbox_id));
  ReaderPool::Lease reader = readers_->Acquire();
  ASSIGN_OR_RETURN(
      SqliteStatement select,
      reader->Prepare("SELECT request FROM specs WHERE sandbox_id = ?"));
  select.BindText(1, sandbox_id);
  ASSIGN_OR_RETURN(bool row,
                   Annotated(select.Step(), absl::StrCat("store: get ", what)));
  if (!row)
    return absl::NotFoundError(absl::StrCat("store: ", what, " not found"));
  sandbox::v1::CreateSandboxRequest spec;
  RETURN_IF_ERROR(ParseRecord(select.ColumnBlob(0), spec, what));
  return spec;
}

absl::StatusOr<RequestRecord> SqliteStore::FindRequest(
    std::string_view owner, std::string_view request_id) {
  const std::string what =
      absl::StrCat("request_id \"", std::string(request_id), "\" of owner \"",
                   std::string(owner), "\"");
  ReaderPool::Lease reader = readers_->Acquire();
  ASSIGN_OR_RETURN(SqliteStatement select,
                   reader->Prepare("SELECT sandbox_id, fingerprint FROM "
                                   "requests WHERE owner = ? AND "
                                   "request_id = ?"));
  select.BindText(1, owner);
  select.BindText(2, request_id);
  ASSIGN_OR_RETURN(
      bool row, Annotated(select.Step(), absl::StrCat("store: find ", what)));
  if (!row)
    return absl::NotFoundError(absl::StrCat("store: ", what, " not found"));
  RequestRecord record;
  record.sandbox_id = std::string(select.ColumnText(0));
  record.request_fingerprint = std::string(select.ColumnBlob(1));
  return record;
}

absl::StatusOr<std::vector<sandbox::v1::Sandbox>> SqliteStore::ListByStatus(
    const std::vector<sandbox::v1::SandboxStatus>& statuses) {
  std::vector<sandbox::v1::Sandbox> sandboxes;
  std::vector<int> distinct(statuses.begin(), statuses.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.empty()) return sandboxes;
  // One placeholder per status; the statement is cached per list length.
  std::vector<std::string> placeholders(distinct.size(), "?");
  const std::string sql = absl::StrCat(
      "SELECT id, record FROM sandboxes WHERE status IN (",
      absl::StrJoin(placeholders, ", "), ") ORDER BY create_time_micros, id");
  ReaderPool::Lease reader = readers_->Acquire();
  ASSIGN_OR_RETURN(SqliteStatement select, reader->Prepare(sql));
  for (size_t i = 0; i < distinct.size(); ++i) {
    select.BindInt(static_cast<int>(i) + 1, distinct[i]);
  }
  while (true) {
    ASSIGN_OR_RETURN(bool row,
                     Annotated(select.Step(), "store: list by status"));
    if (!row) break;
    ASSIGN_OR_RETURN(
        sandbox::v1::Sandbox sandbox,
        ParseSandboxRow(select.ColumnText(0), select.ColumnBlob(1)));
    sandboxes.push_back(std::move(sandbox));
  }
  return sandboxes;
}

}  // namespace sandboxd::store_internal
