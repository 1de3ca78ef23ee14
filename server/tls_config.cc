#include "server/tls_config.h"

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

namespace sandboxd {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* x509) const { X509_free(x509); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

absl::Status Invalid(const char* flag, const std::string& file,
                     const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(flag, " ", file, ": ", why));
}

absl::StatusOr<std::string> ReadPem(const char* flag, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Invalid(flag, file, "cannot be read");
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return Invalid(flag, file, "cannot be read");
  return contents.str();
}

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The first certificate of `pem`; null if there is none.
X509Ptr FirstCertificate(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return cert;
}

absl::StatusOr<std::string> ReadCertificates(const char* flag,
                                             const std::string& file) {
  absl::StatusOr<std::string> pem = ReadPem(flag, file);
  if (!pem.ok()) return pem.status();
  if (FirstCertificate(*pem) == nullptr) {
    return Invalid(flag, file, "no PEM certificate in it");
  }
  return pem;
}

}  // namespace

absl::StatusOr<std::optional<TlsConfig>> LoadTlsConfig(const TlsFiles& files) {
  if (files.cert_file.empty() && files.key_file.empty()) {
    if (!files.client_ca_file.empty() || !files.http_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca_file and --http_tls_client_ca_file need "
          "--tls_cert_file and --tls_key_file");
    }
    return std::nullopt;
  }
  if (files.cert_file.empty() || files.key_file.empty()) {
    return absl::InvalidArgumentError(
        files.cert_file.empty()
            ? "--tls_cert_file: required with --tls_key_file"
            : "--tls_key_file: required with --tls_cert_file");
  }
  TlsConfig config;
  absl::StatusOr<std::string> cert =
      ReadCertificates("--tls_cert_file", files.cert_file);
  if (!cert.ok()) return cert.status();
  config.cert_chain_pem = *std::move(cert);
  absl::StatusOr<std::string> key = ReadPem("--tls_key_file", files.key_file);
  if (!key.ok()) return key.status();
  config.private_key_pem = *std::move(key);

  BioPtr key_bio = MemoryBio(config.private_key_pem);
  KeyPtr private_key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (private_key == nullptr) {
    return Invalid("--tls_key_file", files.key_file,
                   "no unencrypted PEM private key in it");
  }
  X509Ptr leaf = FirstCertificate(config.cert_chain_pem);
  if (X509_check_private_key(leaf.get(), private_key.get()) != 1) {
    ERR_clear_error();
    return Invalid(
        "--tls_key_file", files.key_file,
        absl::StrCat("does not match the certificate in ", files.cert_file));
  }
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadCertificates("--tls_client_ca_file", files.client_ca_file);
    if (!ca.ok()) return ca.status();
    config.client_ca_pem = *std::move(ca);
  }
  if (!files.http_client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadCertificates(
        "--http_tls_client_ca_file", files.http_client_ca_file);
    if (!ca.ok()) return ca.status();
    config.http_client_ca_pem = *std::move(ca);
  }
  return config;
}

std::shared_ptr<grpc::ServerCredentials> MakeGrpcServerCredentials(
    const std::optional<TlsConfig>& config) {
  if (!config.has_value()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      config->client_ca_pem.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = config->client_ca_pem;
  options.pem_key_cert_pairs.push_back(
      {config->private_key_pem, config->cert_chain_pem});
  return grpc::SslServerCredentials(options);
}

}  // namespace sandboxd
