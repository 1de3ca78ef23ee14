// The TLS server context of the HTTP front, built from HttpTlsOptions. Used
// by HttpServer::Start.
#ifndef SANDBOXD_LIB_HTTP_TLS_CONTEXT_H_
#define SANDBOXD_LIB_HTTP_TLS_CONTEXT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "boost/asio/ssl/context.hpp"
#include "lib/http/http_server_options.h"

namespace sandboxd {

// TLS 1.2 or later, the certificate chain and key of `options`, and, with a
// client CA, client certificates required and verified. INVALID_ARGUMENT
// naming the part (certificate, key, client CA) that OpenSSL rejects.
// Thread-safe; the context is safe to share once built.
absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const HttpTlsOptions& options);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_TLS_CONTEXT_H_
