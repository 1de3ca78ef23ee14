#include "lib/store/migrations.h"

#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"

namespace sandboxd::store_internal {
namespace {

// Append new migrations at the end; never edit one that has shipped.
//
// Every table keyed by a sandbox references `sandboxes` with ON DELETE
// CASCADE, so deleting a sandbox row removes its spec, labels, events and
// idempotency keys in the same transaction. Records are serialized protos;
// the columns beside them are copies used for filtering and ordering.
constexpr Migration kMigrations[] = {
    {"initial schema", R"sql(
CREATE TABLE sandboxes (
  id TEXT PRIMARY KEY NOT NULL,
  owner TEXT NOT NULL,
  status INTEGER NOT NULL,
  create_time_micros INTEGER NOT NULL,
  event_count INTEGER NOT NULL DEFAULT 0,
  record BLOB NOT NULL                      -- sandbox.v1.Sandbox
);
CREATE INDEX sandboxes_by_owner_time
  ON sandboxes (owner, create_time_micros DESC, id DESC);
CREATE INDEX sandboxes_by_time ON sandboxes (create_time_micros DESC, id DESC);
CREATE INDEX sandboxes_by_status ON sandboxes (status);

CREATE TABLE sandbox_labels (
  sandbox_id TEXT NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (sandbox_id, key)
) WITHOUT ROWID;
CREATE INDEX sandbox_labels_by_pair ON sandbox_labels (key, value);

CREATE TABLE specs (
  sandbox_id TEXT PRIMARY KEY NOT NULL
    REFERENCES sandboxes (id) ON DELETE CASCADE,
  request BLOB NOT NULL                     -- sandbox.v1.CreateSandboxRequest
);

CREATE TABLE events (
  sandbox_id TEXT NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  event BLOB NOT NULL,                      -- sandbox.v1.BuildEvent
  PRIMARY KEY (sandbox_id, seq)
) WITHOUT ROWID;

CREATE TABLE requests (
  owner TEXT NOT NULL,
  request_id TEXT NOT NULL,
  sandbox_id TEXT NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
  fingerprint BLOB NOT NULL,
  PRIMARY KEY (owner, request_id)
) WITHOUT ROWID;
CREATE INDEX requests_by_sandbox ON requests (sandbox_id);
)sql"},
};

}  // namespace

absl::Span<const Migration> SchemaMigrations() { return kMigrations; }

int CurrentSchemaVersion() {
  return static_cast<int>(SchemaMigrations().size());
}

absl::Status ApplyMigrations(SqliteConnection& connection,
                             absl::Span<const Migration> migrations,
                             const std::string& path) {
  const int64_t target = static_cast<int64_t>(migrations.size());
  // IMMEDIATE: two processes opening the same new file must not both migrate.
  ASSIGN_OR_RETURN(
      SqliteTransaction txn,
      SqliteTransaction::Begin(connection, SqliteTransaction::Kind::kWrite));
  ASSIGN_OR_RETURN(int64_t version, connection.QueryInt("PRAGMA user_version"));
  if (version > target) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store: database ", path, " has schema version ", version,
        " but this sandboxd knows versions up to ", target,
        "; it was written by a newer sandboxd: run that version or restore a "
        "backup"));
  }
  if (version < 0) {
    return absl::DataLossError(absl::StrCat(
        "store: database ", path, " has invalid schema version ", version));
  }
  if (version == target) return absl::OkStatus();
  for (int64_t v = version; v < target; ++v) {
    const Migration& migration = migrations[v];
    RETURN_IF_ERROR(
        Annotate(connection.Execute(migration.sql),
                 absl::StrCat("store: migration to schema version ", v + 1,
                              " (", migration.description, ")")));
  }
  // PRAGMA user_version lives in the file header and is part of the
  // transaction: it commits or rolls back with the migrations.
  RETURN_IF_ERROR(
      connection.Execute(absl::StrCat("PRAGMA user_version = ", target)));
  return Annotate(txn.Commit(), "store: commit migrations");
}

}  // namespace sandboxd::store_internal
