#include "lib/local/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
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

// A non-root service cannot give files away (the local provider's
// unprivileged mode, lib/local/README.md): every file stays its own, so the
// ownership changes below become no-ops (-1 keeps the current owner).
uid_t OwnerUid(uid_t uid) {
  return ::geteuid() == 0 ? uid : static_cast<uid_t>(-1);
}
gid_t OwnerGid(gid_t gid) {
  return ::geteuid() == 0 ? gid : static_cast<gid_t>(-1);
}

std::atomic<uint64_t>& TempCounter() {
  static std::atomic<uint64_t> counter{0};
  return counter;
}

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

// Opens the directory that holds dir/parts[0]/.../parts.back(), creating
// the missing ones (0755, uid:gid) without following a symlink.
absl::StatusOr<UniqueFd> OpenParentNoFollow(
    const std::string& dir, const std::vector<std::string>& parts, uid_t uid,
    gid_t gid) {
  UniqueFd current(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!current.valid()) return Errno("open", dir);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const char* name = parts[i].c_str();
    if (::mkdirat(current.get(), name, 0755) == 0) {
      if (::fchownat(current.get(), name, OwnerUid(uid), OwnerGid(gid),
                     AT_SYMLINK_NOFOLLOW) != 0) {
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
  return current;
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
  absl::StatusOr<UniqueFd> parent = OpenParentNoFollow(dir, parts, uid, gid);
  if (!parent.ok()) return parent.status();
  UniqueFd current = *std::move(parent);
  const std::string& leaf = parts.back();
  // Write a temporary file next to it, then rename it over the old one: a
  // running dev server never sees a missing or half-written file, and a
  // planted hard link or symlink is replaced, never written through.
  std::string temp;
  UniqueFd file;
  for (int attempt = 0; attempt < 100 && !file.valid(); ++attempt) {
    temp = absl::StrCat(".", leaf.substr(0, 200), ".sandboxd-", ::getpid(), "-",
                        TempCounter().fetch_add(1));
    file = UniqueFd(
        ::openat(current.get(), temp.c_str(),
                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!file.valid() && errno != EEXIST) break;
  }
  if (!file.valid()) return Errno("create", std::string(path));
  auto fail = [&](std::string_view what) {
    absl::Status status = Errno(what, std::string(path));
    ::unlinkat(current.get(), temp.c_str(), 0);
    return status;
  };
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n =
        ::write(file.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fchown(file.get(), OwnerUid(uid), OwnerGid(gid)) != 0)
    return fail("chown");
  if (::renameat(current.get(), temp.c_str(), current.get(), leaf.c_str()) !=
      0) {
    return fail("rename");
  }
  return absl::OkStatus();
}

namespace {

// Removes the files under dir_fd (relative path `prefix`) that `keep` does
// not list; returns whether the directory is left empty.
absl::StatusOr<bool> PruneDir(int dir_fd, const std::string& prefix,
                              const std::set<std::string>& keep,
                              const std::set<std::string>& keep_top,
                              int depth) {
  if (depth > kMaxDepth) {
    return absl::ResourceExhaustedError(
        absl::StrCat("directories nested deeper than ", kMaxDepth, " levels"));
  }
  int dup_fd = ::dup(dir_fd);
  if (dup_fd < 0) return Errno("dup", prefix);
  DIR* dir = ::fdopendir(dup_fd);
  if (dir == nullptr) {
    ::close(dup_fd);
    return Errno("opendir", prefix);
  }
  std::vector<std::pair<std::string, bool>> entries;  // name, is_dir
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      continue;
    }
    entries.emplace_back(std::move(name), S_ISDIR(st.st_mode));
  }
  ::closedir(dir);
  bool empty = true;
  for (const auto& [name, is_dir] : entries) {
    std::string rel = prefix.empty() ? name : absl::StrCat(prefix, "/", name);
    if (prefix.empty() && keep_top.contains(name)) {
      empty = false;
      continue;
    }
    if (!is_dir) {
      if (keep.contains(rel)) {
        empty = false;
      } else if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
        return Errno("remove", rel);
      }
      continue;
    }
    UniqueFd child(::openat(dir_fd, name.c_str(),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child.valid()) continue;
    absl::StatusOr<bool> child_empty =
        PruneDir(child.get(), rel, keep, keep_top, depth + 1);
    if (!child_empty.ok()) return child_empty.status();
    if (!*child_empty || (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 &&
                          errno != ENOENT)) {
      empty = false;
    }
  }
  return empty;
}

}  // namespace

absl::Status RemoveFilesNotIn(const std::string& dir,
                              const std::set<std::string>& keep,
                              const std::set<std::string>& keep_top) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Errno("open", dir);
  return PruneDir(fd.get(), "", keep, keep_top, 0).status();
}

