// The SQLite store under concurrent writers and readers: no errors, and every
// read sees a state some sequence of committed writes produced.
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
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

constexpr int kWriters = 2;
constexpr int kSandboxesPerWriter = 40;
constexpr int kBatches = 4;
constexpr int kBatchSize = 3;
constexpr int kEvents = kBatches * kBatchSize;
constexpr int kReaders = 4;

class Errors {
 public:
  void Add(std::string error) {
    absl::MutexLock lock(&mu_);
    if (errors_.size() < 20) errors_.push_back(std::move(error));
  }
  std::vector<std::string> Get() {
    absl::MutexLock lock(&mu_);
    return errors_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> errors_;
};

void Write(Store& store, int writer, Errors& errors) {
  for (int i = 0; i < kSandboxesPerWriter; ++i) {
    const std::string id = absl::StrCat("sbx-w", writer, "-", i);
    sandbox::v1::Sandbox sandbox = MakeSandbox(id, "o", i * 10 + writer);
    absl::Status status = store.InsertSandbox(sandbox, MakeSpec(id),
                                              absl::StrCat("req-", id), "fp");
    for (int b = 0; b < kBatches && status.ok(); ++b) {
      std::vector<sandbox::v1::BuildEvent> batch;
      for (int e = 1; e <= kBatchSize; ++e) {
        batch.push_back(MakeEvent(id, b * kBatchSize + e));
      }
      status = store.AppendEvents(batch);
    }
    if (status.ok()) {
      sandbox.set_status(sandbox::v1::SANDBOX_STATUS_READY);
      sandbox.set_last_event_sequence(kEvents);
      status = store.UpdateSandbox(sandbox);
    }
    if (!status.ok()) errors.Add(absl::StrCat(id, ": ", status.ToString()));
  }
}

// Checks one listed sandbox: its events are a prefix of whole batches, and
// once it is READY every event is visible.
void CheckSandbox(Store& store, const std::string& id, Errors& errors) {
  absl::StatusOr<sandbox::v1::Sandbox> sandbox = store.GetSandbox(id);
  if (!sandbox.ok()) return errors.Add(sandbox.status().ToString());
  absl::StatusOr<std::vector<sandbox::v1::BuildEvent>> events =
      store.ReadEvents(id, 0, 1000);
  if (!events.ok()) return errors.Add(events.status().ToString());
  for (size_t i = 0; i < events->size(); ++i) {
    if ((*events)[i].sequence() != static_cast<int64_t>(i) + 1) {
      return errors.Add(absl::StrCat(id, ": gap at event ", i + 1));
    }
  }
  if (events->size() % kBatchSize != 0) {
    errors.Add(absl::StrCat(id, ": half a batch visible"));
  }
  if (sandbox->status() == sandbox::v1::SANDBOX_STATUS_READY &&
      events->size() != kEvents) {
    errors.Add(absl::StrCat(id, ": READY with ", events->size(), " events"));
  }
  absl::StatusOr<int64_t> last = store.LastEventSequence(id);
  if (!last.ok() || *last < static_cast<int64_t>(events->size())) {
    errors.Add(absl::StrCat(id, ": last sequence went back"));
  }
}

// Pages through the list: strictly newest first, no duplicates.
void ReadOnce(Store& store, Errors& errors) {
  ListQuery query;
  query.owner = "o";
  query.page_size = 16;
  std::tuple<int64_t, std::string> previous{INT64_MAX, ""};
  while (true) {
    absl::StatusOr<ListPage> page = store.ListSandboxes(query);
    if (!page.ok()) return errors.Add(page.status().ToString());
    if (page->total < static_cast<int64_t>(page->sandboxes.size())) {
      errors.Add("total below the page's size");
    }
    for (const auto& sandbox : page->sandboxes) {
      std::tuple<int64_t, std::string> key{sandbox.create_time().nanos() / 1000,
                                           sandbox.sandbox_id()};
      if (!(key < previous)) errors.Add("list out of order");
      previous = key;
      CheckSandbox(store, sandbox.sandbox_id(), errors);
    }
    if (page->next_page_token.empty()) return;
    query.page_token = page->next_page_token;
  }
}

TEST(SqliteStoreConcurrencyTest, ReadersAndWritersRunTogetherConsistently) {
  TempDir dir;
  SqliteStoreOptions options;
  options.reader_connections = 3;  // fewer than the reading threads
  std::unique_ptr<Store> store = OpenStore(dir.File("sandboxd.db"), options);
  ASSERT_NE(store, nullptr);
  Errors errors;
  std::atomic<int> writers_done{0};
  std::atomic<int> read_passes{0};

  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Write(*store, w, errors);
      ++writers_done;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      // One last pass after the writers finish sees the final state.
      bool last = false;
      while (!last) {
        last = writers_done.load() == kWriters;
        ReadOnce(*store, errors);
        ++read_passes;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.Get(), std::vector<std::string>{});
  EXPECT_GE(read_passes.load(), kReaders);

  ListQuery query;
  query.owner = "o";
  query.page_size = 500;
  absl::StatusOr<ListPage> page = store->ListSandboxes(query);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total, kWriters * kSandboxesPerWriter);
  for (const auto& sandbox : page->sandboxes) {
    EXPECT_EQ(sandbox.status(), sandbox::v1::SANDBOX_STATUS_READY);
    EXPECT_EQ(*store->LastEventSequence(sandbox.sandbox_id()), kEvents);
    EXPECT_TRUE(store->FindRequest("o", "req-" + sandbox.sandbox_id()).ok());
  }
}

}  // namespace
}  // namespace sandboxd
