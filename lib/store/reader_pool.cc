#include "lib/store/reader_pool.h"

#include "lib/common/status_macros.h"

namespace sandboxd::store_internal {

absl::StatusOr<std::unique_ptr<ReaderPool>> ReaderPool::Open(
    const std::string& path, int size, absl::Duration busy_timeout) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  for (int i = 0; i < size; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> connection,
                     SqliteConnection::Open(path, busy_timeout));
    // A reader never writes; query_only turns a bug into an error instead of
    // a second writer racing the real one.
    RETURN_IF_ERROR(connection->Execute("PRAGMA query_only = ON"));
    pool->connections_.push_back(std::move(connection));
  }
  absl::MutexLock lock(&pool->mu_);
  for (auto& connection : pool->connections_) {
    pool->idle_.push_back(connection.get());
  }
  return pool;
}

ReaderPool::Lease ReaderPool::Acquire() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](std::vector<SqliteConnection*>* idle) { return !idle->empty(); },
      &idle_));
  SqliteConnection* connection = idle_.back();
  idle_.pop_back();
  return Lease(this, connection);
}

void ReaderPool::Release(SqliteConnection* connection) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(connection);
}

}  // namespace sandboxd::store_internal
