#include "lib/local/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/local/unique_fd.h"

namespace sandboxd::local {
namespace {

absl::Status Errno(std::string_view what, std::string_view path) {
  int err = errno;
  return absl::InternalError(absl::StrCat(
      std::string(what), " ", std::string(path), ": ", std::strerror(err)));
}

// Visits every entry under `dir_fd` (depth first, without following
// symlinks or crossing devices). `visit(parent_fd, name, stat)` runs for
// each entry before descending.
// A sandbox can nest directories without bound; the walk must not recurse
// (and hold a descriptor per level) without bound.
constexpr int kMaxDepth = 256;

template <typename Visit>
absl::Status Walk(int dir_fd, dev_t dev, const std::string& where, Visit& visit,
                  int depth = 0) {
  if (depth > kMaxDepth) {
    return absl::ResourceExhaustedError(
        absl::StrCat("directories nested deeper than ", kMaxDepth, " levels"));
  }
  int dup_fd = ::dup(dir_fd);
  if (dup_fd < 0) return Errno("dup", where);
  DIR* dir = ::fdopendir(dup_fd);
  if (dir == nullptr) {
    ::close(dup_fd);
    return Errno("opendir", where);
  }
  absl::Status status;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      status = Errno("stat", where + "/" + name);
      break;
    }
    visit(dir_fd, name, st);
    if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
      UniqueFd child(::openat(dir_fd, name.c_str(),
                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child.valid()) continue;  // vanished or replaced meanwhile
      status = Walk(child.get(), dev, where + "/" + name, visit, depth + 1);
      if (!status.ok()) break;
    }
  }
  ::closedir(dir);
  return status;
}

template <typename Visit>
absl::Status WalkTree(const std::string& root, Visit visit) {
  UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Errno("open", root);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Errno("stat", root);
  visit(AT_FDCWD, root, st);
  return Walk(fd.get(), st.st_dev, root, visit);
}

}  // namespace

absl::Status ValidateRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", std::string(path), "\": not a relative path"));
  }
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(path.data(), path.size()), '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", std::string(path), "\": path escapes or is not normalized"));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFileNoFollow(const std::string& dir, std::string_view path,
                               std::string_view content, uid_t uid, gid_t gid) {
  if (absl::Status valid = ValidateRelativePath(path); !valid.ok()) {
    return valid;
  }
  std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(path.data(), path.size()), '/');
  UniqueFd current(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!current.valid()) return Errno("open", dir);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const char* name = parts[i].c_str();
    if (::mkdirat(current.get(), name, 0755) == 0) {
      if (::fchownat(current.get(), name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
        return Errno("chown", parts[i]);
      }
    } else if (errno != EEXIST) {
      return Errno("mkdir", parts[i]);
    }
    UniqueFd next(::openat(current.get(), name,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return Errno("open directory", parts[i]);
    current = std::move(next);
  }
  const std::string& leaf = parts.back();
  // Replace, never write through: unlink first so a planted hard link to
  // a file outside is not modified either.
  ::unlinkat(current.get(), leaf.c_str(), 0);
  UniqueFd file(::openat(current.get(), leaf.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                         0644));
  if (!file.valid()) return Errno("create", std::string(path));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n =
        ::write(file.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", std::string(path));
    }
    done += static_cast<size_t>(n);
  }
  if (::fchown(file.get(), uid, gid) != 0)
    return Errno("chown", std::string(path));
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> DiskUsage(const std::string& dir,
                                   uint64_t max_entries) {
  uint64_t bytes = 0;
  uint64_t entries = 0;
  absl::flat_hash_set<std::pair<dev_t, ino_t>> seen;
  absl::Status status =
      WalkTree(dir, [&](int, const std::string&, const struct stat& st) {
        ++entries;
        if (st.st_nlink > 1 && !seen.insert({st.st_dev, st.st_ino}).second) {
          return;
        }
        bytes += static_cast<uint64_t>(st.st_blocks) * 512;
      });
  if (!status.ok()) return status;
  if (entries > max_entries) {
    return absl::ResourceExhaustedError(
        absl::StrCat(entries, " files, more than the limit of ", max_entries));
  }
  return bytes;
}

absl::Status ChownTree(const std::string& dir, uid_t uid, gid_t gid,
                       bool read_only) {
  absl::Status failure;
  absl::Status walked = WalkTree(dir, [&](int parent, const std::string& name,
                                          const struct stat& st) {
    if (::fchownat(parent, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0 &&
        failure.ok()) {
      failure = Errno("chown", name);
    }
    if (read_only && !S_ISLNK(st.st_mode) && (st.st_mode & 022) != 0 &&
        ::fchmodat(parent, name.c_str(), st.st_mode & 07755, 0) != 0 &&
        failure.ok()) {
      failure = Errno("chmod", name);
    }
  });
  return walked.ok() ? failure : walked;
}

absl::Status RemoveTree(const std::string& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("remove ", path, ": ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status ClearDirectory(const std::string& dir,
                            const std::set<std::string>& keep) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (keep.contains(entry.path().filename().string())) continue;
    std::filesystem::remove_all(entry.path(), error);
    if (error) break;
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("clear ", dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomic(const std::string& path, std::string_view content,
                             mode_t mode) {
  std::string temp = path + ".tmp";
  UniqueFd fd(::open(temp.c_str(),
                     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                     mode));
  if (!fd.valid()) return Errno("create", temp);
  if (::write(fd.get(), content.data(), content.size()) !=
          static_cast<ssize_t>(content.size()) ||
      ::fsync(fd.get()) != 0) {
    return Errno("write", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return Errno("rename", path);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT)
      return absl::NotFoundError(absl::StrCat(path, ": not found"));
    return Errno("open", path);
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof(buf))) > 0) {
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1 << 20))
      return absl::InternalError(path + ": too large");
  }
  if (n < 0) return Errno("read", path);
  return out;
}

absl::Status EnsureDir(const std::string& path, mode_t mode, uid_t uid,
                       gid_t gid) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return Errno("mkdir", path);
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return Errno("stat", path);
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(path + ": not a directory");
  }
  if (::chown(path.c_str(), uid, gid) != 0) return Errno("chown", path);
  if (::chmod(path.c_str(), mode) != 0) return Errno("chmod", path);
  return absl::OkStatus();
}

}  // namespace sandboxd::local
