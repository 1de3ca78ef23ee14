// kill -9 against the SQLite store: a child process writes sandboxes and
// events and reports each acknowledged write on a pipe; the parent kills it
// mid-way, reopens the store and finds every acknowledged write. Several
// rounds, each on the database the previous crash left behind.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/store/sqlite_store.h"
#include "tests/lib/store/store_test_util.h"

namespace sandboxd {
namespace {

using ::sandboxd::testing::MakeEvent;
using ::sandboxd::testing::MakeSandbox;
using ::sandboxd::testing::MakeSpec;
using ::sandboxd::testing::OpenStore;
using ::sandboxd::testing::RawDb;
using ::sandboxd::testing::TempDir;

constexpr int kRounds = 8;
constexpr int kBatches = 4;
constexpr int kBatchSize = 5;

// One line per acknowledged write; a line is far below PIPE_BUF, so each
// write(2) is atomic and the parent never sees half a line.
void Ack(int fd, const std::string& line) {
  const std::string text = line + "\n";
  if (write(fd, text.data(), text.size()) !=
      static_cast<ssize_t>(text.size())) {
    _exit(5);
  }
}

[[noreturn]] void RunChild(const std::string& path, int round, int fd) {
  SqliteStoreOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  if (!opened.ok()) {
    Ack(fd, "X " + opened.status().ToString());
    _exit(2);
  }
  Store& store = **opened;
  // Specs big enough that a transaction spans many pages.
  const std::string page(64 * 1024, 'p');
  for (int i = 0; i < 100000; ++i) {
    const std::string id = absl::StrCat("sbx-r", round, "-", i);
    sandbox::v1::Sandbox sandbox = MakeSandbox(id, "o", i);
    absl::Status status =
        store.InsertSandbox(sandbox, MakeSpec(page), "req-" + id, "fp");
    if (status.ok()) Ack(fd, "S " + id);
    for (int b = 0; b < kBatches && status.ok(); ++b) {
      std::vector<sandbox::v1::BuildEvent> batch;
      for (int e = 1; e <= kBatchSize; ++e) {
        batch.push_back(
            MakeEvent(id, b * kBatchSize + e, std::string(500, 'l')));
      }
      status = store.AppendEvents(batch);
      if (status.ok())
        Ack(fd, absl::StrCat("E ", id, " ", (b + 1) * kBatchSize));
    }
    if (status.ok()) {
      sandbox.set_status(sandbox::v1::SANDBOX_STATUS_READY);
      status = store.UpdateSandbox(sandbox);
      if (status.ok()) Ack(fd, "U " + id);
    }
    if (!status.ok()) {
      Ack(fd, "X " + status.ToString());
      _exit(3);
    }
  }
  _exit(4);
}

// What the child acknowledged.
struct Acks {
  std::set<std::string> sandboxes;
  std::map<std::string, int64_t> last_event;
  std::set<std::string> ready;
  std::vector<std::string> errors;
  int count = 0;

  void Add(const std::string& line) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    ++count;
    if (parts[0] == "S" && parts.size() == 2) {
      sandboxes.insert(parts[1]);
    } else if (parts[0] == "E" && parts.size() == 3) {
      int64_t seq = 0;
      EXPECT_TRUE(absl::SimpleAtoi(parts[2], &seq)) << line;
      last_event[parts[1]] = seq;
    } else if (parts[0] == "U" && parts.size() == 2) {
      ready.insert(parts[1]);
    } else {
      errors.push_back(line);
    }
  }
};

// Reads lines from `fd` into `acks` until `stop_after` lines (0: until EOF).
void ReadAcks(int fd, int stop_after, std::string& pending, Acks& acks) {
  char buffer[4096];
  while (stop_after == 0 || acks.count < stop_after) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    pending.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      acks.Add(pending.substr(0, newline));
      pending.erase(0, newline + 1);
    }
  }
}

void ExpectAcknowledgedWritesPresent(Store& store, const Acks& acks) {
  for (const std::string& id : acks.sandboxes) {
    absl::StatusOr<sandbox::v1::Sandbox> sandbox = store.GetSandbox(id);
    ASSERT_TRUE(sandbox.ok()) << id << ": " << sandbox.status();
    EXPECT_TRUE(store.GetSpec(id).ok()) << id;
    absl::StatusOr<RequestRecord> request = store.FindRequest("o", "req-" + id);
    ASSERT_TRUE(request.ok()) << id << ": " << request.status();
    EXPECT_EQ(request->sandbox_id, id);
    if (acks.ready.count(id) != 0) {
      EXPECT_EQ(sandbox->status(), sandbox::v1::SANDBOX_STATUS_READY) << id;
    }
  }
  for (const auto& [id, last] : acks.last_event) {
    absl::StatusOr<std::vector<sandbox::v1::BuildEvent>> events =
        store.ReadEvents(id, 0, 1000);
    ASSERT_TRUE(events.ok()) << id << ": " << events.status();
    ASSERT_GE(static_cast<int64_t>(events->size()), last) << id;
    for (size_t i = 0; i < events->size(); ++i) {
      EXPECT_EQ((*events)[i].sequence(), static_cast<int64_t>(i) + 1) << id;
    }
  }
}

TEST(SqliteStoreCrashTest, KillNineLosesNoAcknowledgedWrite) {
  TempDir dir;
  const std::string path = dir.File("sandboxd.db");
  int64_t total_sandboxes = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      RunChild(path, round, fds[1]);
    }
    close(fds[1]);
    Acks acks;
    std::string pending;
    // Kill at a different point of the write cycle each round.
    ReadAcks(fds[0], 40 + 23 * round, pending, acks);
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int wait_status = 0;
    ASSERT_EQ(waitpid(child, &wait_status, 0), child);
    ReadAcks(fds[0], 0, pending, acks);  // everything acked before the kill
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
        << "the child ended on its own: " << wait_status;
    ASSERT_EQ(acks.errors, std::vector<std::string>{});
    ASSERT_GE(acks.count, 40 + 23 * round);

    std::unique_ptr<Store> store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    ExpectAcknowledgedWritesPresent(*store, acks);
    total_sandboxes += static_cast<int64_t>(acks.sandboxes.size());
    ListQuery everything;
    everything.page_size = 1;
    absl::StatusOr<ListPage> page = store->ListSandboxes(everything);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_GE(page->total, total_sandboxes);
    store.reset();
    RawDb raw(path);
    EXPECT_EQ(raw.QueryText("PRAGMA integrity_check"), "ok");
  }
}

}  // namespace
}  // namespace sandboxd
