// The operational endpoints of the HTTP front: /healthz, /readyz, /metrics.
// Registered by server/main.cc on the router it gives HttpServer::Start.
#ifndef SANDBOXD_LIB_HTTP_OPS_ROUTES_H_
#define SANDBOXD_LIB_HTTP_OPS_ROUTES_H_

#include <functional>

#include "lib/http/router.h"
#include "lib/metrics/metrics_registry.h"

namespace sandboxd {

// GET /healthz: 200 "ok" while the process runs.
// GET /readyz: 200 "ready" or 503 "not ready", from `ready()` (false while
//   sandboxd drains).
// GET /metrics: `metrics->RenderText()` as text/plain; version=0.0.4.
// `metrics` and `ready` must outlive the server and be callable from io
// threads concurrently (MetricsRegistry is thread-safe).
void AddOpsRoutes(Router& router, MetricsRegistry* metrics,
                  std::function<bool()> ready);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_OPS_ROUTES_H_
