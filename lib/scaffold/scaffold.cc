#include "lib/scaffold/scaffold.h"

#include <optional>
#include <utility>
#include <vector>

#include "lib/common/status_macros.h"
#include "lib/scaffold/build_plan.h"
#include "lib/scaffold/generation.h"
#include "lib/scaffold/html_site.h"
#include "lib/scaffold/package_json.h"
#include "lib/scaffold/path_validator.h"
#include "lib/scaffold/project_defaults.h"
#include "lib/scaffold/project_layout.h"
#include "lib/scaffold/request_validator.h"

namespace sandboxd::scaffold {

absl::StatusOr<Project> Assemble(const Request& request, const Limits& limits) {
  RETURN_IF_ERROR(ValidateRequest(request, limits));
  FileMap files = request.generated_code;
  RETURN_IF_ERROR(RemoveNpmControlFiles(&files));
  std::vector<Rewrite> rewrites;
  if (IsHtmlSite(files)) {
    ASSIGN_OR_RETURN(ConvertedSite site,
                     ConvertHtmlSite(files, !request.generation_token.empty()));
    files = std::move(site.files);
    rewrites = std::move(site.rewrites);
  } else {
    files = RelocateBareKeys(std::move(files));
  }
  // Moving files (bare keys into app/, assets into public/) can create
  // clashes the original paths did not have.
  RETURN_IF_ERROR(ValidatePathSet(files));
  ASSIGN_OR_RETURN(AppLayout layout, FindAppLayout(files));
  ASSIGN_OR_RETURN(TailwindMajor tailwind, DetectTailwind(files));

  std::optional<absl::string_view> user_package_json;
  if (auto it = files.find("package.json"); it != files.end()) {
    user_package_json = it->second;
  }
  ASSIGN_OR_RETURN(MergedPackageJson package_json,
                   MergePackageJson(user_package_json, tailwind));
  files["package.json"] = package_json.text;
  RETURN_IF_ERROR(AddProjectDefaults(layout, tailwind, rewrites, &files));
  bool marked = false;
  if (!request.generation_token.empty()) {
    RETURN_IF_ERROR(ValidateGenerationToken(request.generation_token));
    marked = AddGenerationMarker(layout, request.generation_token, &files);
  }

  Project project;
  project.plan = MakeBuildPlan(request, package_json);
  if (marked) project.plan.generation_token = request.generation_token;
  project.plan.routes = StaticRoutes(layout, files);
  project.files = std::move(files);
  return project;
}

}  // namespace sandboxd::scaffold
