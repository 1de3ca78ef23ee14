// Hard-link copies of directory trees (`cp -al`): how a sandbox gets its
// own node_modules from the shared dependency store at almost no cost, so
// that packages can later be added to it without touching the store.
// Thread-compatible (no shared state).
#ifndef SANDBOXD_LIB_LOCAL_LINK_TREE_H_
#define SANDBOXD_LIB_LOCAL_LINK_TREE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"

namespace sandboxd::local {

// Recreates the tree `source` at `dest` (which must not exist; its parent
// must): directories are created anew, owned by uid:gid with mode 0755;
// regular files are hard links to the source's (same inode, owner and
// mode: root-owned read-only files stay so); symlinks are recreated with
// the same target, never followed. Other file types are skipped.
// `source` must be trusted (the store): nothing here guards against it
// changing during the walk. ALREADY_EXISTS if `dest` exists, NOT_FOUND if
// `source` does not.
absl::Status LinkTree(const std::string& source, const std::string& dest,
                      uid_t uid, gid_t gid);

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_LINK_TREE_H_
