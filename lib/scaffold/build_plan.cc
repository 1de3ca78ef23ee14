#include "lib/scaffold/build_plan.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "lib/scaffold/json_util.h"

namespace sandboxd::scaffold {
namespace {

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // One-shot EVP_Digest cannot fail for SHA-256 on in-memory data short of
  // allocation failure; an empty digest would then surface as a mismatch.
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(),
                 nullptr) != 1) {
    return "";
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace

std::string DependencyFingerprint(
    absl::string_view install_command,
    const std::map<std::string, std::string>& dependencies,
    absl::string_view overrides_json) {
  std::string canonical = "{\"dependencies\":{";
  bool first = true;
  for (const auto& [name, spec] : dependencies) {
    absl::StrAppend(&canonical, first ? "" : ",", JsonQuote(name), ":",
                    JsonQuote(spec));
    first = false;
  }
  absl::StrAppend(
      &canonical, "},\"install\":", JsonQuote(install_command),
      ",\"overrides\":", overrides_json.empty() ? "null" : overrides_json, "}");
  return Sha256Hex(canonical);
}

BuildPlan MakeBuildPlan(const Request& request,
                        const MergedPackageJson& package_json) {
  BuildPlan plan;
  plan.install_command = kInstallCommand;
  plan.port = kAppPort;
  if (request.mode == Mode::kProduction) {
    plan.build_command =
        request.build_script.empty() ? kBuildCommand : request.build_script;
    plan.start_command = kProductionStartCommand;
  } else {
    plan.start_command = kDevStartCommand;
  }
  plan.environment = request.environment;
  plan.environment["NEXT_TELEMETRY_DISABLED"] = "1";
  plan.dependencies = package_json.dependencies;
  plan.dependency_fingerprint = DependencyFingerprint(
      plan.install_command, plan.dependencies, package_json.overrides);
  return plan;
}

}  // namespace sandboxd::scaffold
