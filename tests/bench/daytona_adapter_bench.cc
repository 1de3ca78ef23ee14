// The Daytona adapter's own cost per call: lib/daytona (DaytonaClient or
// DaytonaProvider on CurlHttpTransport) against a daytona_emulator child on
// loopback, each call alternating with a bare libcurl replay of exactly
// the HTTP requests that operation sends (same URLs and headers, one reused
// keep-alive easy handle). overhead = adapter - bare, per call, from the
// medians of several rounds. Also prints the connections opened for 100
// sequential calls (the property is asserted by daytona_adapter_emulator_test).
// Not a test: no pass/fail.
//
//   daytona_adapter_bench [--calls=500] [--rounds=5] [--sandboxes=5]
#include <curl/curl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/common/call_context.h"
#include "lib/common/clock.h"
#include "lib/daytona/curl_http_transport.h"
#include "lib/daytona/daytona_client.h"
#include "lib/daytona/daytona_options.h"
#include "lib/daytona/daytona_provider.h"
#include "lib/daytona/http_transport.h"
#include "lib/daytona/retry.h"
#include "lib/provider/provider.h"

ABSL_FLAG(int, calls, 500, "Calls per operation per round");
ABSL_FLAG(int, rounds, 5, "Interleaved rounds (medians are reported)");
ABSL_FLAG(int, sandboxes, 5, "Sandboxes provisioned (List returns them all)");

namespace sandboxd::daytona {
namespace {

// Forwards to CurlHttpTransport; while recording, keeps the requests sent.
class RecordingTransport final : public HttpTransport {
 public:
  explicit RecordingTransport(std::shared_ptr<HttpTransport> inner)
      : inner_(std::move(inner)) {}
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    {
      absl::MutexLock lock(&mu_);
      if (recording_) recorded_.push_back(request);
    }
    return inner_->Send(request);
  }
  void StartRecording() {
    absl::MutexLock lock(&mu_);
    recording_ = true;
    recorded_.clear();
  }
  std::vector<HttpRequest> StopRecording() {
    absl::MutexLock lock(&mu_);
    recording_ = false;
    return std::move(recorded_);
  }

 private:
  const std::shared_ptr<HttpTransport> inner_;
  absl::Mutex mu_;
  bool recording_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<HttpRequest> recorded_ ABSL_GUARDED_BY(mu_);
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// The baseline: the same GETs on one reused easy handle, no parsing.
class BareCurl {
 public:
  BareCurl() : easy_(curl_easy_init()) {
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &Append);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &body_);
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  }
  ~BareCurl() { curl_easy_cleanup(easy_); }
  // False unless every request got a 2xx.
  bool Replay(const std::vector<HttpRequest>& requests) {
    for (const HttpRequest& request : requests) {
      curl_slist* headers = nullptr;
      for (const auto& [name, value] : request.headers.entries()) {
        headers = curl_slist_append(headers, (name + ": " + value).c_str());
      }
      body_.clear();
      curl_easy_setopt(easy_, CURLOPT_URL, request.url.c_str());
      curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers);
      const CURLcode code = curl_easy_perform(easy_);
      long status = 0;
      curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
      curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, nullptr);
      curl_slist_free_all(headers);
      if (code != CURLE_OK || status / 100 != 2) return false;
    }
    return true;
  }

 private:
  CURL* easy_;
  std::string body_;
};

