// One REST request's gRPC call over a byte-level grpc::GenericStub, and its
// answer on the HTTP connection: a JSON response for unary methods, NDJSON
// frames (`{"result":...}` / `{"error":...}`) for server-streaming ones, with
// flow control from the StreamWriter and cancellation when the client goes.
// Used by lib/http/rest_transcoder.h.
//
// Thread-safety: StartRestCall may be called from any thread; the call then
// lives on gRPC's callback threads and the HTTP io threads until it ends.
#ifndef SANDBOXD_LIB_HTTP_REST_CALL_H_
#define SANDBOXD_LIB_HTTP_REST_CALL_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "lib/http/stream_writer.h"

namespace sandboxd {

struct RestCall {
  // "/package.Service/Method".
  std::string grpc_path;
  bool server_streaming = false;
  // The serialized request message.
  std::string request;
  const google::protobuf::Descriptor* response_type = nullptr;
  // "" or the response field that is the HTTP body.
  std::string response_body;
  // Request metadata (lowercase keys).
  std::vector<std::pair<std::string, std::string>> metadata;
  std::optional<absl::Time> deadline;
  // Added to every answer (CORS).
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

// Starts the call; the answer goes to `writer`. `stub` must outlive the call
// (it is only used to start it).
void StartRestCall(grpc::GenericStub& stub, RestCall call,
                   std::shared_ptr<StreamWriter> writer);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_REST_CALL_H_
