// Sandbox id generation and syntax. Used by SandboxManager and request
// validation.
#ifndef SANDBOXD_LIB_CORE_IDS_H_
#define SANDBOXD_LIB_CORE_IDS_H_

#include <string>
#include <string_view>

namespace sandboxd {

// "sbx-" followed by 20 random lowercase hex digits (80 bits). Thread-safe.
std::string NewSandboxId();

// True if `id` has the syntax NewSandboxId produces. Ids are also DNS labels,
// so a preview host can be `{id}.preview.example.com`.
bool IsValidSandboxId(std::string_view id);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_IDS_H_
