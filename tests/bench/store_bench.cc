// Throughput of the SQLite store's hot paths (not a test): Get and List as
// the API serves them, event appends as a build produces them, and event
// reads as watchers catch up. Run: ./store_bench [--benchmark_filter=...].
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "lib/store/sqlite_store.h"

namespace sandboxd {
namespace {

constexpr int kSandboxes = 2000;
constexpr int kOwners = 20;
constexpr int kEvents = 200;

std::string BenchDir() {
  std::string pattern = "/tmp/sandboxd_store_bench_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) abort();
  return pattern;
}

sandbox::v1::Sandbox MakeSandbox(int i) {
  sandbox::v1::Sandbox sandbox;
  sandbox.set_sandbox_id(absl::StrCat("sbx-", i));
  sandbox.set_owner(absl::StrCat("owner-", i % kOwners));
  sandbox.set_status(sandbox::v1::SANDBOX_STATUS_READY);
  sandbox.set_project_name("bench project");
  sandbox.set_preview_url(absl::StrCat("http://sbx-", i, ".preview.localhost"));
  sandbox.mutable_create_time()->set_seconds(1700000000 + i);
  (*sandbox.mutable_labels())["team"] = i % 2 == 0 ? "web" : "api";
  return sandbox;
}

sandbox::v1::BuildEvent MakeEvent(const std::string& id, int64_t sequence) {
  sandbox::v1::BuildEvent event;
  event.set_sandbox_id(id);
  event.set_sequence(sequence);
  event.set_phase(sandbox::v1::BUILD_PHASE_INSTALLING);
  event.mutable_log()->set_text("added 312 packages, and audited 313 packages");
  return event;
}

std::unique_ptr<Store> Open(const std::string& dir) {
  SqliteStoreOptions options;
  options.path = dir + "/sandboxd.db";
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  if (!store.ok()) abort();
  return *std::move(store);
}

// A store filled once, shared by the read benchmarks and their threads, and
// removed at exit.
struct FilledStore {
  FilledStore() : dir(BenchDir()), store(Open(dir)) {
    sandbox::v1::CreateSandboxRequest spec;
    (*spec.mutable_generated_code())["page.tsx"] = std::string(4096, 'x');
    for (int i = 0; i < kSandboxes; ++i) {
      if (!store->InsertSandbox(MakeSandbox(i), spec, "", "").ok()) abort();
    }
    std::vector<sandbox::v1::BuildEvent> events;
    for (int e = 1; e <= kEvents; ++e) events.push_back(MakeEvent("sbx-0", e));
    if (!store->AppendEvents(events).ok()) abort();
  }
  ~FilledStore() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<Store> store;
};

Store& Filled() {
  static FilledStore filled;
  return *filled.store;
}

void BM_GetSandbox(benchmark::State& state) {
  Store& store = Filled();
  int i = static_cast<int>(state.thread_index()) * 7919;
  for (auto _ : state) {
    auto sandbox = store.GetSandbox(absl::StrCat("sbx-", i++ % kSandboxes));
    if (!sandbox.ok()) state.SkipWithError("get failed");
    benchmark::DoNotOptimize(sandbox);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetSandbox)->Threads(1)->Threads(4)->UseRealTime();

void BM_ListFirstPage(benchmark::State& state) {
  Store& store = Filled();
  ListQuery query;
  query.owner = "owner-3";
  query.page_size = 50;
  for (auto _ : state) {
    auto page = store.ListSandboxes(query);
    if (!page.ok()) state.SkipWithError("list failed");
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ListFirstPage)->Threads(1)->Threads(4)->UseRealTime();

void BM_ListWithLabelFilter(benchmark::State& state) {
  Store& store = Filled();
  ListQuery query;
  query.owner = "owner-4";
  query.labels = {{"team", "web"}};
  query.page_size = 50;
  for (auto _ : state) {
    auto page = store.ListSandboxes(query);
    if (!page.ok()) state.SkipWithError("list failed");
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ListWithLabelFilter)->UseRealTime();

void BM_ReadEvents(benchmark::State& state) {
  Store& store = Filled();
  for (auto _ : state) {
    auto events = store.ReadEvents("sbx-0", 0, kEvents);
    if (!events.ok()) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(events);
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(BM_ReadEvents)->Threads(1)->Threads(4)->UseRealTime();

// One committed transaction per event, as a build's log lines arrive.
void BM_AppendEvent(benchmark::State& state) {
  const std::string dir = BenchDir();
  std::unique_ptr<Store> store = Open(dir);
  sandbox::v1::CreateSandboxRequest spec;
  int64_t sequence = 0;
  int sandbox = 0;
  for (auto _ : state) {
    if (sequence % 10000 == 0) {
      ++sandbox;
      sequence = 0;
      state.PauseTiming();
      if (!store->InsertSandbox(MakeSandbox(sandbox), spec, "", "").ok())
        abort();
      state.ResumeTiming();
    }
    if (!store
             ->AppendEvents(
                 {MakeEvent(absl::StrCat("sbx-", sandbox), ++sequence)})
             .ok()) {
      state.SkipWithError("append failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AppendEvent)->UseRealTime();

}  // namespace
}  // namespace sandboxd

BENCHMARK_MAIN();
