#include "client/channel.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "lib/common/status_macros.h"

namespace sandboxd::client {
namespace {

// Create requests carry up to 100 MB of code and List pages can be large;
// gRPC's 4 MB default receive limit would cut both.
constexpr int kMaxMessageBytes = 128 * 1024 * 1024;

absl::StatusOr<std::string> ReadPem(const char* flag, const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(flag, " \"", file, "\": cannot open"));
  }
  std::ostringstream pem;
  pem << in.rdbuf();
  return pem.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const GlobalOptions& options) {
  if (!options.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!options.ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem("--ca", options.ca_file));
  }
  if (!options.cert_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPem("--cert", options.cert_file));
    ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPem("--key", options.key_file));
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<sandbox::v1::SandboxService::StubInterface>>
MakeSandboxStub(const GlobalOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeCredentials(options);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return sandbox::v1::SandboxService::NewStub(
      grpc::CreateCustomChannel(options.server, *credentials, args));
}

}  // namespace sandboxd::client
