#include "lib/store/sqlite_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/store/migrations.h"
#include "lib/store/records.h"
#include "lib/store/sqlite_store_impl.h"

namespace sandboxd {
namespace store_internal {
namespace {

absl::Status ValidateOptions(const SqliteStoreOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("store: path: empty");
  }
  if (options.reader_connections < 1) {
    return absl::InvalidArgumentError(
        "store: reader_connections: must be at least 1");
  }
  if (options.max_events_per_sandbox < 1) {
    return absl::InvalidArgumentError(
        "store: max_events_per_sandbox: must be at least 1");
  }
  return absl::OkStatus();
}

absl::Status ConfigureWriter(SqliteConnection& writer,
                             const SqliteStoreOptions& options) {
  // journal_mode answers with the mode in force: a file that cannot use WAL
  // (some network file systems) keeps its old mode, which we refuse.
  ASSIGN_OR_RETURN(SqliteStatement wal,
                   writer.Prepare("PRAGMA journal_mode = WAL"));
  ASSIGN_OR_RETURN(bool row, wal.Step());
  if (!row || wal.ColumnText(0) != "wal") {
    return absl::FailedPreconditionError(
        "store: the database cannot use write-ahead logging");
  }
  // In WAL mode with synchronous=NORMAL, COMMIT appends the transaction to
  // the -wal file with write(2) and returns without fsync; the WAL is synced
  // only at checkpoints. Once write(2) returns, the bytes are in the kernel's
  // page cache, which outlives the process: a kill -9 or a crash of sandboxd
  // loses no committed transaction (the next open replays the WAL). Only a
  // power loss or a kernel crash can roll back the last commits, and never
  // corrupts the file. FULL adds an fsync per commit for those.
  RETURN_IF_ERROR(writer.Execute(options.sync_every_commit
                                     ? "PRAGMA synchronous = FULL"
                                     : "PRAGMA synchronous = NORMAL"));
  RETURN_IF_ERROR(writer.Execute("PRAGMA foreign_keys = ON"));
  // After a checkpoint, shrink a WAL that a large spec blew up.
  return writer.Execute("PRAGMA journal_size_limit = 67108864");
}

}  // namespace

absl::StatusOr<sandbox::v1::Sandbox> ParseSandboxRow(
    std::string_view sandbox_id, std::string_view record) {
  sandbox::v1::Sandbox sandbox;
  const std::string what = SandboxName(sandbox_id);
  RETURN_IF_ERROR(ParseRecord(record, sandbox, what));
  if (sandbox.sandbox_id() != sandbox_id) {
    return absl::DataLossError(
        absl::StrCat("store: ", what, ": record holds another sandbox"));
  }
  return sandbox;
}

absl::Status SqliteStore::InsertSandbox(
    const sandbox::v1::Sandbox& sandbox,
    const sandbox::v1::CreateSandboxRequest& spec, std::string_view request_id,
    std::string_view request_fingerprint) {
  if (sandbox.sandbox_id().empty()) {
    return absl::InvalidArgumentError("store: sandbox.sandbox_id: empty");
  }
  const std::string what = SandboxName(sandbox.sandbox_id());
  ASSIGN_OR_RETURN(std::string record, SerializeRecord(sandbox, what));
  ASSIGN_OR_RETURN(std::string spec_bytes,
                   SerializeRecord(spec, absl::StrCat("spec of ", what)));
  absl::MutexLock lock(&writer_mu_);
  return InsertRows(sandbox, record, spec_bytes, request_id,
                    request_fingerprint);
}

absl::Status SqliteStore::InsertRows(const sandbox::v1::Sandbox& sandbox,
                                     const std::string& record,
                                     const std::string& spec,
                                     std::string_view request_id,
                                     std::string_view request_fingerprint) {
  const std::string what = SandboxName(sandbox.sandbox_id());
  const std::string context = absl::StrCat("store: insert ", what);
  ASSIGN_OR_RETURN(
      SqliteTransaction txn,
      SqliteTransaction::Begin(*writer_, SqliteTransaction::Kind::kWrite));
  {
    ASSIGN_OR_RETURN(
        SqliteStatement insert,
        writer_->Prepare("INSERT INTO sandboxes (id, owner, status, "
                         "create_time_micros, record) VALUES (?, ?, ?, ?, ?)"));
    insert.BindText(1, sandbox.sandbox_id());
    insert.BindText(2, sandbox.owner());
    insert.BindInt(3, sandbox.status());
    insert.BindInt(4, TimestampMicros(sandbox.create_time()));
    insert.BindBlobNoCopy(5, record);
    absl::Status status = insert.Run();
    if (absl::IsAlreadyExists(status)) {
      return absl::AlreadyExistsError(
          absl::StrCat("store: ", what, " already exists"));
    }
    RETURN_IF_ERROR(Annotate(status, context));
  }
  RETURN_IF_ERROR(Annotate(ReplaceLabels(sandbox), context));
  {
    ASSIGN_OR_RETURN(SqliteStatement insert,
                     writer_->Prepare("INSERT INTO specs (sandbox_id, request) "
                                      "VALUES (?, ?)"));
    insert.BindText(1, sandbox.sandbox_id());
    insert.BindBlobNoCopy(2, spec);
    RETURN_IF_ERROR(Annotate(insert.Run(), absl::StrCat(context, ": spec")));
  }
  if (!request_id.empty()) {
    ASSIGN_OR_RETURN(
        SqliteStatement insert,
        writer_->Prepare("INSERT INTO requests (owner, request_id, sandbox_id, "
                         "fingerprint) VALUES (?, ?, ?, ?)"));
    insert.BindText(1, sandbox.owner());
    insert.BindText(2, request_id);
    insert.BindText(3, sandbox.sandbox_id());
    insert.BindBlob(4, request_fingerprint);
    absl::Status status = insert.Run();
    if (absl::IsAlreadyExists(status)) {
      return absl::AlreadyExistsError(
          absl::StrCat("store: request_id \"", std::string(request_id),
                       "\" of owner \"", sandbox.owner(), "\" already exists"));
    }
    RETURN_IF_ERROR(Annotate(status, absl::StrCat(context, ": request_id")));
  }
  return Annotate(txn.Commit(), context);
}

absl::Status SqliteStore::ReplaceLabels(const sandbox::v1::Sandbox& sandbox) {
  {
    ASSIGN_OR_RETURN(
        SqliteStatement remove,
        writer_->Prepare("DELETE FROM sandbox_labels WHERE sandbox_id = ?"));
    remove.BindText(1, sandbox.sandbox_id());
    RETURN_IF_ERROR(Annotate(remove.Run(), "labels"));
  }
  for (const auto& [key, value] : sandbox.labels()) {
    ASSIGN_OR_RETURN(SqliteStatement insert,
                     writer_->Prepare("INSERT INTO sandbox_labels (sandbox_id, "
                                      "key, value) VALUES (?, ?, ?)"));
    insert.BindText(1, sandbox.sandbox_id());
    insert.BindText(2, key);
    insert.BindText(3, value);
    RETURN_IF_ERROR(Annotate(insert.Run(), "labels"));
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::UpdateSandbox(const sandbox::v1::Sandbox& sandbox) {
  return Update(sandbox, nullptr);
}

absl::Status SqliteStore::UpdateSandboxAndSpec(
    const sandbox::v1::Sandbox& sandbox,
    const sandbox::v1::CreateSandboxRequest& spec) {
  return Update(sandbox, &spec);
}

absl::Status SqliteStore::Update(
    const sandbox::v1::Sandbox& sandbox,
    const sandbox::v1::CreateSandboxRequest* spec) {
  const std::string what = SandboxName(sandbox.sandbox_id());
  const std::string context = absl::StrCat("store: update ", what);
  ASSIGN_OR_RETURN(std::string record, SerializeRecord(sandbox, what));
  std::string spec_bytes;
  if (spec != nullptr) {
    ASSIGN_OR_RETURN(spec_bytes,
                     SerializeRecord(*spec, absl::StrCat("spec of ", what)));
  }
  absl::MutexLock lock(&writer_mu_);
  ASSIGN_OR_RETURN(
      SqliteTransaction txn,
      SqliteTransaction::Begin(*writer_, SqliteTransaction::Kind::kWrite));
  {
    ASSIGN_OR_RETURN(
        SqliteStatement update,
        writer_->Prepare("UPDATE sandboxes SET owner = ?, status = ?, "
                         "create_time_micros = ?, record = ? WHERE id = ?"));
    update.BindText(1, sandbox.owner());
    update.BindInt(2, sandbox.status());
    update.BindInt(3, TimestampMicros(sandbox.create_time()));
    update.BindBlobNoCopy(4, record);
    update.BindText(5, sandbox.sandbox_id());
    RETURN_IF_ERROR(Annotate(update.Run(), context));
  }
  if (writer_->Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("store: ", what, " not found"));
  }
  RETURN_IF_ERROR(Annotate(ReplaceLabels(sandbox), context));
  if (spec != nullptr) {
    ASSIGN_OR_RETURN(
        SqliteStatement update,
        writer_->Prepare("UPDATE specs SET request = ? WHERE sandbox_id = ?"));
    update.BindBlobNoCopy(1, spec_bytes);
    update.BindText(2, sandbox.sandbox_id());
    RETURN_IF_ERROR(Annotate(update.Run(), absl::StrCat(context, ": spec")));
  }
  return Annotate(txn.Commit(), context);
}

absl::Status SqliteStore::PurgeSandbox(std::string_view sandbox_id) {
  // The spec, labels, events and idempotency keys go with the row
  // (ON DELETE CASCADE), in the statement's implicit transaction.
  absl::MutexLock lock(&writer_mu_);
  ASSIGN_OR_RETURN(SqliteStatement remove,
                   writer_->Prepare("DELETE FROM sandboxes WHERE id = ?"));
  remove.BindText(1, sandbox_id);
  return Annotate(remove.Run(),
                  absl::StrCat("store: purge ", SandboxName(sandbox_id)));
}

}  // namespace store_internal

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const SqliteStoreOptions& options) {
  using store_internal::SqliteConnection;
  RETURN_IF_ERROR(store_internal::ValidateOptions(options));
  const std::string context = absl::StrCat("store: open ", options.path);
  absl::StatusOr<std::unique_ptr<SqliteConnection>> writer =
      SqliteConnection::Open(options.path, options.busy_timeout);
  if (!writer.ok()) return Annotate(writer.status(), context);
  RETURN_IF_ERROR(
      Annotate(store_internal::ConfigureWriter(**writer, options), context));
  RETURN_IF_ERROR(store_internal::ApplyMigrations(
      **writer, store_internal::SchemaMigrations(), options.path));
  absl::StatusOr<std::unique_ptr<store_internal::ReaderPool>> readers =
      store_internal::ReaderPool::Open(options.path, options.reader_connections,
                                       options.busy_timeout);
  if (!readers.ok()) return Annotate(readers.status(), context);
  return std::make_unique<store_internal::SqliteStore>(
      *std::move(writer), *std::move(readers), options.max_events_per_sandbox);
}

}  // namespace sandboxd
