// TLS material of sandboxd's listeners: the PEM files named by the --tls_*
// flags, read and checked once at start-up. Used by service_runner.cc to
// fill SandboxServerOptions (gRPC credentials and the HTTP front's context).
#ifndef SANDBOXD_SERVER_TLS_CONFIG_H_
#define SANDBOXD_SERVER_TLS_CONFIG_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"

namespace sandboxd {

// File names as given on the command line; empty means "not set".
struct TlsFiles {
  std::string cert_file;            // --tls_cert_file
  std::string key_file;             // --tls_key_file
  std::string client_ca_file;       // --tls_client_ca_file (gRPC mTLS)
  std::string http_client_ca_file;  // --http_tls_client_ca_file (HTTP mTLS)
};

// The checked PEM contents. Immutable once loaded; safe to share.
struct TlsConfig {
  std::string cert_chain_pem;
  std::string private_key_pem;
  // Non-empty: gRPC clients must present a certificate issued by these CAs.
  std::string client_ca_pem;
  // Non-empty: HTTP clients must present a certificate issued by these CAs.
  std::string http_client_ca_pem;
};

// nullopt when no TLS flag is set (plaintext listeners). Otherwise every
// file is read and parsed: INVALID_ARGUMENT naming the flag when one is
// missing, unreadable or not PEM of the right kind, when the key does not
// belong to the certificate, or when a CA file is set without cert and key.
// Blocks on file reads; thread-safe.
absl::StatusOr<std::optional<TlsConfig>> LoadTlsConfig(const TlsFiles& files);

// TLS credentials from `config` (client certificates required and verified
// when it has a client CA), or insecure ones without a config.
std::shared_ptr<grpc::ServerCredentials> MakeGrpcServerCredentials(
    const std::optional<TlsConfig>& config);

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_TLS_CONFIG_H_
