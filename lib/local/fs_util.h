// File-system helpers of the local provider that must not be fooled by a
// sandbox: a project directory is sandbox-controlled, so writes never
// follow its symlinks and walks never leave it. Used by LocalProvider and
// DependencyStore. Thread-compatible (no shared state).
#ifndef SANDBOXD_LIB_LOCAL_FS_UTIL_H_
#define SANDBOXD_LIB_LOCAL_FS_UTIL_H_

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sandboxd::local {

// INVALID_ARGUMENT unless `path` is relative, non-empty and free of "",
// "." and ".." components. Pure.
absl::Status ValidateRelativePath(std::string_view path);

// Writes `content` to dir/`path` (0644), creating parent directories
// (0755); every component is opened with O_NOFOLLOW, so a symlink planted
// by the sandbox cannot redirect the write. Files and directories created
// are owned by uid:gid.
absl::Status WriteFileNoFollow(const std::string& dir, std::string_view path,
                               std::string_view content, uid_t uid, gid_t gid);

// Bytes of disk used under `dir` (st_blocks), not following symlinks, not
// crossing into other file systems, counting hard links once.
// RESOURCE_EXHAUSTED if the tree holds more than `max_entries` entries or
// is nested deeper than 256 levels (a sandbox could exhaust inodes or the
// walk's resources that way).
absl::StatusOr<uint64_t> DiskUsage(const std::string& dir,
                                   uint64_t max_entries = 1000000);

// lchown -R; if `read_only`, also removes write permission for group and
// others everywhere.
absl::Status ChownTree(const std::string& dir, uid_t uid, gid_t gid,
                       bool read_only);

// rm -rf (never follows symlinks). OK if `path` does not exist.
absl::Status RemoveTree(const std::string& path);

// Removes every entry of `dir` whose name is not in `keep`.
absl::Status ClearDirectory(const std::string& dir,
                            const std::set<std::string>& keep);

// Writes `path` atomically (temp file + rename), mode `mode`.
absl::Status WriteFileAtomic(const std::string& path, std::string_view content,
                             mode_t mode);
absl::StatusOr<std::string> ReadSmallFile(const std::string& path);

// mkdir with `mode` and owner; OK if it exists (mode/owner then reapplied).
absl::Status EnsureDir(const std::string& path, mode_t mode, uid_t uid,
                       gid_t gid);

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_FS_UTIL_H_
