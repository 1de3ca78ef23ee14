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
// by the sandbox cannot redirect the write. The file is written under a
// temporary name and renamed into place (a watcher never sees it missing or
// partial). Files and directories created are owned by uid:gid.
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

// Removes the files under `dir` whose relative path is not in `keep`, and
// the directories left empty; top-level entries named in `keep_top` are
// left alone entirely. Never follows symlinks (a symlink is a file here).
absl::Status RemoveFilesNotIn(const std::string& dir,
                              const std::set<std::string>& keep,
                              const std::set<std::string>& keep_top);

// Removes every entry of `dir` whose name is not in `keep`.
absl::Status ClearDirectory(const std::string& dir,
                            const std::set<std::string>& keep);

// Copies the directory tree `source` to dir/`path` (validated like
// WriteFileNoFollow's `path`; parents are created 0755), all at once: the
// copy is made under a temporary name and renamed into place, so a reader
// sees the whole tree or none of it (removed again on failure). Every
// destination component is opened with O_NOFOLLOW and every file created
// with O_EXCL: a symlink planted under `dir` cannot redirect the copy.
// Symlinks and special files in `source` are skipped, never followed. The
// copies (never hard links) are owned by uid:gid, directories 0755, files
// 0644 (0755 if executable). ALREADY_EXISTS if dir/`path` exists,
// NOT_FOUND if `source` does not, RESOURCE_EXHAUSTED past 256 levels.
absl::Status CopyTree(const std::string& source, const std::string& dir,
                      std::string_view path, uid_t uid, gid_t gid);

// Writes `path` atomically (temp file + rename), mode `mode`.
absl::Status WriteFileAtomic(const std::string& path, std::string_view content,
                             mode_t mode);
absl::StatusOr<std::string> ReadSmallFile(const std::string& path);

// mkdir with `mode` and owner; OK if it exists (mode/owner then reapplied).
absl::Status EnsureDir(const std::string& path, mode_t mode, uid_t uid,
                       gid_t gid);

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_FS_UTIL_H_
