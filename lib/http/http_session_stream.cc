// HttpSession's streaming responses and connection takeover.
#include <sstream>

#include "absl/strings/str_format.h"
#include "boost/asio/write.hpp"
#include "boost/beast/core/bind_handler.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/write.hpp"
#include "lib/http/http_session.h"
#include "lib/http/json_error.h"
#include "lib/http/stream_writer.h"

namespace sandboxd {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {
constexpr int kInternal = 13;  // google.rpc.Code INTERNAL
}  // namespace

void HttpSession::DispatchStream(const StreamHandler& handler,
                                 HttpRequest request) {
  channel_ = std::make_shared<StreamChannel>(core_.options.stream_queue_bytes);
  stream_started_ = false;
  stream_writing_ = false;
  stream_finishing_ = false;
  WatchForDisconnect();
  handler(std::move(request), std::make_shared<StreamWriter>(channel_, Ref()));
}

void HttpSession::PumpStream() {
  if (closed_ || channel_ == nullptr || stream_writing_) return;
  StreamChannel::Batch batch = channel_->Take();
  if (batch.response.has_value()) {
    channel_.reset();
    WriteResponse(std::move(*batch.response));
    return;
  }
  std::string bytes = EncodeBatch(batch);
  if (batch.abandoned && !stream_finishing_) {
    AbandonStream();
    return;
  }
  if (bytes.empty()) return;
  stream_bytes_ = std::move(bytes);
  stream_writing_ = true;
  stream_.expires_after(ToChrono(core_.options.write_timeout));
  net::async_write(stream_, net::buffer(stream_bytes_),
                   beast::bind_front_handler(&HttpSession::OnStreamWritten,
                                             shared_from_this()));
}

std::string HttpSession::EncodeBatch(StreamChannel::Batch& batch) {
  std::string bytes;
  if (batch.header.has_value()) {
    stream_started_ = true;
    state_ = State::kStreaming;
    stream_status_ = batch.header->result_int();
    bytes = StreamHeaderBytes(std::move(*batch.header));
  }
  for (const std::string& chunk : batch.chunks) {
    absl::StrAppendFormat(&bytes, "%x\r\n", chunk.size());
    bytes += chunk;
    bytes += "\r\n";
  }
  if (batch.finish) {
    bytes += "0\r\n\r\n";
    stream_finishing_ = true;
  }
  return bytes;
}

void HttpSession::AbandonStream() {
  if (stream_started_) {
    // Without the last chunk the client sees the stream as failed.
    Close();
    return;
  }
  channel_.reset();
  WriteResponse(MakeJsonErrorResponse(http::status::internal_server_error,
                                      kInternal,
                                      "handler dropped the request"));
}

std::string HttpSession::StreamHeaderBytes(HttpResponseHeader header) {
  http::response<http::empty_body> message(std::move(header));
  message.version(11);
  // A handler may ask to close by setting Connection: close itself.
  keep_alive_ =
      keep_alive_ && message.keep_alive() && !draining_ && !core_.draining();
  message.keep_alive(keep_alive_);
  message.erase(http::field::content_length);
  message.chunked(true);
  std::ostringstream out;
  out << message.base();
  return std::move(out).str();
}

void HttpSession::OnStreamWritten(error_code ec, size_t) {
  stream_writing_ = false;
  stream_bytes_.clear();
  if (closed_) return;
  if (ec) {
    Close();
    return;
  }
  if (stream_finishing_) {
    EndStream();
    return;
  }
  PumpStream();
}

void HttpSession::EndStream() {
  channel_->MarkComplete();
  channel_.reset();
  LogAccess(stream_status_);
  if (keep_alive_ && !draining_ && !core_.draining()) {
    ReadNextRequest();
  } else {
    LingerClose();
  }
}

void HttpSession::WatchForDisconnect() {
  // The producer may stay quiet for long (a call still running, a build
  // waiting in the queue): watch the socket so a client that leaves is
  // reported at once, not at the next write.
  uint64_t generation = ++watch_generation_;
  Socket().async_wait(net::ip::tcp::socket::wait_read,
                      [self = shared_from_this(), generation](error_code ec) {
                        // A watch left from an earlier stream on this
                        // connection is stale.
                        if (generation != self->watch_generation_) return;
                        self->OnReadable(ec);
                      });
}

void HttpSession::OnReadable(error_code ec) {
  if (closed_ || channel_ == nullptr) return;
  if (ec == net::error::operation_aborted) return;
  if (ec) {
    Close();
    return;
  }
  char byte;
  error_code peek_ec;
  Socket().non_blocking(true, peek_ec);
  size_t n = Socket().receive(net::buffer(&byte, 1),
                              net::ip::tcp::socket::message_peek, peek_ec);
  if (peek_ec == net::error::would_block) {
    WatchForDisconnect();
  } else if (peek_ec || n == 0) {
    Close();
  }
  // Otherwise the client pipelined its next request: it is still there, and
  // the bytes wait in the socket for ReadNextRequest.
}

void HttpSession::Takeover(const TakeoverHandler& handler) {
  stream_.expires_never();
  TakeoverContext context{std::move(stream_), std::move(buffer_),
                          std::move(header_parser_),
                          ConnectionSlot(core_.taken_over), core_.liveness};
  // The slot counts the connection before the registry forgets it, so the
  // connection cap never undercounts.
  closed_ = true;
  read_timer_.cancel();
  core_.Unregister(this);
  handler(std::move(context));
}

}  // namespace sandboxd
