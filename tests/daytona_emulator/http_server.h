// A small blocking HTTP/1.1 server (Boost.Beast) for the Daytona emulator:
// one thread per connection, keep-alive, chunked request bodies, and the
// connection-level faults the emulator injects (dropped connections, delays).
// Test-only; not part of sandboxd.
#ifndef SANDBOXD_TESTS_DAYTONA_EMULATOR_HTTP_SERVER_H_
#define SANDBOXD_TESTS_DAYTONA_EMULATOR_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"

namespace sandboxd::emulator {

struct Request {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // target without the query string
  std::map<std::string, std::string> query;  // decoded; last value wins
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Close the connection abruptly (RST) instead of answering.
  bool drop = false;
};

// Thread-safety: Start, port and Shutdown may be called from any thread; the
// handler is called concurrently from connection threads.
class HttpServer {
 public:
  using Handler = std::function<Reply(const Request&)>;

  // Binds host:port (0: ephemeral) and starts the accept thread.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& host, int port, Handler handler);
  ~HttpServer();

  int port() const { return port_; }
  // Blocks until Shutdown is called from another thread (or forever).
  void Wait();
  void Shutdown();

 private:
  HttpServer(Handler handler);
  void AcceptLoop();
  void Serve(boost::asio::ip::tcp::socket socket);

  Handler handler_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
};

// Percent-decoding ('+' is a space in query strings).
std::string UrlDecode(const std::string& text);

}  // namespace sandboxd::emulator

#endif  // SANDBOXD_TESTS_DAYTONA_EMULATOR_HTTP_SERVER_H_
