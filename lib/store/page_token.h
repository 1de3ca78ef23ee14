// List page tokens of the SQLite store: an opaque, validated cursor (the last
// row's create time and id) bound to the filter it was issued for. Used by
// sqlite_store_list.cc. Pure functions, thread-safe.
#ifndef SANDBOXD_LIB_STORE_PAGE_TOKEN_H_
#define SANDBOXD_LIB_STORE_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "lib/store/store.h"

namespace sandboxd::store_internal {

// Where the previous page ended: the next page starts strictly after this
// (create_time_micros, sandbox_id) in descending order.
struct PageCursor {
  int64_t create_time_micros = 0;
  std::string sandbox_id;
};

// A stable 64-bit fingerprint of the query's filter (owner, statuses, labels;
// not the page size or token). Order and duplicates of statuses and labels do
// not matter. Stable across processes and releases of this token format.
uint64_t FilterFingerprint(const ListQuery& query);

// The token for a page that ended at `cursor`, under filter `filter`.
std::string EncodePageToken(const PageCursor& cursor, uint64_t filter);

// INVALID_ARGUMENT "page_token: malformed" for anything EncodePageToken did
// not produce, "page_token: does not match the filter" for a token issued
// for another filter.
absl::StatusOr<PageCursor> DecodePageToken(const std::string& token,
                                           uint64_t filter);

}  // namespace sandboxd::store_internal

#endif  // SANDBOXD_LIB_STORE_PAGE_TOKEN_H_
