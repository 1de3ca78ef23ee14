#include "lib/http/tls_context.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace sandboxd {

namespace ssl = boost::asio::ssl;

absl::StatusOr<std::unique_ptr<ssl::context>> MakeServerTlsContext(
    const HttpTlsOptions& options) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  auto fail = [&ec](const char* what) {
    return absl::InvalidArgumentError(
        absl::StrCat("http tls: ", what, ": ", ec.message()));
  };
  context->set_options(ssl::context::default_workarounds |
                           ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                           ssl::context::single_dh_use,
                       ec);
  if (ec) return fail("options");
  context->use_certificate_chain(
      boost::asio::buffer(options.cert_chain_pem.data(),
                          options.cert_chain_pem.size()),
      ec);
  if (ec) return fail("certificate chain");
  context->use_private_key(boost::asio::buffer(options.private_key_pem.data(),
                                               options.private_key_pem.size()),
                           ssl::context::pem, ec);
  if (ec) return fail("private key");
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "http tls: the private key does not match the certificate");
  }
  if (!options.client_ca_pem.empty()) {
    context->add_certificate_authority(
        boost::asio::buffer(options.client_ca_pem.data(),
                            options.client_ca_pem.size()),
        ec);
    if (ec) return fail("client CA");
    context->set_verify_mode(
        ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) return fail("verify mode");
  }
  return context;
}

}  // namespace sandboxd
