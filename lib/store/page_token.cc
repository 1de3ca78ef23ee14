#include "lib/store/page_token.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sandboxd::store_internal {
namespace {

// "v1\n<filter, 16 hex digits>\n<create time micros>\n<sandbox id>", then
// base64url. The id comes last so that it may hold any byte.
constexpr char kVersion[] = "v1";
constexpr size_t kMaxTokenSize = 1024;

// FNV-1a: absl::Hash is seeded per process, and tokens must outlive one.
class Fnv1a {
 public:
  void Add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash_ ^= c;
      hash_ *= 0x100000001b3ULL;
    }
  }
  // Length-prefixed so that ("ab", "c") and ("a", "bc") differ.
  void AddField(std::string_view bytes) {
    Add(absl::StrCat(bytes.size(), ":"));
    Add(bytes);
  }
  uint64_t value() const { return hash_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

absl::Status Malformed() {
  return absl::InvalidArgumentError("page_token: malformed");
}

}  // namespace

uint64_t FilterFingerprint(const ListQuery& query) {
  std::vector<int> statuses(query.statuses.begin(), query.statuses.end());
  std::sort(statuses.begin(), statuses.end());
  statuses.erase(std::unique(statuses.begin(), statuses.end()), statuses.end());
  auto labels = query.labels;
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());

  Fnv1a hash;
  hash.AddField(query.owner);
  hash.AddField(absl::StrCat("statuses=", statuses.size()));
  for (int status : statuses) hash.AddField(absl::StrCat(status));
  hash.AddField(absl::StrCat("labels=", labels.size()));
  for (const auto& [key, value] : labels) {
    hash.AddField(key);
    hash.AddField(value);
  }
  return hash.value();
}

std::string EncodePageToken(const PageCursor& cursor, uint64_t filter) {
  std::string raw =
      absl::StrCat(kVersion, "\n", absl::Hex(filter, absl::kZeroPad16), "\n",
                   cursor.create_time_micros, "\n", cursor.sandbox_id);
  std::string token;
  absl::WebSafeBase64Escape(raw, &token);
  return token;
}

absl::StatusOr<PageCursor> DecodePageToken(const std::string& token,
                                           uint64_t filter) {
  std::string raw;
  if (token.size() > kMaxTokenSize ||
      !absl::WebSafeBase64Unescape(token, &raw)) {
    return Malformed();
  }
  std::vector<std::string> parts =
      absl::StrSplit(raw, absl::MaxSplits('\n', 3));
  if (parts.size() != 4 || parts[0] != kVersion || parts[1].size() != 16 ||
      parts[3].empty()) {
    return Malformed();
  }
  uint64_t token_filter = 0;
  PageCursor cursor;
  if (!absl::SimpleHexAtoi(parts[1], &token_filter) ||
      !absl::SimpleAtoi(parts[2], &cursor.create_time_micros)) {
    return Malformed();
  }
  cursor.sandbox_id = std::move(parts[3]);
  // Only the exact spelling EncodePageToken produces is accepted (no signs,
  // spaces, padding or upper-case hex).
  if (EncodePageToken(cursor, token_filter) != token) return Malformed();
  if (token_filter != filter) {
    return absl::InvalidArgumentError("page_token: does not match the filter");
  }
  return cursor;
}

}  // namespace sandboxd::store_internal