class EmulatorProcess {
 public:
  bool Start() {
    char tmpl[] = "/tmp/daytona-adapter-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return false;
    dir_ = tmpl;
    chmod(dir_.c_str(), 0711);  // the sandbox uid must reach its directory
    const std::string port_file = dir_ + "/port";
    const char* emulator = std::getenv("DAYTONA_EMULATOR");
    if (emulator == nullptr) emulator = DAYTONA_EMULATOR_PATH;
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      const std::string a1 = "--port_file=" + port_file;
      const std::string a2 = "--data_dir=" + dir_ + "/emulator";
      const std::string log = dir_ + "/emulator.log";
      if (freopen(log.c_str(), "w", stdout) == nullptr) _exit(126);
      dup2(1, 2);
      execl(emulator, emulator, a1.c_str(), a2.c_str(), "--transition_ms=50",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 400 && port_ == 0; ++i) {
      std::ifstream in(port_file);
      if (!(in >> port_)) absl::SleepFor(absl::Milliseconds(25));
    }
    return port_ != 0;
  }
  ~EmulatorProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string ApiUrl() const {
    return absl::StrCat("http://127.0.0.1:", port_, "/api");
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

CallContext Ctx() { return CallContext(absl::Now() + absl::Seconds(60)); }

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Per-call latencies in microseconds of `a` and `b`, called alternately so
// that both see the same background load; -1 marks a failed call.
using Latencies = std::vector<double>;
std::pair<Latencies, Latencies> TimeInterleaved(
    int calls, const std::function<bool()>& a, const std::function<bool()>& b) {
  auto time = [](const std::function<bool()>& call) {
    const auto start = std::chrono::steady_clock::now();
    const bool ok = call();
    const auto end = std::chrono::steady_clock::now();
    return ok ? std::chrono::duration<double, std::micro>(end - start).count()
              : -1.0;
  };
  std::pair<Latencies, Latencies> out;
  out.first.reserve(calls);
  out.second.reserve(calls);
  for (int i = 0; i < calls; ++i) {
    out.first.push_back(time(a));
    out.second.push_back(time(b));
  }
  return out;
}

struct Operation {
  std::string name;
  std::function<bool()> call;
};

int Run() {
  const int calls = absl::GetFlag(FLAGS_calls);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  EmulatorProcess emulator;
  if (!emulator.Start()) {
    std::fprintf(stderr, "daytona_emulator did not start\n");
    return 1;
  }
  DaytonaOptions options;
  options.api_url = emulator.ApiUrl();
  options.api_key = "dtn_bench_key";
  options.poll_initial = absl::Milliseconds(20);
  options.poll_max = absl::Milliseconds(100);
  auto curl = std::make_shared<CurlHttpTransport>();
  auto recording = std::make_shared<RecordingTransport>(curl);
  DaytonaProvider provider(options, recording, MakeRealSleeper(),
                           MakeSystemClock());
  for (int i = 0; i < absl::GetFlag(FLAGS_sandboxes); ++i) {
    ProvisionSpec spec;
    spec.sandbox_id = absl::StrCat("sbx-bench-", i);
    spec.owner = "bench";
    spec.project_name = "bench";
    if (absl::Status s = provider.Provision(spec, Ctx()); !s.ok()) {
      std::fprintf(stderr, "provision: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  auto listed = provider.List(Ctx());
  if (!listed.ok() || listed->empty()) {
    std::fprintf(stderr, "list failed\n");
    return 1;
  }
  const std::string daytona_id = listed->front().provider_ref;
  const std::string sandbox_id = listed->front().sandbox_id;
  DaytonaClient client(
      options, recording,
      std::make_shared<Retrier>(options.retry, MakeRealSleeper(),
                                MakeSystemClock()));

  const std::vector<Operation> operations = {
      {"DaytonaClient::GetSandbox",
       [&] { return client.GetSandbox(daytona_id, Ctx()).ok(); }},
      {"DaytonaClient::GetSignedPreviewUrl",
       [&] {
         return client
             .GetSignedPreviewUrl(daytona_id, 3000, absl::Hours(1), Ctx())
             .ok();
       }},
      {"DaytonaProvider::List", [&] { return provider.List(Ctx()).ok(); }},
      {"DaytonaProvider::ResolvePreview",
       [&] { return provider.ResolvePreview(sandbox_id, Ctx()).ok(); }},
  };

  BareCurl bare;
  std::printf(
      "daytona_adapter_bench: %d calls x %d rounds, %d sandboxes, "
      "loopback emulator\n",
      calls, rounds, absl::GetFlag(FLAGS_sandboxes));
  std::printf("%-45s %5s %12s %12s %12s\n", "operation (p50 per call, us)",
              "http", "adapter_us", "bare_us", "overhead_us");
  for (const Operation& op : operations) {
    op.call();  // warm: caches, connection
    recording->StartRecording();
    const bool ok = op.call();
    const std::vector<HttpRequest> requests = recording->StopRecording();
    if (!ok || !bare.Replay(requests)) {
      std::fprintf(stderr, "%s failed\n", op.name.c_str());
      return 1;
    }
    std::vector<double> adapter_p50, bare_p50;
    for (int r = 0; r < rounds; ++r) {
      auto [a, b] = TimeInterleaved(calls, op.call,
                                    [&] { return bare.Replay(requests); });
      if (std::count(a.begin(), a.end(), -1.0) +
              std::count(b.begin(), b.end(), -1.0) >
          0) {
        std::fprintf(stderr, "%s: failed calls\n", op.name.c_str());
        return 1;
      }
      adapter_p50.push_back(Median(a));
      bare_p50.push_back(Median(b));
      std::printf("  round %d  %-34s %5zu %12.1f %12.1f %12.1f\n", r + 1,
                  op.name.c_str(), requests.size(), adapter_p50.back(),
                  bare_p50.back(), adapter_p50.back() - bare_p50.back());
    }
    const double a = Median(adapter_p50), b = Median(bare_p50);
    std::printf("median     %-34s %5zu %12.1f %12.1f %12.1f\n", op.name.c_str(),
                requests.size(), a, b, a - b);
  }

  // Connections for 100 sequential calls on a fresh transport.
  auto fresh = std::make_shared<CurlHttpTransport>();
  DaytonaProvider counted(options, fresh, MakeRealSleeper(), MakeSystemClock());
  DaytonaClient counted_client(
      options, fresh,
      std::make_shared<Retrier>(options.retry, MakeRealSleeper(),
                                MakeSystemClock()));
  for (int i = 0; i < 100; ++i) {
    const bool ok = i % 2 == 0
                        ? counted.List(Ctx()).ok()
                        : counted_client.GetSandbox(daytona_id, Ctx()).ok();
    if (!ok) {
      std::fprintf(stderr, "sequential call %d failed\n", i);
      return 1;
    }
  }
  std::printf(
      "connections opened for 100 sequential calls (List/GetSandbox, "
      "one host): %lld\n",
      static_cast<long long>(fresh->connections_opened()));
  for (int i = 0; i < absl::GetFlag(FLAGS_sandboxes); ++i) {
    (void)provider.Destroy(absl::StrCat("sbx-bench-", i), Ctx());
  }
  return 0;
}

}  // namespace
}  // namespace sandboxd::daytona

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const int rc = sandboxd::daytona::Run();
  curl_global_cleanup();
  return rc;
}
