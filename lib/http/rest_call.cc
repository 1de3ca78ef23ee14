#include "lib/http/rest_call.h"

#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "lib/http/rest_errors.h"
#include "lib/http/rest_json.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

void PrepareContext(const RestCall& call, grpc::ClientContext& context) {
  for (const auto& [key, value] : call.metadata) {
    context.AddMetadata(key, value);
  }
  if (call.deadline.has_value()) {
    context.set_deadline(absl::ToChronoTime(*call.deadline));
  }
}

// Response header metadata → Grpc-Metadata-<key> (values of -bin keys in
// base64), plus the call's extra headers.
void AddResponseHeaders(const RestCall& call,
                        const grpc::ClientContext& context,
                        http::fields& fields) {
  for (const auto& [key, value] : context.GetServerInitialMetadata()) {
    std::string name(key.data(), key.size());
    std::string text(value.data(), value.size());
    if (absl::EndsWith(name, "-bin")) text = absl::Base64Escape(text);
    fields.insert(absl::StrCat("Grpc-Metadata-", name), text);
  }
  for (const auto& [name, value] : call.extra_headers) {
    fields.set(name, value);
  }
}

// A refusal's `retry-after` trailer (whole seconds; server/status_bridge.h)
// → Retry-After, the header RFC 9110 gives 429 and 503 answers.
void AddRetryAfter(const grpc::ClientContext& context, http::fields& fields) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("retry-after");
  if (it == trailers.end()) return;
  fields.set(http::field::retry_after,
             std::string(it->second.data(), it->second.size()));
}

// The JSON of a response message (or of its response_body field).
absl::StatusOr<std::string> ResponseJson(const RestCall& call,
                                         const std::string& bytes) {
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          call.response_type);
  if (prototype == nullptr) {
    return absl::InternalError("no generated type for the response");
  }
  std::unique_ptr<google::protobuf::Message> message(prototype->New());
  if (!message->ParseFromString(bytes)) {
    return absl::InternalError("cannot parse the response message");
  }
  absl::StatusOr<std::string> json = MessageToRestJson(*message);
  if (!json.ok() || call.response_body.empty()) return json;
  const google::protobuf::FieldDescriptor* field =
      call.response_type->FindFieldByName(call.response_body);
  rapidjson::Document document;
  document.Parse(json->data(), json->size());
  auto member = document.FindMember(field->json_name().c_str());
  if (document.HasParseError() || member == document.MemberEnd()) {
    return absl::InternalError("response_body field missing");
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  member->value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// A response this front cannot print is its own fault: INTERNAL.
grpc::Status AsInternal(const absl::Status& status) {
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      std::string(status.message()));
}

// A unary call: one answer through StreamWriter::Respond.
class UnaryRestCall {
 public:
  static void Start(grpc::GenericStub& stub, RestCall call,
                    std::shared_ptr<StreamWriter> writer) {
    auto state =
        std::make_shared<UnaryRestCall>(std::move(call), std::move(writer));
    PrepareContext(state->call_, state->context_);
    state->request_ = ToByteBuffer(state->call_.request);
    std::weak_ptr<UnaryRestCall> weak = state;
    state->writer_->SetOnClosed([weak] {
      if (auto alive = weak.lock()) alive->context_.TryCancel();
    });
    stub.UnaryCall(&state->context_, state->call_.grpc_path,
                   grpc::StubOptions(), &state->request_, &state->response_,
                   [state](grpc::Status status) { state->OnDone(status); });
  }

  UnaryRestCall(RestCall call, std::shared_ptr<StreamWriter> writer)
      : call_(std::move(call)), writer_(std::move(writer)) {}

 private:
  void OnDone(const grpc::Status& status) {
    HttpResponse response;
    if (status.ok()) {
      absl::StatusOr<std::string> json =
          ResponseJson(call_, ToString(response_));
      if (json.ok()) {
        response = HttpResponse(http::status::ok, 11);
        response.set(http::field::content_type, "application/json");
        response.body() = *std::move(json);
      } else {
        response = RestErrorResponse(AsInternal(json.status()));
      }
    } else {
      response = RestErrorResponse(status);
      AddRetryAfter(context_, response.base());
    }
    AddResponseHeaders(call_, context_, response.base());
    writer_->Respond(std::move(response));
  }

  RestCall call_;
  std::shared_ptr<StreamWriter> writer_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

// A server-streaming call: one NDJSON line per message. Reads the next
// message only once the previous line was queued (backpressure); keeps
// itself alive until gRPC is done with it and its last line is queued.
class StreamingRestCall
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  static void Start(grpc::GenericStub& stub, RestCall call,
                    std::shared_ptr<StreamWriter> writer) {
    auto state =
        std::make_shared<StreamingRestCall>(std::move(call), std::move(writer));
    {
      absl::MutexLock lock(&state->mu_);
      state->self_ = state;
    }
    PrepareContext(state->call_, state->context_);
    state->request_ = ToByteBuffer(state->call_.request);
    stub.PrepareBidiStreamingCall(&state->context_, state->call_.grpc_path,
                                  grpc::StubOptions(), state.get());
    state->StartWriteLast(&state->request_, grpc::WriteOptions());
    state->StartRead(&state->read_);
    state->StartCall();
    std::weak_ptr<StreamingRestCall> weak = state;
    state->writer_->SetOnClosed([weak] {
      if (auto alive = weak.lock()) alive->OnClientGone();
    });
    state->writer_->SetOnDrained([weak] {
      if (auto alive = weak.lock()) alive->OnDrained();
    });
  }

