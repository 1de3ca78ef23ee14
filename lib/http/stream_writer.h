// The producer side of a streaming response (chunked transfer encoding), given
// to streaming handlers (lib/http/handler.h): the REST transcoder's
// server-streaming calls (NDJSON), and anything else that writes as it goes.
#ifndef SANDBOXD_LIB_HTTP_STREAM_WRITER_H_
#define SANDBOXD_LIB_HTTP_STREAM_WRITER_H_

#include <functional>
#include <memory>
#include <string>

#include "lib/http/handler.h"
#include "lib/http/server_core.h"
#include "lib/http/stream_channel.h"

namespace sandboxd {

// Thread-safe: every method may be called from any thread; none blocks except
// WriteBlocking. Sequence: Start (optional: Write starts with 200), Write...,
// Finish; or Respond once instead of streaming.
//
// Flow control: chunks queue up to HttpServerOptions::stream_queue_bytes; past
// that Write answers kFull without queuing, and the drained callback runs (on
// an io thread) once the queue has been handed to the socket. A producer that
// cannot wait uses the callback; one on its own thread may use WriteBlocking.
//
// Cancellation: the closed callback runs once (on an io thread, or at once in
// SetOnClosed if already closed) when the client disconnects, a write fails or
// times out, or the server shuts down before Finish was written out; then
// every call answers kClosed / false.
//
// Dropping the last reference without Finish or Respond ends the exchange: a
// 500 if nothing was sent yet, otherwise the connection is closed so the
// client sees a truncated stream.
class StreamWriter {
 public:
  enum class WriteResult { kAccepted, kFull, kClosed };

  // Created by the server for each streaming request.
  StreamWriter(std::shared_ptr<StreamChannel> channel, SessionRef session);
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;
  ~StreamWriter();

  // A complete response instead of a stream; false if already started/closed.
  bool Respond(HttpResponse response);
  // Sends the status and fields with Transfer-Encoding: chunked (the server
  // sets it, the version and keep-alive). False if already started/closed.
  bool Start(HttpResponseHeader header);
  WriteResult Write(std::string chunk);
  // Waits for room, then queues. False if the stream is closed. Never call it
  // from an io thread (a handler or a callback): it waits for one.
  bool WriteBlocking(std::string chunk);
  // Writes the last chunk after the queued ones. False if closed.
  bool Finish();
  bool closed() const;

  void SetOnDrained(std::function<void()> callback);
  void SetOnClosed(std::function<void()> callback);

 private:
  void WakeSession();

  std::shared_ptr<StreamChannel> channel_;
  SessionRef session_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_STREAM_WRITER_H_
