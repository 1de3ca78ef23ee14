#include "lib/scaffold/semver.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sandboxd::scaffold {
namespace {

using Op = SemVerRange::Op;
using Comparator = SemVerRange::Comparator;
using ComparatorSet = SemVerRange::ComparatorSet;

// node-semver caps numbers at Number.MAX_SAFE_INTEGER (16 digits).
constexpr size_t kMaxNumberDigits = 15;
constexpr size_t kMaxRangeBytes = 256;

std::optional<uint64_t> ParseNumber(absl::string_view s) {
  if (s.empty() || s.size() > kMaxNumberDigits) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

bool IsIdentifierChar(char c) { return absl::ascii_isalnum(c) || c == '-'; }

bool ParseIdentifiers(absl::string_view s, bool numeric_rules,
                      std::vector<std::string>* out) {
  if (s.empty()) return false;
  for (absl::string_view id : absl::StrSplit(s, '.')) {
    if (id.empty()) return false;
    bool all_digits = true;
    for (char c : id) {
      if (!IsIdentifierChar(c)) return false;
      all_digits = all_digits && absl::ascii_isdigit(c);
    }
    if (numeric_rules && all_digits && id.size() > 1 && id[0] == '0') {
      return false;
    }
    if (out != nullptr) out->emplace_back(id);
  }
  return true;
}

// A version with optional wildcard parts: `1`, `1.x`, `1.2.*`, `1.2.3-rc.1`.
struct Partial {
  std::optional<uint64_t> major, minor, patch;  // nullopt: x or missing
  std::vector<std::string> prerelease;
  SemVer Fill() const {
    return SemVer{major.value_or(0), minor.value_or(0), patch.value_or(0),
                  prerelease};
  }
};

bool IsWildcard(absl::string_view s) {
  return s == "x" || s == "X" || s == "*";
}

std::optional<Partial> ParsePartial(absl::string_view s) {
  absl::ConsumePrefix(&s, "v");
  absl::ConsumePrefix(&s, "=");
  Partial p;
  if (s.empty()) return p;
  // Split off the qualifier: the first '-' or '+' after the numeric core.
  size_t qualifier = s.find_first_of("-+");
  absl::string_view core = s.substr(0, qualifier);
  absl::string_view rest =
      qualifier == absl::string_view::npos ? "" : s.substr(qualifier);
  std::vector<absl::string_view> parts = absl::StrSplit(core, '.');
  if (parts.size() > 3) return std::nullopt;
  std::optional<uint64_t>* slots[3] = {&p.major, &p.minor, &p.patch};
  bool wild = false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (IsWildcard(parts[i])) {
      wild = true;
      continue;
    }
    if (wild) return std::nullopt;  // `1.x.3` is not a range
    *slots[i] = ParseNumber(parts[i]);
    if (!slots[i]->has_value()) return std::nullopt;
  }
  if (!rest.empty()) {
    if (parts.size() != 3 || wild) return std::nullopt;
    absl::string_view build;
    if (rest[0] == '-') {
      rest.remove_prefix(1);
      size_t plus = rest.find('+');
      absl::string_view pre = rest.substr(0, plus);
      build = plus == absl::string_view::npos ? "" : rest.substr(plus);
      if (!ParseIdentifiers(pre, true, &p.prerelease)) return std::nullopt;
    } else {
      build = rest;
    }
    if (!build.empty() && !ParseIdentifiers(build.substr(1), false, nullptr)) {
      return std::nullopt;
    }
  }
  return p;
}

SemVer Version(uint64_t major, uint64_t minor, uint64_t patch,
               bool lowest_prerelease = false) {
  SemVer v{major, minor, patch, {}};
  if (lowest_prerelease) v.prerelease = {"0"};  // below every x.y.z-pre
  return v;
}

const Comparator kNothing{Op::kLess, SemVer{0, 0, 0, {"0"}}};

// Appends the comparators `op partial` stands for (node-semver's desugaring).
void Desugar(absl::string_view op, const Partial& p, ComparatorSet* out) {
  const bool full = p.patch.has_value();
  const uint64_t ma = p.major.value_or(0), mi = p.minor.value_or(0);
  auto add = [out](Op o, SemVer v) { out->push_back({o, std::move(v)}); };
  if (!p.major.has_value()) {
    if (op == ">" || op == "<") out->push_back(kNothing);
    return;  // otherwise `*`: any version
  }
  if (op == "" || op == "=") {
    if (full) return add(Op::kEqual, p.Fill());
    add(Op::kGreaterEqual, Version(ma, mi, 0));
    return p.minor ? add(Op::kLess, Version(ma, mi + 1, 0, true))
                   : add(Op::kLess, Version(ma + 1, 0, 0, true));
  }
  if (op == "~" || op == "~>") {
    add(Op::kGreaterEqual, p.Fill());
    return p.minor ? add(Op::kLess, Version(ma, mi + 1, 0, true))
                   : add(Op::kLess, Version(ma + 1, 0, 0, true));
  }
  if (op == "^") {
    add(Op::kGreaterEqual, p.Fill());
    if (ma > 0 || !p.minor) return add(Op::kLess, Version(ma + 1, 0, 0, true));
    if (mi > 0 || !full) return add(Op::kLess, Version(0, mi + 1, 0, true));
    return add(Op::kLess, Version(0, 0, *p.patch + 1, true));
  }
  if (op == ">") {
    if (full) return add(Op::kGreater, p.Fill());
    return p.minor ? add(Op::kGreaterEqual, Version(ma, mi + 1, 0))
                   : add(Op::kGreaterEqual, Version(ma + 1, 0, 0));
  }
  if (op == ">=") return add(Op::kGreaterEqual, p.Fill());
  if (op == "<") {
    return full ? add(Op::kLess, p.Fill())
                : add(Op::kLess, Version(ma, mi, 0, true));
  }
  // "<="
  if (full) return add(Op::kLessEqual, p.Fill());
  return p.minor ? add(Op::kLess, Version(ma, mi + 1, 0, true))
                 : add(Op::kLess, Version(ma + 1, 0, 0, true));
}

absl::string_view SplitOperator(absl::string_view* token) {
  for (absl::string_view op : {">=", "<=", "~>", ">", "<", "=", "~", "^"}) {
    if (absl::ConsumePrefix(token, op)) return op;
  }
  return "";
}

std::optional<ComparatorSet> ParseSimpleList(absl::string_view text) {
  ComparatorSet set;
  std::vector<absl::string_view> tokens =
      absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  for (size_t i = 0; i < tokens.size(); ++i) {
    absl::string_view token = tokens[i];
    absl::string_view op = SplitOperator(&token);
    // node-semver accepts a space between operator and version: `>= 1.2`.
    if (token.empty() && !op.empty() && i + 1 < tokens.size()) {
      token = tokens[++i];
    }
    std::optional<Partial> partial = ParsePartial(token);
    if (!partial.has_value() || (token.empty() && !op.empty())) {
      return std::nullopt;
    }
    Desugar(op, *partial, &set);
  }
  return set;
}

std::optional<ComparatorSet> ParseHyphen(absl::string_view from_text,
                                         absl::string_view to_text) {
  std::optional<Partial> from =
      ParsePartial(absl::StripAsciiWhitespace(from_text));
  std::optional<Partial> to = ParsePartial(absl::StripAsciiWhitespace(to_text));
  if (!from || !to) return std::nullopt;
  ComparatorSet set;
  Desugar(">=", *from, &set);
  if (to->patch.has_value()) {
    set.push_back({Op::kLessEqual, to->Fill()});
  } else {
    Desugar("<=", *to, &set);
  }
  return set;
}

bool Test(const Comparator& c, const SemVer& v) {
  const int cmp = CompareSemVer(v, c.version);
  switch (c.op) {
    case Op::kLess:
      return cmp < 0;
    case Op::kLessEqual:
      return cmp <= 0;
    case Op::kEqual:
      return cmp == 0;
    case Op::kGreaterEqual:
      return cmp >= 0;
    case Op::kGreater:
      return cmp > 0;
  }
  return false;
}

int CompareIdentifiers(const std::string& a, const std::string& b) {
  const bool an = ParseNumber(a).has_value() || a == "0";
  const bool bn = ParseNumber(b).has_value() || b == "0";
  if (an && bn) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
  }
  if (an != bn) return an ? -1 : 1;
  return a.compare(b);
}

}  // namespace

