// Build events in the SQLite store: append, read, bounds and errors.
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/sqlite_store.h"
#include "tests/lib/store/store_test_util.h"

namespace sandboxd {
namespace {

using ::sandboxd::testing::MakeEvent;
using ::sandboxd::testing::MakeSandbox;
using ::sandboxd::testing::MakeSpec;
using ::sandboxd::testing::OpenStore;
using ::sandboxd::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<int64_t> Sequences(
    const absl::StatusOr<std::vector<sandbox::v1::BuildEvent>>& events) {
  std::vector<int64_t> out;
  if (!events.ok()) {
    ADD_FAILURE() << events.status();
    return out;
  }
  for (const auto& event : *events) out.push_back(event.sequence());
  return out;
}

class SqliteStoreEventsTest : public ::testing::Test {
 protected:
  void Open(int max_events) {
    SqliteStoreOptions options;
    options.max_events_per_sandbox = max_events;
    store_.reset();
    store_ =
        OpenStore(dir_.File(absl::StrCat("cap", max_events, ".db")), options);
    ASSERT_NE(store_, nullptr);
    for (const char* id : {"sbx-1", "sbx-2"}) {
      ASSERT_TRUE(
          store_->InsertSandbox(MakeSandbox(id, "o", 1), MakeSpec("x"), "", "")
              .ok());
    }
  }
  void SetUp() override { Open(20000); }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreEventsTest, ReadsAfterSequenceAscendingUpToLimit) {
  ASSERT_TRUE(store_
                  ->AppendEvents(
                      {MakeEvent("sbx-1", 1, "a"), MakeEvent("sbx-1", 2, "b")})
                  .ok());
  ASSERT_TRUE(store_->AppendEvents({MakeEvent("sbx-1", 3, "c")}).ok());
  ASSERT_TRUE(store_->AppendEvents({MakeEvent("sbx-2", 1, "other")}).ok());

  absl::StatusOr<std::vector<sandbox::v1::BuildEvent>> all =
      store_->ReadEvents("sbx-1", 0, 100);
  EXPECT_THAT(Sequences(all), ElementsAre(1, 2, 3));
  EXPECT_EQ((*all)[1].log().text(), "b");
  EXPECT_EQ((*all)[1].sandbox_id(), "sbx-1");
  EXPECT_THAT(Sequences(store_->ReadEvents("sbx-1", 1, 100)),
              ElementsAre(2, 3));
  EXPECT_THAT(Sequences(store_->ReadEvents("sbx-1", 0, 2)), ElementsAre(1, 2));
  EXPECT_THAT(Sequences(store_->ReadEvents("sbx-1", 3, 100)), ElementsAre());
  EXPECT_THAT(Sequences(store_->ReadEvents("sbx-none", 0, 100)), ElementsAre());
}

TEST_F(SqliteStoreEventsTest, LastEventSequenceIsZeroWithoutEvents) {
  EXPECT_EQ(*store_->LastEventSequence("sbx-1"), 0);
  EXPECT_EQ(*store_->LastEventSequence("sbx-none"), 0);
  ASSERT_TRUE(
      store_->AppendEvents({MakeEvent("sbx-1", 1), MakeEvent("sbx-1", 7)})
          .ok());
  EXPECT_EQ(*store_->LastEventSequence("sbx-1"), 7);
  EXPECT_EQ(*store_->LastEventSequence("sbx-2"), 0);
}

TEST_F(SqliteStoreEventsTest,
       DuplicateSequenceIsAlreadyExistsAndWritesNothing) {
  ASSERT_TRUE(
      store_->AppendEvents({MakeEvent("sbx-1", 1), MakeEvent("sbx-1", 2)})
          .ok());
  absl::Status status = store_->AppendEvents(
      {MakeEvent("sbx-1", 3), MakeEvent("sbx-1", 4), MakeEvent("sbx-1", 2)});
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_THAT(status.message(), HasSubstr("event 2"));
  EXPECT_THAT(Sequences(store_->ReadEvents("sbx-1", 0, 100)),
              ElementsAre(1, 2));
  // The refused batch did not count against the cap either.
  ASSERT_TRUE(store_->AppendEvents({MakeEvent("sbx-1", 3)}).ok());
}

TEST_F(SqliteStoreEventsTest, DuplicateWithinBatchIsAlreadyExists) {
  EXPECT_EQ(store_->AppendEvents({MakeEvent("sbx-1", 5), MakeEvent("sbx-1", 5)})
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(Sequences(store_->ReadEvents("sbx-1", 0, 100)), ElementsAre());
}

TEST_F(SqliteStoreEventsTest, UnknownSandboxIsNotFound) {
  EXPECT_EQ(store_->AppendEvents({MakeEvent("sbx-none", 1)}).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SqliteStoreEventsTest, InvalidBatchesAreInvalidArgument) {
  EXPECT_EQ(store_->AppendEvents({MakeEvent("sbx-1", 1), MakeEvent("sbx-2", 2)})
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AppendEvents({MakeEvent("sbx-1", 0)}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AppendEvents({MakeEvent("", 1)}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ReadEvents("sbx-1", 0, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Sequences(store_->ReadEvents("sbx-1", 0, 100)), ElementsAre());
}

TEST_F(SqliteStoreEventsTest, EmptyBatchIsOk) {
  EXPECT_TRUE(store_->AppendEvents({}).ok());
}

TEST_F(SqliteStoreEventsTest, CapIsResourceExhaustedAndWritesNothing) {
  Open(5);
  ASSERT_TRUE(store_
                  ->AppendEvents({MakeEvent("sbx-1", 1), MakeEvent("sbx-1", 2),
                                  MakeEvent("sbx-1", 3)})
                  .ok());
  absl::Status status = store_->AppendEvents(
      {MakeEvent("sbx-1", 4), MakeEvent("sbx-1", 5), MakeEvent("sbx-1", 6)});
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_EQ(*store_->LastEventSequence("sbx-1"), 3);
  ASSERT_TRUE(
      store_->AppendEvents({MakeEvent("sbx-1", 4), MakeEvent("sbx-1", 5)})
          .ok());
  EXPECT_EQ(store_->AppendEvents({MakeEvent("sbx-1", 6)}).code(),
            absl::StatusCode::kResourceExhausted);
  // The cap is per sandbox.
  EXPECT_TRUE(store_->AppendEvents({MakeEvent("sbx-2", 1)}).ok());
}

TEST_F(SqliteStoreEventsTest, EventsSurviveReopen) {
  ASSERT_TRUE(
      store_->AppendEvents({MakeEvent("sbx-1", 1), MakeEvent("sbx-1", 2)})
          .ok());
  store_.reset();
  store_ = OpenStore(dir_.File("cap20000.db"));
  ASSERT_NE(store_, nullptr);
  EXPECT_THAT(Sequences(store_->ReadEvents("sbx-1", 0, 100)),
              ElementsAre(1, 2));
}

}  // namespace
}  // namespace sandboxd
