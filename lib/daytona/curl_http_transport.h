// HttpTransport on libcurl, used in production by the Daytona adapter.
// Connections (and DNS and TLS sessions) are shared by every call through one
// CURLSH, so consecutive calls to a host reuse one keep-alive connection;
// HTTP/2 is negotiated over TLS where the server offers it.
#ifndef SANDBOXD_LIB_DAYTONA_CURL_HTTP_TRANSPORT_H_
#define SANDBOXD_LIB_DAYTONA_CURL_HTTP_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/daytona/http_transport.h"

namespace sandboxd::daytona {

struct CurlOptions {
  // Upper bound on connection setup within a request's timeout.
  absl::Duration connect_timeout = absl::Seconds(10);
  // CA bundle path; empty: libcurl's default. Verification is always on.
  std::string ca_file;
  // Idle easy handles kept for reuse.
  size_t max_idle_handles = 16;
};

// Thread-safe: each call borrows an easy handle from a mutex-protected pool;
// the shared connection cache is guarded by per-data-kind locks.
class CurlHttpTransport final : public HttpTransport {
 public:
  explicit CurlHttpTransport(CurlOptions options = CurlOptions());
  ~CurlHttpTransport() override;
  CurlHttpTransport(const CurlHttpTransport&) = delete;
  CurlHttpTransport& operator=(const CurlHttpTransport&) = delete;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

  // Connections opened so far (CURLINFO_NUM_CONNECTS summed over calls):
  // with keep-alive, one per host for sequential calls.
  int64_t connections_opened() const { return connections_opened_.load(); }

 private:
  struct Share;
  void* AcquireHandle();
  void ReleaseHandle(void* handle);

  const CurlOptions options_;
  std::unique_ptr<Share> share_;
  absl::Mutex mu_;
  std::vector<void*> idle_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> connections_opened_{0};
};

std::unique_ptr<CurlHttpTransport> MakeCurlHttpTransport(
    CurlOptions options = CurlOptions());

}  // namespace sandboxd::daytona

#endif  // SANDBOXD_LIB_DAYTONA_CURL_HTTP_TRANSPORT_H_
