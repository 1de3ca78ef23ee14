// Helpers for the SQLite store's tests: a temporary directory per test, and
// records built from a few fields. Used only by tests/lib/store.
#ifndef SANDBOXD_TESTS_LIB_STORE_STORE_TEST_UTIL_H_
#define SANDBOXD_TESTS_LIB_STORE_STORE_TEST_UTIL_H_

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "lib/store/sqlite_store.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd::testing {

// A fresh directory under $TEST_TMPDIR (or /tmp), removed with its contents on
// destruction. Not thread-safe.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

sandbox::v1::Sandbox MakeSandbox(
    const std::string& id, const std::string& owner, int64_t create_micros,
    sandbox::v1::SandboxStatus status = sandbox::v1::SANDBOX_STATUS_PENDING,
    const std::map<std::string, std::string>& labels = {});

sandbox::v1::CreateSandboxRequest MakeSpec(const std::string& page_content);

sandbox::v1::BuildEvent MakeEvent(const std::string& sandbox_id,
                                  int64_t sequence,
                                  const std::string& text = "line");

// Opens the store at `path` with `options` (path overridden); fails the test
// (and returns null) on error.
std::unique_ptr<Store> OpenStore(const std::string& path,
                                 SqliteStoreOptions options = {});

// A raw SQLite connection for tests that inspect or damage the file. Closed
// on destruction.
class RawDb {
 public:
  explicit RawDb(const std::string& path);
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb();
  // Runs `sql`; returns the SQLite result code.
  int Exec(const std::string& sql);
  // The first column of the first row of `sql` as text ("" if none).
  std::string QueryText(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace sandboxd::testing

#endif  // SANDBOXD_TESTS_LIB_STORE_STORE_TEST_UTIL_H_
