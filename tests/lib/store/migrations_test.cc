#include "lib/store/migrations.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/store/store_test_util.h"

namespace sandboxd::store_internal {
namespace {

using ::sandboxd::testing::TempDir;
using ::testing::HasSubstr;

constexpr Migration kTwoSteps[] = {
    {"first", "CREATE TABLE one (a INTEGER);"},
    {"second", "CREATE TABLE two (b INTEGER); INSERT INTO one VALUES (1);"},
};

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SqliteConnection>> connection =
        SqliteConnection::Open(dir_.File("m.db"), absl::Seconds(1));
    ASSERT_TRUE(connection.ok()) << connection.status();
    connection_ = *std::move(connection);
  }
  int64_t Version() { return *connection_->QueryInt("PRAGMA user_version"); }
  int64_t Tables() {
    return *connection_->QueryInt("SELECT COUNT(*) FROM sqlite_master");
  }

  TempDir dir_;
  std::unique_ptr<SqliteConnection> connection_;
};

TEST_F(MigrationsTest, EmptyDatabaseGetsEveryMigrationInOrder) {
  ASSERT_TRUE(ApplyMigrations(*connection_, kTwoSteps, "m.db").ok());
  EXPECT_EQ(Version(), 2);
  EXPECT_EQ(*connection_->QueryInt("SELECT COUNT(*) FROM one"), 1);
  EXPECT_EQ(Tables(), 2);
}

TEST_F(MigrationsTest, OnlyMissingMigrationsRun) {
  ASSERT_TRUE(ApplyMigrations(*connection_,
                              absl::Span<const Migration>(kTwoSteps, 1), "m.db")
                  .ok());
  EXPECT_EQ(Version(), 1);
  // Re-running "first" would fail: the table exists.
  ASSERT_TRUE(ApplyMigrations(*connection_, kTwoSteps, "m.db").ok());
  EXPECT_EQ(Version(), 2);
  ASSERT_TRUE(ApplyMigrations(*connection_, kTwoSteps, "m.db").ok());
  EXPECT_EQ(*connection_->QueryInt("SELECT COUNT(*) FROM one"), 1);
}

TEST_F(MigrationsTest, FailingMigrationRollsBackTheWholeRun) {
  constexpr Migration kBroken[] = {
      {"first", "CREATE TABLE one (a INTEGER);"},
      {"broken", "CREATE TABLE two (b INTEGER); SELECT * FROM missing;"},
  };
  absl::Status status = ApplyMigrations(*connection_, kBroken, "m.db");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(status.message(), HasSubstr("schema version 2 (broken)"));
  EXPECT_EQ(Version(), 0);
  EXPECT_EQ(Tables(), 0);
}

TEST_F(MigrationsTest, NewerDatabaseIsFailedPrecondition) {
  ASSERT_TRUE(connection_->Execute("PRAGMA user_version = 3").ok());
  absl::Status status = ApplyMigrations(*connection_, kTwoSteps, "m.db");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("schema version 3"));
  EXPECT_EQ(Version(), 3);
}

}  // namespace
}  // namespace sandboxd::store_internal
