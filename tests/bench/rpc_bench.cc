// Get and List over gRPC: sandboxd (store, interceptor, metrics) against a
// bare SandboxService built from the same gRPC stack that answers from
// memory, in the same run, interleaved. Prints req/s, p50 and p99 per round
// and the medians' ratio. Not a test: no pass/fail.
//
//   rpc_bench [--seconds=3] [--rounds=3] [--threads=8]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "sandbox/v1/sandbox.grpc.pb.h"
#include "server/sandboxd_server.h"
#include "tests/lib/core/core_test_env.h"
#include "tests/server/server_test_env.h"

ABSL_FLAG(int, seconds, 3, "Seconds per measurement");
ABSL_FLAG(int, rounds, 3, "Interleaved rounds (medians are reported)");
ABSL_FLAG(int, threads, 8, "Client threads, one channel each");

namespace sandboxd::testing {
namespace {

using ::sandbox::v1::SandboxService;

// The baseline: the same service and messages, answered from memory.
class BareService final : public SandboxService::CallbackService {
 public:
  explicit BareService(std::vector<sandbox::v1::Sandbox> sandboxes)
      : sandboxes_(std::move(sandboxes)) {}
  grpc::ServerUnaryReactor* Get(
      grpc::CallbackServerContext* ctx,
      const sandbox::v1::GetSandboxRequest* request,
      sandbox::v1::GetSandboxResponse* response) override {
    response->set_success(true);
    *response->mutable_sandbox() = sandboxes_.front();
    response->mutable_sandbox()->set_sandbox_id(request->sandbox_id());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* List(
      grpc::CallbackServerContext* ctx,
      const sandbox::v1::ListSandboxesRequest* request,
      sandbox::v1::ListSandboxesResponse* response) override {
    response->set_success(true);
    for (const auto& s : sandboxes_) *response->add_sandboxes() = s;
    response->set_count(static_cast<int>(sandboxes_.size()));
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  std::vector<sandbox::v1::Sandbox> sandboxes_;
};

struct Result {
  double rps = 0, p50_us = 0, p99_us = 0;
  int64_t errors = 0;
};

Result Measure(int port, bool list, const std::string& id) {
  const int threads = absl::GetFlag(FLAGS_threads);
  const absl::Time until =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_seconds));
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<int64_t> errors{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      auto stub = SandboxService::NewStub(
          grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                    grpc::InsecureChannelCredentials(), args));
      sandbox::v1::GetSandboxRequest get;
      get.set_sandbox_id(id);
      sandbox::v1::ListSandboxesRequest page;
      page.set_page_size(50);
      while (absl::Now() < until) {
        grpc::ClientContext context;
        absl::Time start = absl::Now();
        grpc::Status status;
        if (list) {
          sandbox::v1::ListSandboxesResponse response;
          status = stub->List(&context, page, &response);
        } else {
          sandbox::v1::GetSandboxResponse response;
          status = stub->Get(&context, get, &response);
        }
        if (!status.ok()) ++errors;
        latencies[t].push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
      }
    });
  }
  for (auto& w : workers) w.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Result r;
  r.rps = all.size() / static_cast<double>(absl::GetFlag(FLAGS_seconds));
  r.p50_us = all.empty() ? 0 : all[all.size() / 2];
  r.p99_us = all.empty() ? 0 : all[all.size() * 99 / 100];
  r.errors = errors;
  return r;
}

