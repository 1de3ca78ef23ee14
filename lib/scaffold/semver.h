// lib/scaffold: the subset of npm's semver needed to validate dependency
// specs and to decide whether a pinned stack version satisfies a requested
// range (node-semver's strict grammar: comparators, x-ranges, ~, ^, hyphen
// ranges, ||). Pure value types and functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_SEMVER_H_
#define SANDBOXD_LIB_SCAFFOLD_SEMVER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sandboxd::scaffold {

struct SemVer {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers
};

// Parses `1.2.3`, `v1.2.3`, `1.2.3-rc.1+build`; nullopt otherwise.
std::optional<SemVer> ParseSemVer(absl::string_view text);

// <0, 0, >0 by semver precedence (build metadata ignored).
int CompareSemVer(const SemVer& a, const SemVer& b);

// A parsed range: a disjunction of comparator sets. Immutable after Parse,
// so it is safe to share between threads.
class SemVerRange {
 public:
  // nullopt when `text` is not a valid range (the empty string is `*`).
  static std::optional<SemVerRange> Parse(absl::string_view text);

  // node-semver's `satisfies` (prereleases only match a comparator set that
  // names the same major.minor.patch with a prerelease).
  bool Satisfies(const SemVer& version) const;

  enum class Op { kLess, kLessEqual, kEqual, kGreaterEqual, kGreater };
  struct Comparator {
    Op op;
    SemVer version;
  };
  using ComparatorSet = std::vector<Comparator>;  // empty: any version

 private:
  explicit SemVerRange(std::vector<ComparatorSet> sets)
      : sets_(std::move(sets)) {}
  std::vector<ComparatorSet> sets_;
};

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_SEMVER_H_
