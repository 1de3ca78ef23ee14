#include "tests/lib/store/store_test_util.h"

#include <stdlib.h>

#include <filesystem>
#include <vector>

#include "gtest/gtest.h"

namespace sandboxd::testing {

TempDir::TempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string pattern =
      std::string(base != nullptr ? base : "/tmp") + "/sandboxd_store_XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << pattern;
  }
  path_ = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

sandbox::v1::Sandbox MakeSandbox(
    const std::string& id, const std::string& owner, int64_t create_micros,
    sandbox::v1::SandboxStatus status,
    const std::map<std::string, std::string>& labels) {
  sandbox::v1::Sandbox sandbox;
  sandbox.set_sandbox_id(id);
  sandbox.set_owner(owner);
  sandbox.set_status(status);
  sandbox.set_project_name("project " + id);
  sandbox.mutable_create_time()->set_seconds(create_micros / 1000000);
  sandbox.mutable_create_time()->set_nanos(
      static_cast<int32_t>(create_micros % 1000000) * 1000);
  for (const auto& [key, value] : labels) {
    (*sandbox.mutable_labels())[key] = value;
  }
  return sandbox;
}

sandbox::v1::CreateSandboxRequest MakeSpec(const std::string& page_content) {
  sandbox::v1::CreateSandboxRequest spec;
  (*spec.mutable_generated_code())["page.tsx"] = page_content;
  spec.set_project_name("demo");
  return spec;
}

sandbox::v1::BuildEvent MakeEvent(const std::string& sandbox_id,
                                  int64_t sequence, const std::string& text) {
  sandbox::v1::BuildEvent event;
  event.set_sandbox_id(sandbox_id);
  event.set_sequence(sequence);
  event.set_phase(sandbox::v1::BUILD_PHASE_INSTALLING);
  event.mutable_log()->set_stream(sandbox::v1::LOG_STREAM_STDOUT);
  event.mutable_log()->set_text(text);
  return event;
}

std::unique_ptr<Store> OpenStore(const std::string& path,
                                 SqliteStoreOptions options) {
  options.path = path;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

RawDb::RawDb(const std::string& path) {
  EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK) << path;
  sqlite3_busy_timeout(db_, 10000);
}

RawDb::~RawDb() { sqlite3_close(db_); }

int RawDb::Exec(const std::string& sql) {
  return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
}

std::string RawDb::QueryText(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  std::string result;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) result = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  return result;
}

}  // namespace sandboxd::testing
