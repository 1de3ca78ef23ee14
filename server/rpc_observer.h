// A gRPC server interceptor that writes one structured log line per RPC
// (method, peer, status, duration) and feeds the RPC metrics. It sees every
// call, whether it came over gRPC directly or through the REST front.
#ifndef SANDBOXD_SERVER_RPC_OBSERVER_H_
#define SANDBOXD_SERVER_RPC_OBSERVER_H_

#include <memory>
#include <string>

#include "grpcpp/support/server_interceptor.h"
#include "lib/metrics/metrics_registry.h"

namespace sandboxd {

// Writes and counts; shared by every call. Thread-safe.
class RpcObserver {
 public:
  // `metrics` may be null; `log` false disables the per-RPC log line.
  RpcObserver(MetricsRegistry* metrics, bool log);
  void Record(const std::string& method, const std::string& peer,
              const grpc::Status& status, double seconds);

 private:
  const bool log_;
  CounterFamily* rpcs_ = nullptr;
  HistogramFamily* latency_ = nullptr;
};

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRpcObserverInterceptor(std::shared_ptr<RpcObserver> observer);

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_RPC_OBSERVER_H_