  StreamingRestCall(RestCall call, std::shared_ptr<StreamWriter> writer)
      : call_(std::move(call)), writer_(std::move(writer)) {}

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    absl::StatusOr<std::string> json = ResponseJson(call_, ToString(read_));
    if (!json.ok()) {
      {
        absl::MutexLock lock(&mu_);
        internal_error_ = json.status();
      }
      context_.TryCancel();
      return;
    }
    Queued queued;
    {
      absl::MutexLock lock(&mu_);
      if (!started_) {
        started_ = true;
        HttpResponseHeader header;
        header.result(http::status::ok);
        header.set(http::field::content_type, "application/json");
        AddResponseHeaders(call_, context_, header);
        writer_->Start(std::move(header));
      }
      queued = QueueLocked(absl::StrCat("{\"result\":", *json, "}\n"));
    }
    if (queued == Queued::kWait) return;
    if (queued == Queued::kGone) context_.TryCancel();
    StartRead(&read_);  // after a cancel it fails at once, then OnDone
  }

  void OnDone(const grpc::Status& status) override {
    std::shared_ptr<StreamingRestCall> keep;
    Queued queued = Queued::kAccepted;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      grpc::Status final_status = status;
      if (!internal_error_.ok()) final_status = AsInternal(internal_error_);
      if (!started_ && final_status.ok()) {
        // No message: an empty stream.
        HttpResponseHeader header;
        header.result(http::status::ok);
        header.set(http::field::content_type, "application/json");
        AddResponseHeaders(call_, context_, header);
        writer_->Start(std::move(header));
        writer_->Finish();
        keep = std::move(self_);
        return;
      }
      if (!started_) {
        HttpResponse response = RestErrorResponse(final_status);
        AddRetryAfter(context_, response.base());
        AddResponseHeaders(call_, context_, response.base());
        writer_->Respond(std::move(response));
        keep = std::move(self_);
        return;
      }
      if (!final_status.ok()) last_frame_ = RestStreamErrorFrame(final_status);
      if (!waiting_) queued = FinishLocked(keep);
    }
    (void)queued;  // the call is over: nothing to cancel or read
  }

 private:
  enum class Queued { kAccepted, kWait, kGone };

  // Queues `line`. kWait: refused for now, OnDrained retries it (no read may
  // be started meanwhile). kGone: the client is gone; cancel the call.
  Queued QueueLocked(std::string line) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    switch (writer_->Write(line)) {
      case StreamWriter::WriteResult::kAccepted:
        return Queued::kAccepted;
      case StreamWriter::WriteResult::kFull:
        pending_ = std::move(line);
        waiting_ = true;
        return Queued::kWait;
      case StreamWriter::WriteResult::kClosed:
        return Queued::kGone;
    }
    return Queued::kGone;
  }

  void OnDrained() {
    std::shared_ptr<StreamingRestCall> keep;
    Queued queued;
    {
      absl::MutexLock lock(&mu_);
      if (!waiting_) return;
      waiting_ = false;
      queued = QueueLocked(std::move(pending_));
      if (queued == Queued::kWait) return;  // still full
      if (done_) {
        FinishLocked(keep);
        return;
      }
    }
    if (queued == Queued::kGone) context_.TryCancel();
    StartRead(&read_);
  }

  void OnClientGone() {
    context_.TryCancel();
    std::shared_ptr<StreamingRestCall> keep;
    bool read = false;
    {
      absl::MutexLock lock(&mu_);
      if (!waiting_) return;
      waiting_ = false;
      // Nothing will be written any more.
      if (done_) {
        keep = std::move(self_);
      } else {
        read = true;  // the read fails at once, then OnDone
      }
    }
    if (read) StartRead(&read_);
  }

  // Queues the error frame (if any) and ends the stream, then lets go of
  // itself (the caller's `keep` destroys it after unlocking). kWait if the
  // frame must wait for OnDrained, which calls back.
  Queued FinishLocked(std::shared_ptr<StreamingRestCall>& keep)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!last_frame_.empty()) {
      std::string frame = std::move(last_frame_);
      last_frame_.clear();
      if (QueueLocked(std::move(frame)) == Queued::kWait) return Queued::kWait;
    }
    writer_->Finish();
    keep = std::move(self_);
    return Queued::kAccepted;
  }

  RestCall call_;
  std::shared_ptr<StreamWriter> writer_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer read_;
  absl::Mutex mu_;
  std::shared_ptr<StreamingRestCall> self_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;
  std::string pending_ ABSL_GUARDED_BY(mu_);
  std::string last_frame_ ABSL_GUARDED_BY(mu_);
  absl::Status internal_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

void StartRestCall(grpc::GenericStub& stub, RestCall call,
                   std::shared_ptr<StreamWriter> writer) {
  if (call.server_streaming) {
    StreamingRestCall::Start(stub, std::move(call), std::move(writer));
  } else {
    UnaryRestCall::Start(stub, std::move(call), std::move(writer));
  }
}

}  // namespace sandboxd