// A build whose install prints `lines` lines, followed by `watchers`
// WatchBuild streams: seconds from releasing the build to READY.
double TimeBuildWithWatchers(int watchers, int lines) {
  ServerTestEnv env;
  FakeProvider::Step noisy;
  for (int i = 0; i < lines; ++i) {
    noisy.output.emplace_back(
        OutputStream::kStdout,
        "npm line " + std::to_string(i) + std::string(80, '.'));
  }
  env.core().provider().SetDefault(FakeProvider::Call::kInstall, noisy);
  env.core().provider().Hold(FakeProvider::Call::kProvision);
  sandbox::v1::CreateSandboxResponse created;
  grpc::ClientContext create_context;
  (void)env.stub().Create(&create_context, FrontendRequest(), &created);
  env.core().provider().AwaitHeld(FakeProvider::Call::kProvision, 1);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<sandbox::v1::BuildEvent>>>
      readers;
  std::vector<std::thread> drains;
  std::atomic<int> finished{0};
  // Readers on a few threads, each draining many streams round-robin.
  sandbox::v1::WatchBuildRequest request;
  request.set_sandbox_id(created.sandbox_id());
  for (int i = 0; i < watchers; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(env.stub().WatchBuild(contexts.back().get(), request));
  }
  const int reader_threads = std::min(watchers, 8);
  for (int t = 0; t < reader_threads; ++t) {
    drains.emplace_back([&, t] {
      sandbox::v1::BuildEvent event;
      for (int i = t; i < watchers; i += reader_threads) {
        while (readers[i]->Read(&event)) {
        }
        (void)readers[i]->Finish();
        ++finished;
      }
    });
  }
  absl::Time start = absl::Now();
  env.core().provider().Release(FakeProvider::Call::kProvision);
  env.core().AwaitSettled(created.sandbox_id());
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  for (auto& d : drains) d.join();
  return seconds;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Run() {
  CoreTestEnv env;
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    auto created = env.manager().Create(CoreTestEnv::kAdmin, FrontendRequest());
    if (!created.ok()) return 1;
    ids.push_back(created->sandbox_id());
  }
  std::vector<sandbox::v1::Sandbox> records;
  for (const auto& id : ids) records.push_back(env.AwaitSettled(id));

  MetricsRegistry metrics;
  SandboxServerOptions options;
  options.grpc_addr = "127.0.0.1:0";
  options.http_addr = "127.0.0.1:0";
  // Logging is on in production; the bench measures that configuration,
  // with stderr sent to /dev/null by the caller if wanted.
  options.log_rpcs = false;
  options.callers =
      [](const grpc::CallbackServerContext&) -> absl::StatusOr<Caller> {
    return CoreTestEnv::kAdmin;
  };
  auto sandboxd = SandboxServer::Start(options, &env.manager(), &metrics);
  if (!sandboxd.ok()) return 1;

  BareService bare(records);
  int bare_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &bare_port);
  builder.RegisterService(&bare);
  auto bare_server = builder.BuildAndStart();

  std::printf("rpc_bench: %d threads, %ds per measurement, %d rounds\n",
              absl::GetFlag(FLAGS_threads), absl::GetFlag(FLAGS_seconds),
              absl::GetFlag(FLAGS_rounds));
  for (bool list : {false, true}) {
    std::vector<double> ours_rps, bare_rps, ours_p99, bare_p99;
    for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
      Result o = Measure((*sandboxd)->grpc_port(), list, ids.front());
      Result b = Measure(bare_port, list, ids.front());
      std::printf(
          "  %-4s round %d: sandboxd %8.0f req/s p50 %6.0f us p99 %6.0f us "
          "(%lld errors) | bare %8.0f req/s p50 %6.0f us p99 %6.0f us\n",
          list ? "List" : "Get", round + 1, o.rps, o.p50_us, o.p99_us,
          static_cast<long long>(o.errors), b.rps, b.p50_us, b.p99_us);
      ours_rps.push_back(o.rps);
      bare_rps.push_back(b.rps);
      ours_p99.push_back(o.p99_us);
      bare_p99.push_back(b.p99_us);
    }
    double r = Median(ours_rps) / Median(bare_rps);
    std::printf(
        "%s: median sandboxd %.0f req/s (p99 %.0f us), bare %.0f req/s (p99 "
        "%.0f us); throughput ratio sandboxd/bare = %.2f, p99 ratio = %.2f\n",
        list ? "List(page_size=50)" : "Get", Median(ours_rps), Median(ours_p99),
        Median(bare_rps), Median(bare_p99), r,
        Median(ours_p99) / Median(bare_p99));
  }
  (*sandboxd)->Drain(absl::Seconds(1));
  bare_server->Shutdown();

  // One build with 2,000 log lines, with 0 and with 1,000 watchers.
  std::vector<double> alone, watched;
  for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
    alone.push_back(TimeBuildWithWatchers(0, 2000));
    watched.push_back(TimeBuildWithWatchers(1000, 2000));
    std::printf(
        "  build of 2000 log lines, round %d: %.3f s alone, %.3f s with 1000 "
        "watchers\n",
        round + 1, alone.back(), watched.back());
  }
  std::printf(
      "Build with 1000 watchers: median %.3f s vs %.3f s alone (ratio %.2f)\n",
      Median(watched), Median(alone), Median(watched) / Median(alone));
  return 0;
}

}  // namespace
}  // namespace sandboxd::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return sandboxd::testing::Run();
}
