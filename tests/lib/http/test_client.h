// A blocking HTTP/1.1 client on Beast for the lib/http integration tests:
// raw bytes or whole messages over one TCP connection to 127.0.0.1. Every
// read gives up after a few seconds, so a server bug fails a test instead of
// hanging it. Not thread-safe.
#ifndef SANDBOXD_TESTS_LIB_HTTP_TEST_CLIENT_H_
#define SANDBOXD_TESTS_LIB_HTTP_TEST_CLIENT_H_

#include <sys/socket.h>
#include <sys/time.h>

#include <string>
#include <string_view>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/write.hpp"
#include "lib/http/handler.h"

namespace sandboxd::testing {

class TestClient {
 public:
  explicit TestClient(int port) : socket_(ioc_) {
    boost::asio::ip::tcp::endpoint endpoint(
        boost::asio::ip::make_address("127.0.0.1"),
        static_cast<unsigned short>(port));
    socket_.connect(endpoint, connect_error_);
    if (!connect_error_) {
      timeval timeout{5, 0};
      setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
                 sizeof(timeout));
      setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout,
                 sizeof(timeout));
    }
  }

  bool connected() const { return !connect_error_; }
  boost::asio::ip::tcp::socket& socket() { return socket_; }
  boost::beast::flat_buffer& buffer() { return buffer_; }

  bool SendRaw(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()),
                       ec);
    return !ec;
  }

  bool Send(HttpRequest request) {
    request.version(11);
    if (!request.count(boost::beast::http::field::host)) {
      request.set(boost::beast::http::field::host, "127.0.0.1");
    }
    request.prepare_payload();
    boost::system::error_code ec;
    boost::beast::http::write(socket_, request, ec);
    return !ec;
  }

  // Reads one response; on failure `error` says why and the result is empty.
  HttpResponse Read(boost::system::error_code* error = nullptr) {
    HttpResponse response;
    boost::system::error_code ec;
    boost::beast::http::read(socket_, buffer_, response, ec);
    if (error != nullptr) *error = ec;
    return response;
  }

  HttpResponse Get(std::string target) {
    Send(HttpRequest(boost::beast::http::verb::get, target, 11));
    return Read();
  }

  // Appends raw bytes from the socket to `raw_` until it contains `marker`.
  // Returns false on error, end of stream or timeout.
  bool ReadUntil(std::string_view marker) {
    while (raw_.find(marker) == std::string::npos) {
      char chunk[4096];
      boost::system::error_code ec;
      size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
      if (ec) return false;
      raw_.append(chunk, n);
    }
    return true;
  }
  const std::string& raw() const { return raw_; }

  // True if the server closes the connection (EOF or reset) before sending
  // anything more.
  bool ServerClosed() {
    char byte;
    boost::system::error_code ec;
    size_t n = socket_.read_some(boost::asio::buffer(&byte, 1), ec);
    return n == 0 && (ec == boost::asio::error::eof ||
                      ec == boost::asio::error::connection_reset);
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::system::error_code connect_error_;
  boost::beast::flat_buffer buffer_;
  std::string raw_;
};

}  // namespace sandboxd::testing

#endif  // SANDBOXD_TESTS_LIB_HTTP_TEST_CLIENT_H_
