// ListSandboxes in the SQLite store: filters, newest-first keyset paging and
// page token validation.
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/sqlite_store.h"
#include "tests/lib/store/store_test_util.h"

namespace sandboxd {
namespace {

using ::sandbox::v1::SANDBOX_STATUS_DELETED;
using ::sandbox::v1::SANDBOX_STATUS_FAILED;
using ::sandbox::v1::SANDBOX_STATUS_PENDING;
using ::sandbox::v1::SANDBOX_STATUS_READY;
using ::sandboxd::testing::MakeSandbox;
using ::sandboxd::testing::MakeSpec;
using ::sandboxd::testing::OpenStore;
using ::sandboxd::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class SqliteStoreListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.File("sandboxd.db"));
    ASSERT_NE(store_, nullptr);
  }

  void Insert(const sandbox::v1::Sandbox& sandbox) {
    ASSERT_TRUE(store_->InsertSandbox(sandbox, MakeSpec("x"), "", "").ok())
        << sandbox.sandbox_id();
  }

  // Every page of `query`, following the tokens; checks `total` on each.
  std::vector<std::string> AllPages(ListQuery query, int64_t want_total) {
    std::vector<std::string> ids;
    for (int pages = 0; pages < 1000; ++pages) {
      absl::StatusOr<ListPage> page = store_->ListSandboxes(query);
      if (!page.ok()) {
        ADD_FAILURE() << page.status();
        break;
      }
      EXPECT_EQ(page->total, want_total);
      EXPECT_LE(page->sandboxes.size(), static_cast<size_t>(query.page_size));
      for (const auto& sandbox : page->sandboxes) {
        ids.push_back(sandbox.sandbox_id());
      }
      if (page->next_page_token.empty()) break;
      EXPECT_EQ(page->sandboxes.size(), static_cast<size_t>(query.page_size));
      query.page_token = page->next_page_token;
    }
    return ids;
  }

  std::vector<std::string> Ids(const ListQuery& query) {
    absl::StatusOr<ListPage> page = store_->ListSandboxes(query);
    std::vector<std::string> ids;
    if (!page.ok()) {
      ADD_FAILURE() << page.status();
      return ids;
    }
    for (const auto& sandbox : page->sandboxes) {
      ids.push_back(sandbox.sandbox_id());
    }
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreListTest, PagesNewestFirstAcrossManyPagesWithTies) {
  // 57 sandboxes of alice, 3 per create time so that the id breaks ties, and
  // some of bob's in between.
  std::vector<std::tuple<int64_t, std::string>> expected;
  for (int i = 0; i < 57; ++i) {
    const int64_t micros = 1000000 * (i / 3);
    const std::string id = absl::StrCat("sbx-a", (i * 37) % 57);
    Insert(MakeSandbox(id, "alice", micros));
    expected.emplace_back(micros, id);
    if (i % 10 == 0)
      Insert(MakeSandbox(absl::StrCat("sbx-b", i), "bob", micros));
  }
  std::sort(expected.rbegin(), expected.rend());
  std::vector<std::string> want;
  for (const auto& [micros, id] : expected) want.push_back(id);

  ListQuery query;
  query.owner = "alice";
  query.page_size = 10;
  EXPECT_THAT(AllPages(query, 57), ElementsAreArray(want));
  query.page_size = 1;
  EXPECT_THAT(AllPages(query, 57), ElementsAreArray(want));
  query.page_size = 57;
  EXPECT_THAT(AllPages(query, 57), ElementsAreArray(want));
  query.owner = "";  // every owner
  query.page_size = 7;
  EXPECT_EQ(AllPages(query, 63).size(), 63u);
}

TEST_F(SqliteStoreListTest, DefaultHidesDeletedAndStatusesFilter) {
  Insert(MakeSandbox("sbx-1", "o", 1, SANDBOX_STATUS_PENDING));
  Insert(MakeSandbox("sbx-2", "o", 2, SANDBOX_STATUS_READY));
  Insert(MakeSandbox("sbx-3", "o", 3, SANDBOX_STATUS_DELETED));
  Insert(MakeSandbox("sbx-4", "o", 4, SANDBOX_STATUS_FAILED));
  ListQuery query;
  EXPECT_THAT(Ids(query), ElementsAre("sbx-4", "sbx-2", "sbx-1"));
  query.statuses = {SANDBOX_STATUS_DELETED, SANDBOX_STATUS_READY};
  EXPECT_THAT(Ids(query), ElementsAre("sbx-3", "sbx-2"));
  query.page_size = 1;
  EXPECT_THAT(AllPages(query, 2), ElementsAre("sbx-3", "sbx-2"));
}

