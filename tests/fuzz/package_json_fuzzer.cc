// Fuzzes the package.json merger. The first byte picks the Tailwind major.
// Whatever it accepts must be valid JSON whose dependencies all pass
// ValidateDependency, and merging the output again must change nothing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "lib/scaffold/dependency_spec.h"
#include "lib/scaffold/package_json.h"
#include "rapidjson/document.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sandboxd::scaffold::TailwindMajor;
  if (size == 0) return 0;
  const TailwindMajor tailwind =
      data[0] & 1 ? TailwindMajor::kV3 : TailwindMajor::kV4;
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  absl::StatusOr<sandboxd::scaffold::MergedPackageJson> merged =
      sandboxd::scaffold::MergePackageJson(input, tailwind);
  if (!merged.ok()) {
    Check(merged.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  rapidjson::Document doc;
  doc.Parse(merged->text.data(), merged->text.size());
  Check(!doc.HasParseError() && doc.IsObject());
  for (const auto& [name, spec] : merged->dependencies) {
    Check(sandboxd::scaffold::ValidateDependency(name, spec).ok());
  }
  absl::StatusOr<sandboxd::scaffold::MergedPackageJson> again =
      sandboxd::scaffold::MergePackageJson(merged->text, tailwind);
  Check(again.ok());
  Check(again->text == merged->text);
  Check(again->dependencies == merged->dependencies);
  Check(again->overrides == merged->overrides);
  return 0;
}
