// Open, records, idempotency keys, purge and corrupt records of the SQLite
// store. Events, List and concurrency have their own files.
#include "lib/store/sqlite_store.h"

#include <fstream>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "lib/store/migrations.h"
#include "tests/lib/store/store_test_util.h"

namespace sandboxd {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::sandboxd::testing::MakeEvent;
using ::sandboxd::testing::MakeSandbox;
using ::sandboxd::testing::MakeSpec;
using ::sandboxd::testing::OpenStore;
using ::sandboxd::testing::RawDb;
using ::sandboxd::testing::TempDir;
using ::testing::HasSubstr;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("sandboxd.db");
    store_ = OpenStore(path_);
    ASSERT_NE(store_, nullptr);
  }

  void Reopen() {
    store_.reset();
    store_ = OpenStore(path_);
    ASSERT_NE(store_, nullptr);
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, NewDatabaseIsMigratedToCurrentVersionInWalMode) {
  store_.reset();
  RawDb raw(path_);
  EXPECT_EQ(raw.QueryText("PRAGMA user_version"),
            std::to_string(store_internal::CurrentSchemaVersion()));
  EXPECT_EQ(raw.QueryText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.QueryText("SELECT COUNT(*) FROM sqlite_master WHERE name IN "
                          "('sandboxes', 'specs', 'events', 'requests', "
                          "'sandbox_labels')"),
            "5");
}

