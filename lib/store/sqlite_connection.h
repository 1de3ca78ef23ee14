// A thin RAII layer over the SQLite C API for the SQLite store: a connection
// with its cache of prepared statements, statements that reset themselves, and
// transactions that roll back unless committed. Used only inside lib/store.
#ifndef SANDBOXD_LIB_STORE_SQLITE_CONNECTION_H_
#define SANDBOXD_LIB_STORE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sandboxd::store_internal {

// Maps a SQLite result code (primary or extended) to a status whose message is
// "sqlite: <message>": ALREADY_EXISTS for primary-key and unique violations,
// UNAVAILABLE for busy/locked/I-O errors, DATA_LOSS for a corrupt file,
// RESOURCE_EXHAUSTED for a full disk or an oversized value,
// FAILED_PRECONDITION for files that cannot be opened or written, INTERNAL
// otherwise.
absl::Status SqliteStatus(int code, std::string_view message);

// One prepared statement, borrowed from a connection's cache (or owned when
// the cache is full). Resets itself and clears its bindings when destroyed,
// which also ends the read it may hold open. Not thread-safe: used by the
// thread that holds its connection. Move-only.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3_stmt* stmt, bool owned)
      : stmt_(stmt), owned_(owned) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  // Parameters are 1-based. A failed bind is reported by the next Step().
  void BindInt(int index, int64_t value);
  void BindText(int index, std::string_view value);  // copied
  void BindBlob(int index, std::string_view value);  // copied
  // Not copied: `value` must outlive the last Step().
  void BindBlobNoCopy(int index, const std::string& value);

  // True: a row is available. False: done.
  absl::StatusOr<bool> Step();
  // Steps to the end, ignoring rows.
  absl::Status Run();

  // Columns are 0-based; valid until the next Step().
  int64_t ColumnInt(int index) const;
  std::string_view ColumnText(int index) const;
  std::string_view ColumnBlob(int index) const;

 private:
  void NoteBind(int rc);

  sqlite3_stmt* stmt_;
  bool owned_;
  int bind_rc_ = SQLITE_OK;
};

// One SQLite connection. Not thread-safe: the store guards each connection
// with its own lock (the writer's mutex, or a reader lease).
class SqliteConnection {
 public:
  // Opens (creating if needed) the database file at `path`, in SQLite's
  // multi-thread mode, with the given busy timeout.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path, absl::Duration busy_timeout);

  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection();

  // Runs one or more SQL statements that return no rows (DDL, PRAGMA).
  absl::Status Execute(const std::string& sql);
  // Runs a query returning one integer (e.g. "PRAGMA user_version").
  absl::StatusOr<int64_t> QueryInt(const std::string& sql);
  // A statement for `sql`, prepared once per connection and then reused.
  absl::StatusOr<SqliteStatement> Prepare(const std::string& sql);

  // Whether a transaction is open.
  bool InTransaction() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const { return sqlite3_changes64(db_); }
  sqlite3* handle() const { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// A transaction that rolls back when destroyed unless committed. Declare it
// before the statements it runs so that they are reset first. Not
// thread-safe, like its connection. Move-only.
class SqliteTransaction {
 public:
  enum class Kind {
    kRead,   // BEGIN DEFERRED: one consistent snapshot for several reads
    kWrite,  // BEGIN IMMEDIATE: takes the write lock up front
  };
  static absl::StatusOr<SqliteTransaction> Begin(SqliteConnection& connection,
                                                 Kind kind);

  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();

  absl::Status Commit();

 private:
  explicit SqliteTransaction(SqliteConnection* connection)
      : connection_(connection) {}

  SqliteConnection* connection_;  // null once committed or moved from
};

}  // namespace sandboxd::store_internal

#endif  // SANDBOXD_LIB_STORE_SQLITE_CONNECTION_H_
