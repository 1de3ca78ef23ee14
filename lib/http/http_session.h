// One HTTP/1.1 connection of the HTTP front: reads requests under the
// server's limits, routes them, writes plain responses and chunked streams,
// keeps the connection alive between requests, and hands the socket to
// takeover handlers. Internal to lib/http; created by HttpServer.
//
// With TLS (HttpStream over a TLS stream) the session handshakes before its
// first read; it reads and writes `stream_` only through Beast's generic
// algorithms and reaches the TCP socket (timeouts, disconnect watch,
// shutdown) through `Socket()`. Connections end without a TLS close_notify:
// HTTP/1.1 framing already tells the client where each response ends.
#ifndef SANDBOXD_LIB_HTTP_HTTP_SESSION_H_
#define SANDBOXD_LIB_HTTP_HTTP_SESSION_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/parser.hpp"
#include "lib/http/handler.h"
#include "lib/http/http_stream.h"
#include "lib/http/server_core.h"
#include "lib/http/stream_channel.h"

namespace sandboxd {

// Not thread-safe: every method runs on the connection's strand (the stream's
// executor). Other threads reach a session only through PostToSession. Each
// entry point is called through a shared_ptr that keeps the session alive
// for its duration (the server's registry holds one while it is open).
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(ServerCore& core, HttpStream stream);
  ~HttpSession();

  // Safe from any thread (PostToSession uses it).
  const boost::asio::any_io_executor& executor() const { return executor_; }

  // Handshakes (TLS), then serves requests.
  void Start();
  // Over the connection cap: answer 503 (after the TLS handshake) and close.
  void Reject();
  // The server is shutting down: close now if idle, else after the exchange.
  void BeginDrain();
  // The shutdown grace is over.
  void ForceClose();

  // From a Responder.
  void DeliverResponse(HttpResponse response);
  // From a StreamWriter: write out what its channel holds.
  void PumpStream();

 private:
  enum class State {
    kWaiting,
    kReading,
    kHandling,
    kWriting,
    kStreaming,
    kClosing
  };
  using error_code = boost::beast::error_code;

  boost::asio::ip::tcp::socket& Socket() { return stream_.socket(); }
  SessionRef Ref() { return {core_.liveness, weak_from_this()}; }

  // Reading (http_session.cc).
  void Handshake(void (HttpSession::*then)());
  void RejectNow();
  void ReadNextRequest();
  void OnFirstBytes(error_code ec, size_t bytes);
  void ReadHeader();
  void OnHeader(error_code ec, size_t bytes);
  void RouteRequest();
  void SendContinue();
  void ReadBody();
  void OnBodyRead(error_code ec, size_t bytes);
  void OnRequest();
  void ArmReadTimer(absl::Duration timeout);
  bool DisarmReadTimer();  // true if it had fired
  void OnReadError(error_code ec, bool timed_out);

  // Responses (http_session.cc).
  void WriteResponse(HttpResponse response);
  void OnResponseWritten(error_code ec, size_t bytes);
  void WriteError(boost::beast::http::status status, int grpc_code,
                  std::string message);
  void LingerClose();
  void DrainUntilEof();
  void Close();
  void LogAccess(int status);

  // Streams and takeover (http_session_stream.cc).
  void DispatchStream(const StreamHandler& handler, HttpRequest request);
  std::string EncodeBatch(StreamChannel::Batch& batch);
  void AbandonStream();
  std::string StreamHeaderBytes(HttpResponseHeader header);
  void OnStreamWritten(error_code ec, size_t bytes);
  void EndStream();
  void WatchForDisconnect();
  void OnReadable(error_code ec);  // for the current watch only
  void Takeover(const TakeoverHandler& handler);

  ServerCore& core_;
  const boost::asio::any_io_executor executor_;  // the connection's strand
  HttpStream stream_;
  boost::beast::flat_buffer buffer_;
  boost::asio::steady_timer read_timer_;
  uint64_t read_timer_generation_ = 0;
  bool read_timed_out_ = false;

  State state_ = State::kWaiting;
  bool first_request_ = true;
  bool keep_alive_ = false;
  bool draining_ = false;
  bool closed_ = false;
  bool linger_ = false;  // the client may still be sending: drain before close

  std::unique_ptr<
      boost::beast::http::request_parser<boost::beast::http::empty_body>>
      header_parser_;
  std::unique_ptr<
      boost::beast::http::request_parser<boost::beast::http::string_body>>
      body_parser_;
  const Handler* handler_ = nullptr;
  boost::beast::http::status route_status_ = boost::beast::http::status::ok;
  std::shared_ptr<HttpResponse> response_;

  std::shared_ptr<StreamChannel> channel_;
  std::string stream_bytes_;  // in flight
  bool stream_started_ = false;
  bool stream_writing_ = false;
  bool stream_finishing_ = false;
  uint64_t watch_generation_ = 0;
  int stream_status_ = 0;

  std::string method_;
  std::string target_;
  absl::Time request_start_;
  std::array<char, 4096> drain_buffer_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_HTTP_SESSION_H_
