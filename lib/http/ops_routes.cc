#include "lib/http/ops_routes.h"

#include <string>
#include <utility>

#include "lib/http/responder.h"

namespace sandboxd {

namespace http = boost::beast::http;

namespace {

HttpResponse TextResponse(http::status status, std::string content_type,
                          std::string body) {
  HttpResponse response(status, 11);
  response.set(http::field::content_type, std::move(content_type));
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  return response;
}

}  // namespace

void AddOpsRoutes(Router& router, MetricsRegistry* metrics,
                  std::function<bool()> ready) {
  router.Handle(http::verb::get, "/healthz",
                PlainHandler([](HttpRequest, Responder responder) {
                  responder.Send(TextResponse(
                      http::status::ok, "text/plain; charset=utf-8", "ok"));
                }));
  router.Handle(
      http::verb::get, "/readyz",
      PlainHandler(
          [ready = std::move(ready)](HttpRequest, Responder responder) {
            bool is_ready = ready();
            responder.Send(TextResponse(
                is_ready ? http::status::ok : http::status::service_unavailable,
                "text/plain; charset=utf-8", is_ready ? "ready" : "not ready"));
          }));
  router.Handle(http::verb::get, "/metrics",
                PlainHandler([metrics](HttpRequest, Responder responder) {
                  responder.Send(TextResponse(http::status::ok,
                                              "text/plain; version=0.0.4",
                                              metrics->RenderText()));
                }));
}

}  // namespace sandboxd