std::optional<SemVer> ParseSemVer(absl::string_view text) {
  std::optional<Partial> p = ParsePartial(absl::StripAsciiWhitespace(text));
  if (!p.has_value() || !p->patch.has_value()) return std::nullopt;
  return p->Fill();
}

int CompareSemVer(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.prerelease.empty() != b.prerelease.empty()) {
    return a.prerelease.empty() ? 1 : -1;
  }
  for (size_t i = 0; i < a.prerelease.size() && i < b.prerelease.size(); ++i) {
    int c = CompareIdentifiers(a.prerelease[i], b.prerelease[i]);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

std::optional<SemVerRange> SemVerRange::Parse(absl::string_view text) {
  if (text.size() > kMaxRangeBytes) return std::nullopt;
  std::vector<ComparatorSet> sets;
  for (absl::string_view part : absl::StrSplit(text, "||")) {
    part = absl::StripAsciiWhitespace(part);
    std::optional<ComparatorSet> set;
    size_t hyphen = part.find(" - ");
    if (hyphen != absl::string_view::npos) {
      set = ParseHyphen(part.substr(0, hyphen), part.substr(hyphen + 3));
    } else {
      set = ParseSimpleList(part);
    }
    if (!set.has_value()) return std::nullopt;
    sets.push_back(*std::move(set));
  }
  return SemVerRange(std::move(sets));
}

bool SemVerRange::Satisfies(const SemVer& version) const {
  for (const ComparatorSet& set : sets_) {
    bool ok = true;
    for (const Comparator& c : set) ok = ok && Test(c, version);
    if (!ok) continue;
    if (version.prerelease.empty()) return true;
    for (const Comparator& c : set) {
      if (!c.version.prerelease.empty() && c.version.major == version.major &&
          c.version.minor == version.minor &&
          c.version.patch == version.patch) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace sandboxd::scaffold
