#include "lib/scaffold/generation.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/scaffold/json_util.h"

namespace sandboxd::scaffold {
namespace {

constexpr size_t kMaxTokenBytes = 100;
constexpr const char* kModuleExtensions[] = {".tsx", ".jsx", ".ts", ".js"};

std::string TemplateSource(bool wraps_user_template) {
  std::string import_user =
      wraps_user_template
          ? "import UserTemplate from \"./sandboxd-user-template\";\n"
          : "";
  std::string body =
      wraps_user_template
          ? "    <UserTemplate>\n      {marker}\n      {children}\n"
            "    </UserTemplate>\n"
          : "    <>\n      {marker}\n      {children}\n    </>\n";
  return absl::StrCat(
      "// Added by sandboxd: marks which generation of the generated files "
      "is\n// being served (React hoists the <meta> into <head>).\n",
      "import type { ReactNode } from \"react\";\n", import_user,
      "import { generation } from \"./sandboxd-generation\";\n\n",
      "export default function SandboxdTemplate({\n  children,\n"
      "}: Readonly<{ children: ReactNode }>) {\n",
      "  const marker = <meta name=\"", kGenerationMetaName,
      "\" content={generation} />;\n  return (\n", body, "  );\n}\n");
}

}  // namespace

absl::Status ValidateGenerationToken(absl::string_view token) {
  if (token.empty() || token.size() > kMaxTokenBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "generation token: must be 1-", kMaxTokenBytes, " characters"));
  }
  for (char c : token) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return absl::InvalidArgumentError(
          "generation token: only letters, digits, '.', '_' and '-'");
    }
  }
  return absl::OkStatus();
}

bool AddGenerationMarker(const AppLayout& layout, absl::string_view token,
                         FileMap* files) {
  if (layout.app_dir.empty()) return false;
  const std::string dir = layout.app_dir;
  bool wraps = false;
  for (const char* ext : kModuleExtensions) {
    auto it = files->find(absl::StrCat(dir, "/template", ext));
    if (it == files->end()) continue;
    (*files)[absl::StrCat(dir, "/sandboxd-user-template", ext)] =
        std::move(it->second);
    files->erase(it);
    wraps = true;
    break;
  }
  (*files)[absl::StrCat(dir, "/template.tsx")] = TemplateSource(wraps);
  (*files)[absl::StrCat(dir, "/", kGenerationModuleName)] =
      absl::StrCat("// Added by sandboxd: the generation being served.\n",
                   "export const generation = ", JsonQuote(token), ";\n");
  return true;
}

std::vector<std::string> StaticRoutes(const AppLayout& layout,
                                      const FileMap& files) {
  std::set<std::string> routes;
  if (layout.app_dir.empty()) return {};
  const std::string prefix = layout.app_dir + "/";
  for (const auto& [path, content] : files) {
    if (!absl::StartsWith(path, prefix)) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(absl::string_view(path).substr(prefix.size()), '/');
    absl::string_view file = parts.back();
    parts.pop_back();
    bool is_page = false;
    for (const char* ext : kModuleExtensions) {
      if (file == absl::StrCat("page", ext)) is_page = true;
    }
    if (!is_page) continue;
    std::vector<absl::string_view> segments;
    bool dynamic = false;
    for (absl::string_view seg : parts) {
      if (seg.empty()) continue;
      if (seg.front() == '(' && seg.back() == ')' && seg.size() > 2 &&
          seg[1] != '.') {
        continue;  // route group
      }
      if (seg.front() == '[' || seg.front() == '@' || seg.front() == '_' ||
          seg.front() == '(') {
        dynamic = true;
        break;
      }
      segments.push_back(seg);
    }
    if (!dynamic)
      routes.insert(absl::StrCat("/", absl::StrJoin(segments, "/")));
  }
  return std::vector<std::string>(routes.begin(), routes.end());
}

}  // namespace sandboxd::scaffold
