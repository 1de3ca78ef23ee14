#include "lib/http/http_server.h"

#include <utility>

#include "absl/status/status.h"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "lib/common/status_macros.h"
#include "lib/http/http_session.h"
#include "lib/http/listen_address.h"
#include "lib/http/server_core.h"
#include "lib/http/tls_context.h"

namespace sandboxd {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

namespace {

// After a failed accept (e.g. out of file descriptors), wait before retrying
// instead of spinning.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);
// After the grace, closing a connection needs only its strand to run.
constexpr absl::Duration kForceCloseWait = absl::Seconds(2);

absl::StatusOr<tcp::endpoint> Resolve(net::io_context& ioc,
                                      const ListenAddress& address) {
  boost::system::error_code ec;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(address.host, std::to_string(address.port),
                                  tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return absl::UnavailableError("http: resolve \"" + address.host +
                                  "\": " + ec.message());
  }
  return results.begin()->endpoint();
}

absl::StatusOr<tcp::acceptor> Listen(net::io_context& ioc,
                                     const tcp::endpoint& endpoint) {
  tcp::acceptor acceptor(net::make_strand(ioc));
  boost::system::error_code ec;
  auto fail = [&](const char* step) {
    return absl::UnavailableError(
        "http: " + std::string(step) + " " + endpoint.address().to_string() +
        ":" + std::to_string(endpoint.port()) + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail("open");
  if (acceptor.set_option(net::socket_base::reuse_address(true), ec); ec) {
    return fail("set SO_REUSEADDR on");
  }
  if (acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) {
    return fail("listen on");
  }
  return acceptor;
}

}  // namespace

ServerCore::ServerCore(HttpServerOptions options_in,
                       std::shared_ptr<const Router> router_in)
    : options(std::move(options_in)), router(std::move(router_in)) {}

bool ServerCore::TryRegister(std::shared_ptr<HttpSession> session) {
  absl::MutexLock lock(&mu_);
  int open = static_cast<int>(sessions_.size()) + taken_over->load();
  if (draining() || open >= options.max_connections) return false;
  HttpSession* key = session.get();
  sessions_.emplace(key, std::move(session));
  return true;
}

void ServerCore::Unregister(HttpSession* session) {
  // The reference is released outside the lock: the session may die with it.
  std::shared_ptr<HttpSession> released;
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  released = std::move(it->second);
  sessions_.erase(it);
}

std::vector<std::shared_ptr<HttpSession>> ServerCore::Sessions() {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<HttpSession>> out;
  out.reserve(sessions_.size());
  for (const auto& [key, session] : sessions_) out.push_back(session);
  return out;
}

bool ServerCore::AwaitNoSessions(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto empty = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return sessions_.empty();
  };
  return mu_.AwaitWithTimeout(absl::Condition(&empty), timeout);
}

absl::StatusOr<std::unique_ptr<ServerCore>> ServerCore::Create(
    HttpServerOptions options, std::shared_ptr<const Router> router) {
  std::unique_ptr<boost::asio::ssl::context> tls;
  if (options.tls.has_value()) {
    ASSIGN_OR_RETURN(tls, MakeServerTlsContext(*options.tls));
  }
  auto core =
      std::make_unique<ServerCore>(std::move(options), std::move(router));
  core->tls = std::move(tls);
  return core;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpServerOptions options, std::shared_ptr<Router> router) {
  if (options.io_threads < 1) {
    return absl::InvalidArgumentError("http: io_threads must be >= 1");
  }
  if (router == nullptr) return absl::InvalidArgumentError("http: no router");
  ASSIGN_OR_RETURN(ListenAddress address, ParseListenAddress(options.address));
  ASSIGN_OR_RETURN(std::unique_ptr<ServerCore> core,
                   ServerCore::Create(std::move(options), std::move(router)));
  ASSIGN_OR_RETURN(tcp::endpoint endpoint, Resolve(core->ioc, address));
  ASSIGN_OR_RETURN(tcp::acceptor acceptor, Listen(core->ioc, endpoint));
  std::unique_ptr<HttpServer> server(
      new HttpServer(std::move(core), std::move(acceptor)));
  return server;
}

HttpServer::HttpServer(std::unique_ptr<ServerCore> core, tcp::acceptor acceptor)
    : core_(std::move(core)),
      acceptor_(std::move(acceptor)),
      accept_retry_timer_(acceptor_.get_executor()),
      work_guard_(core_->ioc.get_executor()) {
  port_ = acceptor_.local_endpoint().port();
  net::post(acceptor_.get_executor(), [this] { Accept(); });
  for (int i = 0; i < core_->options.io_threads; ++i) {
    threads_.emplace_back([this] { core_->ioc.run(); });
  }
}

HttpServer::~HttpServer() { Shutdown(absl::ZeroDuration()); }

void HttpServer::Accept() {
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor_.async_accept(
      net::make_strand(core_->ioc),
      [this](boost::system::error_code ec, tcp::socket socket) {
        OnAccept(ec, std::move(socket));
      });
}

void HttpServer::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open() || ec == net::error::operation_aborted) return;
  if (ec) {
    accept_retry_timer_.expires_after(kAcceptRetryDelay);
    accept_retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && acceptor_.is_open()) Accept();
    });
    return;
  }
  beast::tcp_stream tcp_stream(std::move(socket));
  auto session = std::make_shared<HttpSession>(
      *core_, core_->tls == nullptr
                  ? HttpStream(std::move(tcp_stream))
                  : HttpStream(std::move(tcp_stream), *core_->tls));
  bool admitted = core_->TryRegister(session);
  net::post(session->executor(), [session, admitted] {
    if (admitted) {
      session->Start();
    } else {
      session->Reject();
    }
  });
  Accept();
}

void HttpServer::Shutdown(absl::Duration grace) {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  core_->StartDraining();
  net::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_timer_.cancel();
  });
  for (auto& session : core_->Sessions()) {
    net::post(session->executor(), [session] { session->BeginDrain(); });
  }
  if (!core_->AwaitNoSessions(grace)) {
    for (auto& session : core_->Sessions()) {
      net::post(session->executor(), [session] { session->ForceClose(); });
    }
    core_->AwaitNoSessions(kForceCloseWait);
  }
  {
    absl::MutexLock liveness_lock(&core_->liveness->mu);
    core_->liveness->alive = false;
  }
  work_guard_.reset();
  core_->ioc.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

}  // namespace sandboxd