namespace {

absl::Status CopyFileAt(int src_dir, int dst_dir, const std::string& name,
                        uid_t uid, gid_t gid, const std::string& where) {
  UniqueFd in(
      ::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in.valid()) return Errno("open", where);
  struct stat st;
  if (::fstat(in.get(), &st) != 0) return Errno("stat", where);
  if (!S_ISREG(st.st_mode)) return absl::OkStatus();  // replaced meanwhile
  const mode_t mode = (st.st_mode & 0111) != 0 ? 0755 : 0644;
  UniqueFd out(::openat(dst_dir, name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        mode));
  if (!out.valid()) return Errno("create", where);
  if (::fchown(out.get(), OwnerUid(uid), OwnerGid(gid)) != 0 ||
      ::fchmod(out.get(), mode) != 0) {
    return Errno("chown", where);
  }
  std::vector<char> buffer(1 << 16);
  while (true) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n == 0) return absl::OkStatus();
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("read", where);
    }
    for (ssize_t done = 0; done < n;) {
      ssize_t written = ::write(out.get(), buffer.data() + done, n - done);
      if (written < 0) {
        if (errno == EINTR) continue;
        return Errno("write", where);
      }
      done += written;
    }
  }
}

absl::Status CopyDirAt(int src_dir, int dst_dir, const std::string& where,
                       uid_t uid, gid_t gid, int depth) {
  if (depth > kMaxDepth) {
    return absl::ResourceExhaustedError(
        absl::StrCat("directories nested deeper than ", kMaxDepth, " levels"));
  }
  int dup_fd = ::dup(src_dir);
  if (dup_fd < 0) return Errno("dup", where);
  DIR* dir = ::fdopendir(dup_fd);
  if (dir == nullptr) {
    ::close(dup_fd);
    return Errno("opendir", where);
  }
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(dir);
  for (const std::string& name : names) {
    const std::string path = absl::StrCat(where, "/", name);
    struct stat st;
    if (::fstatat(src_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return Errno("stat", path);
    }
    if (S_ISREG(st.st_mode)) {
      absl::Status copied = CopyFileAt(src_dir, dst_dir, name, uid, gid, path);
      if (!copied.ok()) return copied;
      continue;
    }
    if (!S_ISDIR(st.st_mode)) continue;  // symlinks, devices, sockets
    if (::mkdirat(dst_dir, name.c_str(), 0755) != 0) {
      return Errno("mkdir", path);
    }
    if (::fchownat(dst_dir, name.c_str(), OwnerUid(uid), OwnerGid(gid),
                   AT_SYMLINK_NOFOLLOW) != 0) {
      return Errno("chown", path);
    }
    constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    UniqueFd from(::openat(src_dir, name.c_str(), kDirFlags));
    UniqueFd to(::openat(dst_dir, name.c_str(), kDirFlags));
    if (!from.valid() || !to.valid()) return Errno("open directory", path);
    absl::Status copied =
        CopyDirAt(from.get(), to.get(), path, uid, gid, depth + 1);
    if (!copied.ok()) return copied;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CopyTree(const std::string& source, const std::string& dir,
                      std::string_view path, uid_t uid, gid_t gid) {
  if (absl::Status valid = ValidateRelativePath(path); !valid.ok()) {
    return valid;
  }
  UniqueFd from(::open(source.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!from.valid()) {
    if (errno == ENOENT) return absl::NotFoundError(source + ": not found");
    return Errno("open", source);
  }
  std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(path.data(), path.size()), '/');
  absl::StatusOr<UniqueFd> parent = OpenParentNoFollow(dir, parts, uid, gid);
  if (!parent.ok()) return parent.status();
  const std::string& leaf = parts.back();
  struct stat st;
  if (::fstatat(parent->get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat(std::string(path), ": exists already"));
  }
  std::string temp;
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp = absl::StrCat(".", leaf.substr(0, 200), ".sandboxd-", ::getpid(), "-",
                        TempCounter().fetch_add(1));
    if (::mkdirat(parent->get(), temp.c_str(), 0755) == 0) break;
    if (errno != EEXIST) return Errno("mkdir", std::string(path));
    temp.clear();
  }
  if (temp.empty()) return Errno("mkdir", std::string(path));
  UniqueFd to(::openat(parent->get(), temp.c_str(),
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  absl::Status status =
      to.valid() ? CopyDirAt(from.get(), to.get(), source, uid, gid, 0)
                 : Errno("open directory", std::string(path));
  if (status.ok() && (::fchown(to.get(), OwnerUid(uid), OwnerGid(gid)) != 0 ||
                      ::fchmod(to.get(), 0755) != 0)) {
    status = Errno("chown", std::string(path));
  }
  // RENAME_NOREPLACE: a tree that appeared meanwhile is never replaced.
  if (status.ok() && ::renameat2(parent->get(), temp.c_str(), parent->get(),
                                 leaf.c_str(), RENAME_NOREPLACE) != 0) {
    status = errno == EEXIST ? absl::AlreadyExistsError(absl::StrCat(
                                   std::string(path), ": exists already"))
                             : Errno("rename", std::string(path));
  }
  if (!status.ok() && to.valid()) {
    PruneDir(to.get(), "", {}, {}, 0).IgnoreError();
    ::unlinkat(parent->get(), temp.c_str(), AT_REMOVEDIR);
  }
  return status;
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
  absl::Status walked = WalkTree(
      dir, [&](int parent, const std::string& name, const struct stat& st) {
        if (::fchownat(parent, name.c_str(), OwnerUid(uid), OwnerGid(gid),
                       AT_SYMLINK_NOFOLLOW) != 0 &&
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
  // An entry that vanished meanwhile (a dying process's last file, another
  // remover) fails remove_all with ENOENT: the walk just starts again.
  for (int retry = 0;
       retry < 3 && error == std::errc::no_such_file_or_directory; ++retry) {
    error.clear();
    std::filesystem::remove_all(path, error);
  }
  if (error && ::geteuid() != 0) {
    // Unprivileged mode: a sandbox runs as our uid and can leave
    // directories without u+w; restore it (never following symlinks) and
    // retry. Root ignores permissions.
    error.clear();
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      ::chmod(path.c_str(), 0700);
    }
    for (auto it = std::filesystem::recursive_directory_iterator(
             path, std::filesystem::directory_options::skip_permission_denied,
             error);
         !error && it != std::filesystem::recursive_directory_iterator();
         it.increment(error)) {
      if (it->is_directory(error) && !it->is_symlink(error)) {
        ::chmod(it->path().c_str(), 0700);
      }
    }
    error.clear();
    std::filesystem::remove_all(path, error);
  }
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
  if (::chown(path.c_str(), OwnerUid(uid), OwnerGid(gid)) != 0)
    return Errno("chown", path);
  if (::chmod(path.c_str(), mode) != 0) return Errno("chmod", path);
  return absl::OkStatus();
}

}  // namespace sandboxd::local
