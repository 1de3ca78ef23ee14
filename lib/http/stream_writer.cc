#include "lib/http/stream_writer.h"

#include "lib/http/http_session.h"

namespace sandboxd {

StreamWriter::StreamWriter(std::shared_ptr<StreamChannel> channel,
                           SessionRef session)
    : channel_(std::move(channel)), session_(std::move(session)) {}

StreamWriter::~StreamWriter() {
  bool wake = false;
  channel_->Abandon(wake);
  if (wake) WakeSession();
}

void StreamWriter::WakeSession() {
  PostToSession(session_, [](HttpSession& session) { session.PumpStream(); });
}

bool StreamWriter::Respond(HttpResponse response) {
  bool wake = false;
  bool ok = channel_->Respond(std::move(response), wake);
  if (wake) WakeSession();
  return ok;
}

bool StreamWriter::Start(HttpResponseHeader header) {
  bool wake = false;
  bool ok = channel_->Start(std::move(header), wake);
  if (wake) WakeSession();
  return ok;
}

StreamWriter::WriteResult StreamWriter::Write(std::string chunk) {
  bool wake = false;
  StreamChannel::PushResult result = channel_->Push(std::move(chunk), wake);
  if (wake) WakeSession();
  switch (result) {
    case StreamChannel::PushResult::kAccepted:
      return WriteResult::kAccepted;
    case StreamChannel::PushResult::kFull:
      return WriteResult::kFull;
    case StreamChannel::PushResult::kClosed:
      break;
  }
  return WriteResult::kClosed;
}

bool StreamWriter::WriteBlocking(std::string chunk) {
  while (channel_->WaitWritable(chunk.size())) {
    // Push copies: a refused chunk is retried once there is room.
    bool wake = false;
    StreamChannel::PushResult result = channel_->Push(chunk, wake);
    if (wake) WakeSession();
    if (result == StreamChannel::PushResult::kAccepted) return true;
    if (result == StreamChannel::PushResult::kClosed) return false;
  }
  return false;
}

bool StreamWriter::Finish() {
  bool wake = false;
  bool ok = channel_->Finish(wake);
  if (wake) WakeSession();
  return ok;
}

bool StreamWriter::closed() const { return channel_->closed(); }

void StreamWriter::SetOnDrained(std::function<void()> callback) {
  channel_->SetOnDrained(std::move(callback));
}

void StreamWriter::SetOnClosed(std::function<void()> callback) {
  channel_->SetOnClosed(std::move(callback));
}

}  // namespace sandboxd
