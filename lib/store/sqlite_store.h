// The Store on SQLite: one database file in WAL mode, versioned migrations at
// open, one serialized writer connection and a pool of reader connections.
// server/main.cc opens it under --data_dir and hands it to lib/core.
#ifndef SANDBOXD_LIB_STORE_SQLITE_STORE_H_
#define SANDBOXD_LIB_STORE_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/store/store.h"

namespace sandboxd {

struct SqliteStoreOptions {
  // The database file (e.g. "<data_dir>/sandboxd.db"); created if missing.
  // Its directory must exist. SQLite keeps "-wal" and "-shm" files beside it.
  std::string path;
  // Connections serving reads in parallel (>= 1).
  int reader_connections = 4;
  // Hard cap on the build events kept per sandbox (>= 1): AppendEvents past
  // it fails with RESOURCE_EXHAUSTED.
  int max_events_per_sandbox = 20000;
  // How long a statement waits for a lock held by another connection or
  // process before failing with UNAVAILABLE.
  absl::Duration busy_timeout = absl::Seconds(5);
  // false: each commit survives a crash of the process (kill -9), which is
  // the Store contract. true: it also survives a power loss or a kernel
  // crash, at the cost of an fsync per commit.
  bool sync_every_commit = false;
};

// Opens (creating and migrating if needed) the database. The returned Store
// is thread-safe; see store.h for its methods' contracts. In addition:
// AppendEvents returns NOT_FOUND for an unknown sandbox and INVALID_ARGUMENT
// for events of several sandboxes or sequence numbers below 1; ListSandboxes
// returns INVALID_ARGUMENT for page_size <= 0; ReadEvents for limit <= 0; a
// record that cannot be parsed is DATA_LOSS naming it.
// Errors: INVALID_ARGUMENT for bad options; FAILED_PRECONDITION if the file
// cannot be opened or its schema is newer than this binary's; DATA_LOSS if it
// is not a database; UNAVAILABLE if it stays locked by another process.
// Blocks on disk I/O.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const SqliteStoreOptions& options);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_STORE_SQLITE_STORE_H_
