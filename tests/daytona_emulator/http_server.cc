#include "tests/daytona_emulator/http_server.h"

#include <sys/socket.h>

#include <cctype>
#include <thread>

#include "absl/strings/ascii.h"
#include "boost/asio/socket_base.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/beast/http/write.hpp"

namespace sandboxd::emulator {
namespace {

namespace http = boost::beast::http;
using boost::asio::ip::tcp;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::map<std::string, std::string> ParseQuery(const std::string& query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      if (eq == std::string::npos) {
        out[UrlDecode(pair)] = "";
      } else {
        out[UrlDecode(pair.substr(0, eq))] = UrlDecode(pair.substr(eq + 1));
      }
    }
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string UrlDecode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() + 0 &&
               HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 +
                                      HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

HttpServer::HttpServer(Handler handler) : handler_(std::move(handler)) {}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& host, int port, Handler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(handler)));
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError("bad listen address: " + host);
  auto acceptor = std::make_unique<tcp::acceptor>(server->io_);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(boost::asio::socket_base::reuse_address(true));
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec)
    acceptor->listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen on " + host + ":" +
                                  std::to_string(port) + ": " + ec.message());
  }
  server->port_ = acceptor->local_endpoint().port();
  server->acceptor_ = std::move(acceptor);
  server->accept_thread_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

HttpServer::~HttpServer() { Shutdown(); }

void HttpServer::Wait() {
  if (accept_thread_.joinable()) accept_thread_.join();
}

void HttpServer::Shutdown() {
  if (stopping_.exchange(true)) return;
  boost::system::error_code ec;
  // Wakes the blocking accept() (close alone does not on Linux).
  ::shutdown(acceptor_->native_handle(), SHUT_RDWR);
  acceptor_->cancel(ec);
  acceptor_->close(ec);
  if (accept_thread_.joinable()) accept_thread_.join();
}

void HttpServer::AcceptLoop() {
  while (!stopping_.load()) {
    boost::system::error_code ec;
    tcp::socket socket(io_);
    acceptor_->accept(socket, ec);
    if (ec) {
      if (stopping_.load()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    std::thread([this, s = std::move(socket)]() mutable {
      Serve(std::move(s));
    }).detach();
  }
}

void HttpServer::Serve(tcp::socket socket) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    boost::system::error_code ec;
    http::request_parser<http::string_body> parser;
    parser.body_limit(1024ull * 1024 * 1024);
    parser.header_limit(256 * 1024);
    http::read(socket, buffer, parser, ec);
    if (ec) break;
    auto& raw = parser.get();
    Request request;
    request.method = std::string(raw.method_string());
    std::string target(raw.target());
    size_t q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos)
      request.query = ParseQuery(target.substr(q + 1));
    for (const auto& field : raw) {
      request.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    request.body = std::move(raw.body());
    const bool keep_alive = raw.keep_alive();

    Reply reply = handler_(request);
    if (reply.drop) {
      socket.set_option(boost::asio::socket_base::linger(true, 0), ec);
      socket.close(ec);
      return;
    }
    http::response<http::string_body> response;
    response.version(11);
    response.result(static_cast<unsigned>(reply.status));
    for (const auto& [name, value] : reply.headers) response.set(name, value);
    response.body() = std::move(reply.body);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    http::write(socket, response, ec);
    if (ec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace sandboxd::emulator
