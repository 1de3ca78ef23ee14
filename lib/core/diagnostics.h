// Turns compiler output lines (TypeScript, Next.js/Turbopack) into typed
// diagnostics for WatchBuild. Used by the build pipeline on install, build
// and start output.
#ifndef SANDBOXD_LIB_CORE_DIAGNOSTICS_H_
#define SANDBOXD_LIB_CORE_DIAGNOSTICS_H_

#include <optional>
#include <string>
#include <string_view>

#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {

// Not thread-safe: one per output stream.
class DiagnosticParser {
 public:
  // Feeds one output line. Recognizes
  //   app/page.tsx(12,5): error TS2322: Type 'x' is not ...
  //   ./app/page.tsx:12:5            followed by   Type error: ...
  //   ./app/page.tsx:12:5: error message
  std::optional<sandbox::v1::Diagnostic> Feed(std::string_view line);

 private:
  std::optional<sandbox::v1::Diagnostic> pending_location_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_DIAGNOSTICS_H_
