// The SQLite store's schema and the migrations that build it, applied in order
// at open. The schema version is SQLite's PRAGMA user_version. Used by
// sqlite_store.cc and by the store's tests.
#ifndef SANDBOXD_LIB_STORE_MIGRATIONS_H_
#define SANDBOXD_LIB_STORE_MIGRATIONS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "lib/store/sqlite_connection.h"

namespace sandboxd::store_internal {

// One schema step. Migration i (0-based) takes the schema from version i to
// version i + 1.
struct Migration {
  const char* description;
  const char* sql;
};

// The store's migrations, oldest first.
absl::Span<const Migration> SchemaMigrations();

// The schema version this binary writes: SchemaMigrations().size().
int CurrentSchemaVersion();

// Brings the database on `connection` to version `migrations.size()`, applying
// the missing migrations in one write transaction (all or none).
// FAILED_PRECONDITION if the database is at a newer version than
// `migrations` knows; errors of the failing migration otherwise, annotated
// with its version. Blocks on disk I/O. `path` is for messages only.
absl::Status ApplyMigrations(SqliteConnection& connection,
                             absl::Span<const Migration> migrations,
                             const std::string& path);

}  // namespace sandboxd::store_internal

#endif  // SANDBOXD_LIB_STORE_MIGRATIONS_H_
