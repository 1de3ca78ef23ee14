#include "lib/local/link_tree.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace sandboxd::local {
namespace {

namespace fs = std::filesystem;

absl::Status Error(const std::string& what, const fs::path& path,
                   const std::error_code& ec) {
  return absl::InternalError(absl::StrCat("link tree: ", what, " ",
                                          path.string(), ": ", ec.message()));
}

absl::Status MakeDir(const fs::path& path, uid_t uid, gid_t gid) {
  if (::mkdir(path.c_str(), 0755) != 0 || ::lchown(path.c_str(), uid, gid)) {
    return Error("mkdir", path,
                 std::error_code(errno, std::generic_category()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LinkTree(const std::string& source, const std::string& dest,
                      uid_t uid, gid_t gid) {
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(source, ec))) {
    return absl::NotFoundError(
        absl::StrCat("link tree: ", source, " is not a directory"));
  }
  if (fs::exists(fs::symlink_status(dest, ec))) {
    return absl::AlreadyExistsError(
        absl::StrCat("link tree: ", dest, " exists"));
  }
  if (absl::Status s = MakeDir(dest, uid, gid); !s.ok()) return s;
  const fs::path root(source);
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) return Error("open", root, ec);
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Error("walk", root, ec);
    const fs::path from = it->path();
    const fs::path to = fs::path(dest) / from.lexically_relative(root);
    const fs::file_status status = it->symlink_status(ec);
    if (ec) return Error("stat", from, ec);
    if (fs::is_symlink(status)) {
      fs::path target = fs::read_symlink(from, ec);
      if (!ec) fs::create_symlink(target, to, ec);
      if (!ec && ::lchown(to.c_str(), uid, gid) != 0) {
        ec = std::error_code(errno, std::generic_category());
      }
      if (ec) return Error("symlink", to, ec);
    } else if (fs::is_directory(status)) {
      if (absl::Status s = MakeDir(to, uid, gid); !s.ok()) return s;
    } else if (fs::is_regular_file(status)) {
      fs::create_hard_link(from, to, ec);
      if (ec) return Error("link", to, ec);
    }
  }
  if (ec) return Error("walk", root, ec);
  return absl::OkStatus();
}

}  // namespace sandboxd::local
