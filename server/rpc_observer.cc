#include "server/rpc_observer.h"

#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "lib/http/json_error.h"

namespace sandboxd {
namespace {

using ::grpc::experimental::InterceptionHookPoints;

constexpr const char* kCodeNames[] = {"OK",
                                      "CANCELLED",
                                      "UNKNOWN",
                                      "INVALID_ARGUMENT",
                                      "DEADLINE_EXCEEDED",
                                      "NOT_FOUND",
                                      "ALREADY_EXISTS",
                                      "PERMISSION_DENIED",
                                      "RESOURCE_EXHAUSTED",
                                      "FAILED_PRECONDITION",
                                      "ABORTED",
                                      "OUT_OF_RANGE",
                                      "UNIMPLEMENTED",
                                      "INTERNAL",
                                      "UNAVAILABLE",
                                      "DATA_LOSS",
                                      "UNAUTHENTICATED"};

const char* CodeName(grpc::StatusCode code) {
  int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kCodeNames[i] : "UNKNOWN";
}

class ObserverInterceptor final : public grpc::experimental::Interceptor {
 public:
  ObserverInterceptor(grpc::experimental::ServerRpcInfo* info,
                      std::shared_ptr<RpcObserver> observer)
      : info_(info), observer_(std::move(observer)), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      observer_->Record(info_->method(), info_->server_context()->peer(),
                        methods->GetSendStatus(),
                        absl::ToDoubleSeconds(absl::Now() - start_));
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* const info_;
  const std::shared_ptr<RpcObserver> observer_;
  const absl::Time start_;
};

class ObserverFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ObserverFactory(std::shared_ptr<RpcObserver> observer)
      : observer_(std::move(observer)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ObserverInterceptor(info, observer_);
  }

 private:
  std::shared_ptr<RpcObserver> observer_;
};

}  // namespace

RpcObserver::RpcObserver(MetricsRegistry* metrics, bool log) : log_(log) {
  if (metrics == nullptr) return;
  rpcs_ = metrics->AddCounter("sandboxd_rpcs_total",
                              "RPCs handled, by method and status code",
                              {"method", "code"});
  latency_ = metrics->AddHistogram("sandboxd_rpc_duration_seconds",
                                   "RPC latency by method", {"method"},
                                   {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                    0.05, 0.1, 0.25, 1, 5, 30, 300});
}

void RpcObserver::Record(const std::string& method, const std::string& peer,
                         const grpc::Status& status, double seconds) {
  const char* code = CodeName(status.error_code());
  if (rpcs_ != nullptr) {
    rpcs_->Increment({method, code});
    latency_->Observe({method}, seconds);
  }
  if (!log_) return;
  std::string line = absl::StrFormat(
      "{\"time\":\"%s\",\"event\":\"rpc\",\"method\":",
      absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone()));
  AppendJsonString(line, method);
  line += ",\"peer\":";
  AppendJsonString(line, peer);
  absl::StrAppendFormat(&line, ",\"code\":\"%s\",\"duration_ms\":%.3f", code,
                        seconds * 1000);
  if (!status.ok()) {
    line += ",\"message\":";
    AppendJsonString(line, status.error_message());
  }
  line += "}\n";
  // One write per line keeps concurrent lines whole.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRpcObserverInterceptor(std::shared_ptr<RpcObserver> observer) {
  return std::make_unique<ObserverFactory>(std::move(observer));
}

}  // namespace sandboxd
