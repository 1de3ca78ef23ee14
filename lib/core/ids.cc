#include "lib/core/ids.h"

#include <random>

#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"

namespace sandboxd {
namespace {

constexpr std::string_view kPrefix = "sbx-";
constexpr int kHexDigits = 20;

}  // namespace

std::string NewSandboxId() {
  // absl::BitGen is seeded from the OS entropy source; one per thread avoids
  // a shared lock on the hot path.
  thread_local absl::BitGen gen;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(kPrefix);
  for (int i = 0; i < kHexDigits; ++i) {
    id.push_back(kHex[absl::Uniform<int>(gen, 0, 16)]);
  }
  return id;
}

bool IsValidSandboxId(std::string_view id) {
  if (id.size() != kPrefix.size() + kHexDigits) return false;
  if (id.substr(0, kPrefix.size()) != kPrefix) return false;
  for (char c : id.substr(kPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace sandboxd
