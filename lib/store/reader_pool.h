// A fixed pool of read-only SQLite connections, so that reads (Get, List,
// ReadEvents from many watchers) run in parallel with each other and, thanks
// to WAL, never wait for the writer. Used by SqliteStore.
#ifndef SANDBOXD_LIB_STORE_READER_POOL_H_
#define SANDBOXD_LIB_STORE_READER_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/store/sqlite_connection.h"

namespace sandboxd::store_internal {

// Thread-safe. Acquire() blocks while every connection is leased.
class ReaderPool {
 public:
  // Exclusive use of one connection until destroyed.
  class Lease {
   public:
    Lease(ReaderPool* pool, SqliteConnection* connection)
        : pool_(pool), connection_(connection) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_->Release(connection_); }
    SqliteConnection& operator*() const { return *connection_; }
    SqliteConnection* operator->() const { return connection_; }

   private:
    ReaderPool* pool_;
    SqliteConnection* connection_;
  };

  // Opens `size` (>= 1) connections to an existing, migrated database.
  static absl::StatusOr<std::unique_ptr<ReaderPool>> Open(
      const std::string& path, int size, absl::Duration busy_timeout);

  Lease Acquire();

 private:
  ReaderPool() = default;
  void Release(SqliteConnection* connection);

  std::vector<std::unique_ptr<SqliteConnection>> connections_;
  absl::Mutex mu_;
  std::vector<SqliteConnection*> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sandboxd::store_internal

#endif  // SANDBOXD_LIB_STORE_READER_POOL_H_