TEST_F(SqliteStoreListTest, EveryLabelPairMustMatch) {
  Insert(MakeSandbox("sbx-1", "o", 1, SANDBOX_STATUS_READY,
                     {{"team", "web"}, {"env", "prod"}}));
  Insert(MakeSandbox("sbx-2", "o", 2, SANDBOX_STATUS_READY,
                     {{"team", "web"}, {"env", "dev"}}));
  Insert(MakeSandbox("sbx-3", "o", 3, SANDBOX_STATUS_READY, {{"team", "api"}}));
  Insert(MakeSandbox("sbx-4", "other", 4, SANDBOX_STATUS_READY,
                     {{"team", "web"}, {"env", "prod"}}));
  ListQuery query;
  query.owner = "o";
  query.labels = {{"team", "web"}};
  EXPECT_THAT(Ids(query), ElementsAre("sbx-2", "sbx-1"));
  query.labels = {{"team", "web"}, {"env", "prod"}};
  EXPECT_THAT(Ids(query), ElementsAre("sbx-1"));
  query.labels = {{"env", "web"}};  // a value under another key
  EXPECT_THAT(Ids(query), ElementsAre());
  query.labels = {{"team", "web"}, {"team", "api"}};
  EXPECT_THAT(Ids(query), ElementsAre());
  query.owner = "";
  query.labels = {{"env", "prod"}};
  query.page_size = 1;
  EXPECT_THAT(AllPages(query, 2), ElementsAre("sbx-4", "sbx-1"));
}

TEST_F(SqliteStoreListTest, PagingSkipsNothingWhenRecordsChangeBetweenPages) {
  for (int i = 1; i <= 6; ++i)
    Insert(MakeSandbox(absl::StrCat("sbx-", i), "o", i));
  ListQuery query;
  query.page_size = 2;
  absl::StatusOr<ListPage> first = store_->ListSandboxes(query);
  ASSERT_TRUE(first.ok()) << first.status();
  // sbx-6 and sbx-5 were shown. A newer sandbox arrives and the cursor's own
  // row disappears: the next page still starts right after sbx-5.
  Insert(MakeSandbox("sbx-7", "o", 7));
  ASSERT_TRUE(store_->PurgeSandbox("sbx-5").ok());
  query.page_token = first->next_page_token;
  absl::StatusOr<ListPage> second = store_->ListSandboxes(query);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->total, 6);
  ASSERT_EQ(second->sandboxes.size(), 2u);
  EXPECT_EQ(second->sandboxes[0].sandbox_id(), "sbx-4");
  EXPECT_EQ(second->sandboxes[1].sandbox_id(), "sbx-3");
}

TEST_F(SqliteStoreListTest, NonPositivePageSizeIsInvalidArgument) {
  ListQuery query;
  query.page_size = 0;
  EXPECT_EQ(store_->ListSandboxes(query).status().code(),
            absl::StatusCode::kInvalidArgument);
  query.page_size = -1;
  EXPECT_EQ(store_->ListSandboxes(query).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreListTest, MalformedTokensAreRejected) {
  Insert(MakeSandbox("sbx-1", "o", 1));
  Insert(MakeSandbox("sbx-2", "o", 2));
  ListQuery query;
  query.page_size = 1;
  absl::StatusOr<ListPage> page = store_->ListSandboxes(query);
  ASSERT_TRUE(page.ok()) << page.status();
  const std::string good = page->next_page_token;
  ASSERT_FALSE(good.empty());
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(good, &raw));

  std::string wrong_version = raw;
  wrong_version[1] = '9';
  std::string no_id = raw.substr(0, raw.rfind('\n') + 1);
  std::string bad_micros = raw;
  bad_micros.replace(bad_micros.find("\n2\n"), 3, "\nx\n");
  for (const std::string& token :
       {std::string("not a token!"), std::string("AAAA"), good + "=",
        absl::WebSafeBase64Escape(bad_micros),
        absl::WebSafeBase64Escape(wrong_version),
        absl::WebSafeBase64Escape(no_id), absl::WebSafeBase64Escape("v1\nxyz"),
        std::string(5000, 'A')}) {
    query.page_token = token;
    absl::Status status = store_->ListSandboxes(query).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_EQ(status.message(), "page_token: malformed") << token;
  }
}

TEST_F(SqliteStoreListTest, TokenOnlyWorksWithItsFilter) {
  for (int i = 1; i <= 3; ++i) {
    Insert(MakeSandbox(absl::StrCat("sbx-", i), "o", i, SANDBOX_STATUS_READY,
                       {{"k", "v"}}));
  }
  ListQuery query;
  query.owner = "o";
  query.statuses = {SANDBOX_STATUS_READY, SANDBOX_STATUS_PENDING};
  query.labels = {{"k", "v"}};
  query.page_size = 1;
  absl::StatusOr<ListPage> page = store_->ListSandboxes(query);
  ASSERT_TRUE(page.ok()) << page.status();

  // The same filter spelled differently, and another page size, are fine.
  ListQuery same = query;
  same.page_token = page->next_page_token;
  same.statuses = {SANDBOX_STATUS_PENDING, SANDBOX_STATUS_READY,
                   SANDBOX_STATUS_READY};
  same.page_size = 5;
  absl::StatusOr<ListPage> next = store_->ListSandboxes(same);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->sandboxes.size(), 2u);

  ListQuery other_owner = same;
  other_owner.owner = "p";
  ListQuery other_statuses = same;
  other_statuses.statuses = {SANDBOX_STATUS_READY};
  ListQuery other_labels = same;
  other_labels.labels = {{"k", "w"}};
  ListQuery no_filter;
  no_filter.page_token = page->next_page_token;
  for (const ListQuery& foreign :
       {other_owner, other_statuses, other_labels, no_filter}) {
    absl::Status status = store_->ListSandboxes(foreign).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "page_token: does not match the filter");
  }
}

}  // namespace
}  // namespace sandboxd
