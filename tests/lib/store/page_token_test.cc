#include "lib/store/page_token.h"

#include "gtest/gtest.h"

namespace sandboxd::store_internal {
namespace {

TEST(PageTokenTest, RoundTripsCursorWithAnyIdBytes) {
  PageCursor cursor{-42, std::string("sbx\n-\0x", 7)};
  const uint64_t filter = 0xfedcba9876543210ULL;
  absl::StatusOr<PageCursor> decoded =
      DecodePageToken(EncodePageToken(cursor, filter), filter);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->create_time_micros, -42);
  EXPECT_EQ(decoded->sandbox_id, cursor.sandbox_id);
}

TEST(PageTokenTest, TokenOfAnotherFilterIsRejected) {
  const std::string token = EncodePageToken(PageCursor{1, "sbx-1"}, 1);
  absl::Status status = DecodePageToken(token, 2).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "page_token: does not match the filter");
}

TEST(PageTokenTest, FingerprintIgnoresOrderDuplicatesAndPaging) {
  ListQuery a;
  a.owner = "alice";
  a.statuses = {sandbox::v1::SANDBOX_STATUS_READY,
                sandbox::v1::SANDBOX_STATUS_PENDING};
  a.labels = {{"x", "1"}, {"y", "2"}};
  ListQuery b = a;
  b.statuses = {sandbox::v1::SANDBOX_STATUS_PENDING,
                sandbox::v1::SANDBOX_STATUS_READY,
                sandbox::v1::SANDBOX_STATUS_PENDING};
  b.labels = {{"y", "2"}, {"x", "1"}};
  b.page_size = 7;
  b.page_token = "anything";
  EXPECT_EQ(FilterFingerprint(a), FilterFingerprint(b));
}

TEST(PageTokenTest, FingerprintSeparatesFilters) {
  ListQuery base;
  base.owner = "ab";
  base.labels = {{"c", "d"}};
  ListQuery shifted = base;  // same bytes, other boundaries
  shifted.owner = "a";
  shifted.labels = {{"bc", "d"}};
  ListQuery with_status = base;
  with_status.statuses = {sandbox::v1::SANDBOX_STATUS_DELETED};
  ListQuery no_labels = base;
  no_labels.labels.clear();
  EXPECT_NE(FilterFingerprint(base), FilterFingerprint(shifted));
  EXPECT_NE(FilterFingerprint(base), FilterFingerprint(with_status));
  EXPECT_NE(FilterFingerprint(base), FilterFingerprint(no_labels));
}

TEST(PageTokenTest, FingerprintIsStableAcrossProcesses) {
  // Tokens outlive a restart: the fingerprint must not be seeded per process.
  ListQuery query;
  query.owner = "alice";
  EXPECT_EQ(FilterFingerprint(query), FilterFingerprint(query));
  const std::string token = EncodePageToken(PageCursor{5, "sbx-5"}, 0x1234);
  EXPECT_EQ(token, "djEKMDAwMDAwMDAwMDAwMTIzNAo1CnNieC01");
}

}  // namespace
}  // namespace sandboxd::store_internal