TEST(SqliteStoreOpenTest, RejectsBadOptions) {
  TempDir dir;
  SqliteStoreOptions options;
  EXPECT_EQ(OpenSqliteStore(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.path = dir.File("a.db");
  options.reader_connections = 0;
  EXPECT_EQ(OpenSqliteStore(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.reader_connections = 1;
  options.max_events_per_sandbox = 0;
  EXPECT_EQ(OpenSqliteStore(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SqliteStoreOpenTest, MissingDirectoryIsFailedPrecondition) {
  TempDir dir;
  SqliteStoreOptions options;
  options.path = dir.File("missing/sandboxd.db");
  absl::Status status = OpenSqliteStore(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr(options.path));
}

TEST(SqliteStoreOpenTest, RefusesDatabaseFromNewerBinary) {
  TempDir dir;
  const std::string path = dir.File("sandboxd.db");
  {
    RawDb raw(path);
    const int newer = store_internal::CurrentSchemaVersion() + 1;
    ASSERT_EQ(raw.Exec("PRAGMA user_version = " + std::to_string(newer)),
              SQLITE_OK);
  }
  SqliteStoreOptions options;
  options.path = path;
  absl::Status status = OpenSqliteStore(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("newer sandboxd"));
  RawDb raw(path);  // untouched: no table was created
  EXPECT_EQ(raw.QueryText("SELECT COUNT(*) FROM sqlite_master"), "0");
}

TEST(SqliteStoreOpenTest, FileThatIsNotADatabaseIsDataLoss) {
  TempDir dir;
  const std::string path = dir.File("sandboxd.db");
  std::ofstream(path) << std::string(4096, 'x');
  SqliteStoreOptions options;
  options.path = path;
  absl::Status status = OpenSqliteStore(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

TEST_F(SqliteStoreTest, InsertedSandboxAndSpecSurviveReopen) {
  const auto sandbox =
      MakeSandbox("sbx-1", "alice", 1000, sandbox::v1::SANDBOX_STATUS_PENDING,
                  {{"team", "web"}});
  const auto spec = MakeSpec("export default function Page() {}");
  ASSERT_TRUE(store_->InsertSandbox(sandbox, spec, "req-1", "fp").ok());
  Reopen();
  absl::StatusOr<sandbox::v1::Sandbox> got = store_->GetSandbox("sbx-1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*got, sandbox));
  absl::StatusOr<sandbox::v1::CreateSandboxRequest> got_spec =
      store_->GetSpec("sbx-1");
  ASSERT_TRUE(got_spec.ok()) << got_spec.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*got_spec, spec));
}

TEST_F(SqliteStoreTest, LargeSpecRoundTrips) {
  const auto spec = MakeSpec(std::string(20 << 20, 'a'));
  ASSERT_TRUE(
      store_->InsertSandbox(MakeSandbox("sbx-big", "o", 1), spec, "", "").ok());
  absl::StatusOr<sandbox::v1::CreateSandboxRequest> got =
      store_->GetSpec("sbx-big");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->generated_code().at("page.tsx").size(), size_t{20} << 20);
}

TEST_F(SqliteStoreTest, UnknownIdsAreNotFound) {
  EXPECT_EQ(store_->GetSandbox("sbx-none").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetSpec("sbx-none").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->FindRequest("alice", "req").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->UpdateSandbox(MakeSandbox("sbx-none", "alice", 1)).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, InsertWithoutIdIsInvalidArgument) {
  EXPECT_EQ(
      store_->InsertSandbox(MakeSandbox("", "alice", 1), MakeSpec("x"), "", "")
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, DuplicateIdIsAlreadyExistsAndWritesNothing) {
  ASSERT_TRUE(store_
                  ->InsertSandbox(MakeSandbox("sbx-1", "alice", 1),
                                  MakeSpec("first"), "", "")
                  .ok());
  absl::Status status = store_->InsertSandbox(
      MakeSandbox("sbx-1", "bob", 2), MakeSpec("second"), "req-b", "fp");
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_THAT(status.message(), HasSubstr("sbx-1"));
  EXPECT_EQ(store_->GetSandbox("sbx-1")->owner(), "alice");
  EXPECT_EQ(store_->GetSpec("sbx-1")->generated_code().at("page.tsx"), "first");
  EXPECT_EQ(store_->FindRequest("bob", "req-b").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, IdempotencyKeyIsUniquePerOwner) {
  ASSERT_TRUE(store_
                  ->InsertSandbox(MakeSandbox("sbx-a", "alice", 1),
                                  MakeSpec("a"), "req-1", "fp-a")
                  .ok());
  // The same request id from another owner is another key.
  ASSERT_TRUE(store_
                  ->InsertSandbox(MakeSandbox("sbx-b", "bob", 2), MakeSpec("b"),
                                  "req-1", "fp-b")
                  .ok());
  absl::Status status = store_->InsertSandbox(MakeSandbox("sbx-c", "alice", 3),
                                              MakeSpec("c"), "req-1", "fp-c");
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_THAT(status.message(), HasSubstr("req-1"));
  // Atomic: the sandbox of the refused key was not inserted either.
  EXPECT_EQ(store_->GetSandbox("sbx-c").status().code(),
            absl::StatusCode::kNotFound);

  absl::StatusOr<RequestRecord> alice = store_->FindRequest("alice", "req-1");
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->sandbox_id, "sbx-a");
  EXPECT_EQ(alice->request_fingerprint, "fp-a");
  absl::StatusOr<RequestRecord> bob = store_->FindRequest("bob", "req-1");
  ASSERT_TRUE(bob.ok()) << bob.status();
  EXPECT_EQ(bob->sandbox_id, "sbx-b");
}

TEST_F(SqliteStoreTest, EmptyRequestIdRecordsNoKey) {
  ASSERT_TRUE(store_
                  ->InsertSandbox(MakeSandbox("sbx-a", "alice", 1),
                                  MakeSpec("a"), "", "fp")
                  .ok());
  ASSERT_TRUE(store_
                  ->InsertSandbox(MakeSandbox("sbx-b", "alice", 2),
                                  MakeSpec("b"), "", "fp")
                  .ok());
  EXPECT_EQ(store_->FindRequest("alice", "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, FingerprintKeepsArbitraryBytes) {
  const std::string fingerprint("\0\xff\x01 binary", 10);
  ASSERT_TRUE(store_
                  ->InsertSandbox(MakeSandbox("sbx-a", "alice", 1),
                                  MakeSpec("a"), "req", fingerprint)
                  .ok());
  EXPECT_EQ(store_->FindRequest("alice", "req")->request_fingerprint,
            fingerprint);
}

TEST_F(SqliteStoreTest, UpdateReplacesRecordAndLabels) {
  ASSERT_TRUE(
      store_
          ->InsertSandbox(MakeSandbox("sbx-1", "alice", 1,
                                      sandbox::v1::SANDBOX_STATUS_PENDING,
                                      {{"env", "dev"}}),
                          MakeSpec("a"), "", "")
          .ok());
  auto updated =
      MakeSandbox("sbx-1", "alice", 1, sandbox::v1::SANDBOX_STATUS_READY,
                  {{"env", "prod"}});
  updated.set_preview_url("http://sbx-1.preview.localhost");
  ASSERT_TRUE(store_->UpdateSandbox(updated).ok());
  Reopen();
  EXPECT_TRUE(
      MessageDifferencer::Equals(*store_->GetSandbox("sbx-1"), updated));

  ListQuery old_label;
  old_label.labels = {{"env", "dev"}};
  EXPECT_EQ(store_->ListSandboxes(old_label)->total, 0);
  ListQuery new_label;
  new_label.labels = {{"env", "prod"}};
  new_label.statuses = {sandbox::v1::SANDBOX_STATUS_READY};
  EXPECT_EQ(store_->ListSandboxes(new_label)->total, 1);
  EXPECT_EQ(store_->ListByStatus({sandbox::v1::SANDBOX_STATUS_PENDING})->size(),
            0u);
}

TEST_F(SqliteStoreTest, PurgeRemovesEverythingOfTheSandboxOnly) {
  ASSERT_TRUE(store_
                  ->InsertSandbox(MakeSandbox("sbx-1", "alice", 1,
                                              sandbox::v1::SANDBOX_STATUS_READY,
                                              {{"k", "v"}}),
                                  MakeSpec("a"), "req-1", "fp")
                  .ok());
  ASSERT_TRUE(store_
                  ->InsertSandbox(MakeSandbox("sbx-2", "alice", 2),
                                  MakeSpec("b"), "req-2", "fp")
                  .ok());
  ASSERT_TRUE(
      store_->AppendEvents({MakeEvent("sbx-1", 1), MakeEvent("sbx-1", 2)})
          .ok());
  ASSERT_TRUE(store_->AppendEvents({MakeEvent("sbx-2", 1)}).ok());

  ASSERT_TRUE(store_->PurgeSandbox("sbx-1").ok());
  EXPECT_EQ(store_->GetSandbox("sbx-1").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetSpec("sbx-1").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->FindRequest("alice", "req-1").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->ReadEvents("sbx-1", 0, 100)->empty());
  EXPECT_EQ(*store_->LastEventSequence("sbx-1"), 0);
  // The other sandbox is intact.
  EXPECT_TRUE(store_->GetSandbox("sbx-2").ok());
  EXPECT_TRUE(store_->FindRequest("alice", "req-2").ok());
  EXPECT_EQ(store_->ReadEvents("sbx-2", 0, 100)->size(), 1u);
  store_.reset();
  RawDb raw(path_);
  EXPECT_EQ(raw.QueryText("SELECT COUNT(*) FROM sandbox_labels"), "0");
}

TEST_F(SqliteStoreTest, PurgeOfUnknownSandboxIsOk) {
  EXPECT_TRUE(store_->PurgeSandbox("sbx-none").ok());
}

TEST_F(SqliteStoreTest, PurgedIdCanBeReusedWithoutLeftovers) {
  ASSERT_TRUE(store_
                  ->InsertSandbox(MakeSandbox("sbx-1", "alice", 1),
                                  MakeSpec("a"), "req-1", "fp")
                  .ok());
  ASSERT_TRUE(store_->AppendEvents({MakeEvent("sbx-1", 1)}).ok());
  ASSERT_TRUE(store_->PurgeSandbox("sbx-1").ok());
  ASSERT_TRUE(store_
                  ->InsertSandbox(MakeSandbox("sbx-1", "alice", 1),
                                  MakeSpec("a"), "req-1", "fp")
                  .ok());
  EXPECT_TRUE(store_->AppendEvents({MakeEvent("sbx-1", 1)}).ok());
}

TEST_F(SqliteStoreTest, ListByStatusSpansOwnersOldestFirst) {
  ASSERT_TRUE(
      store_
          ->InsertSandbox(MakeSandbox("sbx-3", "bob", 30,
                                      sandbox::v1::SANDBOX_STATUS_BUILDING),
                          MakeSpec("a"), "", "")
          .ok());
  ASSERT_TRUE(
      store_
          ->InsertSandbox(MakeSandbox("sbx-1", "alice", 10,
                                      sandbox::v1::SANDBOX_STATUS_READY),
                          MakeSpec("a"), "", "")
          .ok());
  ASSERT_TRUE(
      store_
          ->InsertSandbox(MakeSandbox("sbx-2", "carol", 20,
                                      sandbox::v1::SANDBOX_STATUS_FAILED),
                          MakeSpec("a"), "", "")
          .ok());
  absl::StatusOr<std::vector<sandbox::v1::Sandbox>> got = store_->ListByStatus(
      {sandbox::v1::SANDBOX_STATUS_READY, sandbox::v1::SANDBOX_STATUS_BUILDING,
       sandbox::v1::SANDBOX_STATUS_READY});
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].sandbox_id(), "sbx-1");
  EXPECT_EQ((*got)[1].sandbox_id(), "sbx-3");
  EXPECT_TRUE(store_->ListByStatus({})->empty());
}

class SqliteStoreCorruptionTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    ASSERT_TRUE(store_
                    ->InsertSandbox(MakeSandbox("sbx-bad", "alice", 1),
                                    MakeSpec("a"), "", "")
                    .ok());
    ASSERT_TRUE(
        store_->AppendEvents({MakeEvent("sbx-bad", 1), MakeEvent("sbx-bad", 2)})
            .ok());
    store_.reset();
  }

  void Damage(const std::string& sql) {
    {
      RawDb raw(path_);
      ASSERT_EQ(raw.Exec(sql), SQLITE_OK) << sql;
    }
    Reopen();
  }
};

TEST_F(SqliteStoreCorruptionTest, CorruptSandboxRecordIsDataLossNamingIt) {
  Damage("UPDATE sandboxes SET record = x'ffffffff'");
  absl::Status status = store_->GetSandbox("sbx-bad").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(status.message(), HasSubstr("sbx-bad"));
  EXPECT_EQ(store_->ListSandboxes(ListQuery{}).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(store_->ListByStatus({sandbox::v1::SANDBOX_STATUS_PENDING})
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(SqliteStoreCorruptionTest, RecordOfAnotherSandboxIsDataLoss) {
  const std::string other =
      MakeSandbox("sbx-other", "alice", 1).SerializeAsString();
  std::string hex;
  for (unsigned char c : other) {
    const char* digits = "0123456789abcdef";
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  Damage("UPDATE sandboxes SET record = x'" + hex + "'");
  EXPECT_EQ(store_->GetSandbox("sbx-bad").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(SqliteStoreCorruptionTest, CorruptSpecIsDataLossNamingIt) {
  Damage("UPDATE specs SET request = x'0a'");
  absl::Status status = store_->GetSpec("sbx-bad").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(status.message(), HasSubstr("spec of sandbox \"sbx-bad\""));
}

TEST_F(SqliteStoreCorruptionTest, CorruptEventIsDataLossNamingIt) {
  Damage("UPDATE events SET event = x'ff' WHERE seq = 2");
  absl::Status status = store_->ReadEvents("sbx-bad", 0, 10).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(status.message(), HasSubstr("event 2 of sandbox \"sbx-bad\""));
  // Events before the damaged one still read.
  EXPECT_EQ(store_->ReadEvents("sbx-bad", 0, 1)->size(), 1u);
}

}  // namespace
}  // namespace sandboxd
