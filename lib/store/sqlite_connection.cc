#include "lib/store/sqlite_connection.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace sandboxd::store_internal {
namespace {

// Statements built from a ListQuery vary with the filter's shape; past this
// many, new ones are prepared for one use instead of cached.
constexpr size_t kMaxCachedStatements = 256;

absl::StatusCode CodeFor(int code) {
  switch (code) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return absl::StatusCode::kAlreadyExists;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return absl::StatusCode::kFailedPrecondition;
    default:
      break;
  }
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      return absl::StatusCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::StatusCode::kDataLoss;
    case SQLITE_FULL:
    case SQLITE_TOOBIG:
    case SQLITE_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return absl::StatusCode::kFailedPrecondition;
    default:
      return absl::StatusCode::kInternal;
  }
}

// sqlite3_bind_* turn a null pointer into SQL NULL; an empty value must stay
// an empty TEXT or BLOB.
const char* NonNull(std::string_view value) {
  return value.data() != nullptr ? value.data() : "";
}

}  // namespace

absl::Status SqliteStatus(int code, std::string_view message) {
  return absl::Status(CodeFor(code),
                      absl::StrCat("sqlite: ", std::string(message)));
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      owned_(other.owned_),
      bind_rc_(other.bind_rc_) {}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::NoteBind(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void SqliteStatement::BindInt(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value));
}

void SqliteStatement::BindText(int index, std::string_view value) {
  NoteBind(sqlite3_bind_text64(stmt_, index, NonNull(value), value.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8));
}

void SqliteStatement::BindBlob(int index, std::string_view value) {
  NoteBind(sqlite3_bind_blob64(stmt_, index, NonNull(value), value.size(),
                               SQLITE_TRANSIENT));
}

void SqliteStatement::BindBlobNoCopy(int index, const std::string& value) {
  NoteBind(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(),
                               SQLITE_STATIC));
}

absl::StatusOr<bool> SqliteStatement::Step() {
  if (bind_rc_ != SQLITE_OK) {
    return SqliteStatus(bind_rc_,
                        absl::StrCat("bind: ", sqlite3_errstr(bind_rc_)));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, sqlite3_errmsg(sqlite3_db_handle(stmt_)));
}

absl::Status SqliteStatement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

int64_t SqliteStatement::ColumnInt(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string_view SqliteStatement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(text),
                          sqlite3_column_bytes(stmt_, index));
}

std::string_view SqliteStatement::ColumnBlob(int index) const {
  const void* blob = sqlite3_column_blob(stmt_, index);
  if (blob == nullptr) return {};
  return std::string_view(static_cast<const char*>(blob),
                          sqlite3_column_bytes(stmt_, index));
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, absl::Duration busy_timeout) {
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time under the
  // store's own locks, so SQLite's per-connection mutex is redundant.
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteStatus(
        rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  int64_t millis = absl::ToInt64Milliseconds(busy_timeout);
  sqlite3_busy_timeout(
      db, millis > INT32_MAX ? INT32_MAX : static_cast<int>(millis));
  return std::unique_ptr<SqliteConnection>(new SqliteConnection(db));
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

absl::Status SqliteConnection::Execute(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  absl::Status status =
      SqliteStatus(rc, error != nullptr ? error : sqlite3_errstr(rc));
  sqlite3_free(error);
  return status;
}

absl::StatusOr<int64_t> SqliteConnection::QueryInt(const std::string& sql) {
  absl::StatusOr<SqliteStatement> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return absl::InternalError(absl::StrCat("sqlite: no row from ", sql));
  }
  return stmt->ColumnInt(0);
}

absl::StatusOr<SqliteStatement> SqliteConnection::Prepare(
    const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return SqliteStatement(it->second, /*owned=*/false);
  bool cache = cache_.size() < kMaxCachedStatements;
  sqlite3_stmt* stmt = nullptr;
  int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                         cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteStatus(rc, sqlite3_errmsg(db_));
  }
  if (!cache) return SqliteStatement(stmt, /*owned=*/true);
  cache_.emplace(sql, stmt);
  return SqliteStatement(stmt, /*owned=*/false);
}

bool SqliteConnection::InTransaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

absl::StatusOr<SqliteTransaction> SqliteTransaction::Begin(
    SqliteConnection& connection, Kind kind) {
  absl::Status status = connection.Execute(
      kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  if (!status.ok()) return status;
  return SqliteTransaction(&connection);
}

SqliteTransaction::SqliteTransaction(SqliteTransaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

SqliteTransaction::~SqliteTransaction() {
  // Some errors (a full disk, an I/O error) make SQLite roll back on its own;
  // a second ROLLBACK would then fail, so only roll back what is still open.
  if (connection_ != nullptr && connection_->InTransaction()) {
    connection_->Execute("ROLLBACK").IgnoreError();
  }
}

absl::Status SqliteTransaction::Commit() {
  absl::Status status = connection_->Execute("COMMIT");
  if (status.ok()) connection_ = nullptr;
  return status;
}

}  // namespace sandboxd::store_internal
