// libcurl transport: a pool of easy handles over one shared connection cache.
#include "lib/daytona/curl_http_transport.h"

#include <curl/curl.h>

#include <array>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace sandboxd::daytona {

struct CurlHttpTransport::Share {
  CURLSH* handle = nullptr;
  std::array<absl::Mutex, CURL_LOCK_DATA_LAST> locks;
};

namespace {

void ShareLock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
  auto* locks =
      static_cast<std::array<absl::Mutex, CURL_LOCK_DATA_LAST>*>(user);
  (*locks)[data].Lock();
}

void ShareUnlock(CURL*, curl_lock_data data, void* user) {
  auto* locks =
      static_cast<std::array<absl::Mutex, CURL_LOCK_DATA_LAST>*>(user);
  (*locks)[data].Unlock();
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<HttpHeaders*>(user);
  absl::string_view line(data, size * count);
  // A new status line starts a new response (after "100 Continue" or an
  // interim reply): drop the headers collected so far.
  if (absl::StartsWith(line, "HTTP/")) {
    *headers = HttpHeaders();
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    headers->Add(
        std::string(absl::StripAsciiWhitespace(line.substr(0, colon))),
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  }
  return line.size();
}

// RAII for the per-request curl lists.
struct RequestResources {
  curl_slist* headers = nullptr;
  curl_mime* mime = nullptr;
  ~RequestResources() {
    curl_slist_free_all(headers);
    curl_mime_free(mime);
  }
};

long Millis(absl::Duration d) {  // NOLINT(runtime/int): curl takes long
  return static_cast<long>(      // NOLINT(runtime/int)
      std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

void SetBody(CURL* curl, const HttpRequest& request, RequestResources& res) {
  if (!request.parts.empty()) {
    res.mime = curl_mime_init(curl);
    for (const MultipartPart& part : request.parts) {
      curl_mimepart* mp = curl_mime_addpart(res.mime);
      curl_mime_name(mp, part.name.c_str());
      curl_mime_data(mp, part.data.data(), part.data.size());
      if (!part.filename.empty()) curl_mime_filename(mp, part.filename.c_str());
      if (!part.content_type.empty())
        curl_mime_type(mp, part.content_type.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, res.mime);
    return;
  }
  const bool has_body = !request.body.empty() ||
                        request.method == HttpMethod::kPost ||
                        request.method == HttpMethod::kPut;
  if (has_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  }
}

void SetMethod(CURL* curl, HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
      break;
    case HttpMethod::kPost:
      break;  // implied by the body options
    case HttpMethod::kPut:
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
      break;
    case HttpMethod::kDelete:
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
  }
}

absl::Status CurlError(CURLcode code, const char* detail, bool sent) {
  std::string message = absl::StrCat("curl: ", curl_easy_strerror(code));
  if (detail[0] != '\0') absl::StrAppend(&message, ": ", detail);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError(absl::StatusCode::kDeadlineExceeded, message, sent);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return TransportError(absl::StatusCode::kUnavailable, message, false);
    default:
      return TransportError(absl::StatusCode::kUnavailable, message, sent);
  }
}

}  // namespace

CurlHttpTransport::CurlHttpTransport(CurlOptions options)
    : options_(std::move(options)), share_(std::make_unique<Share>()) {
  static const bool kInitialized = [] {
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  }();
  (void)kInitialized;
  share_->handle = curl_share_init();
  curl_share_setopt(share_->handle, CURLSHOPT_LOCKFUNC, ShareLock);
  curl_share_setopt(share_->handle, CURLSHOPT_UNLOCKFUNC, ShareUnlock);
  curl_share_setopt(share_->handle, CURLSHOPT_USERDATA, &share_->locks);
  for (curl_lock_data data : {CURL_LOCK_DATA_CONNECT, CURL_LOCK_DATA_DNS,
                              CURL_LOCK_DATA_SSL_SESSION}) {
    curl_share_setopt(share_->handle, CURLSHOPT_SHARE, data);
  }
}

CurlHttpTransport::~CurlHttpTransport() {
  absl::MutexLock lock(&mu_);
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
  idle_.clear();
  curl_share_cleanup(share_->handle);
}

void* CurlHttpTransport::AcquireHandle() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void CurlHttpTransport::ReleaseHandle(void* handle) {
  absl::MutexLock lock(&mu_);
  if (idle_.size() < options_.max_idle_handles) {
    idle_.push_back(handle);
    return;
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

absl::StatusOr<HttpResponse> CurlHttpTransport::Send(
    const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(AcquireHandle());
  if (curl == nullptr) {
    return TransportError(absl::StatusCode::kUnavailable,
                          "curl: cannot create a handle", false);
  }
  curl_easy_reset(curl);
  HttpResponse response;
  RequestResources res;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_SHARE, share_->handle);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, Millis(request.timeout));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   Millis(std::min(request.timeout, options_.connect_timeout)));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  SetMethod(curl, request.method);
  SetBody(curl, request, res);
  for (const auto& [name, value] : request.headers.entries()) {
    res.headers =
        curl_slist_append(res.headers, absl::StrCat(name, ": ", value).c_str());
  }
  // Daytona answers at once; "Expect: 100-continue" would only add a round
  // trip before large uploads.
  res.headers = curl_slist_append(res.headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, res.headers);

  CURLcode code = curl_easy_perform(curl);
  long connects = 0;  // NOLINT(runtime/int)
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  connections_opened_ += connects;
  long request_size = 0;  // NOLINT(runtime/int)
  curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_size);
  long status = 0;  // NOLINT(runtime/int)
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  // Drop the per-request pointers before the handle goes back to the pool.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_MIMEPOST, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  ReleaseHandle(curl);
  if (code != CURLE_OK) return CurlError(code, error, request_size > 0);
  response.status = static_cast<int>(status);
  return response;
}

std::unique_ptr<CurlHttpTransport> MakeCurlHttpTransport(CurlOptions options) {
  return std::make_unique<CurlHttpTransport>(std::move(options));
}

}  // namespace sandboxd::daytona
