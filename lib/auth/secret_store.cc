#include "lib/auth/secret_store.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/status_macros.h"

namespace sandboxd::auth {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status Errno(const std::string& what, const std::string& path, int err) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", std::strerror(err)));
}

// Whether a secret at `path` is private to this process's user. A file
// `owned` by someone else could be swapped or read by them.
absl::Status CheckPrivate(const struct stat& st, const std::string& path,
                          bool directory, bool owned) {
  if (owned && st.st_uid != geteuid()) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is owned by uid ", st.st_uid, ", not by this user (uid ",
        geteuid(), "); run: chown ", geteuid(), " ", path));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s is accessible by group or others (mode %04o); run: chmod %s %s",
        path, st.st_mode & 07777, directory ? "700" : "600", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadOpenFile(int fd, const std::string& path,
                                         bool secret, bool owned) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Errno("stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a regular file"));
  }
  if (secret) RETURN_IF_ERROR(CheckPrivate(st, path, false, owned));
  std::string contents;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("read", path, errno);
    if (n == 0) break;
    contents.append(buffer, n);
    if (contents.size() > kMaxKeyFileBytes) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is larger than ", kMaxKeyFileBytes, " bytes"));
    }
  }
  return contents;
}

absl::StatusOr<std::string> ReadFile(const std::string& path, bool secret) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(path, " does not exist"));
    }
    return Errno("open", path, errno);
  }
  return ReadOpenFile(fd.get(), path, secret, /*owned=*/false);
}

absl::Status EnsurePrivateDir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Errno("create directory", dir, errno);
  }
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) return Errno("stat", dir, errno);
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " is not a directory"));
  }
  return CheckPrivate(st, dir, /*directory=*/true, /*owned=*/true);
}

absl::Status WriteAll(int fd, const unsigned char* data, size_t size,
                      const std::string& path) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", path, errno);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// Writes a fresh secret to a private temporary file, then link(2)s it to
// `path`: readers never see a partial file, and an existing key is never
// replaced. ALREADY_EXISTS if another process created `path` first.
absl::StatusOr<std::string> CreateSecretFile(const std::string& dir,
                                             const std::string& path) {
  unsigned char secret[kGeneratedSecretBytes];
  if (RAND_bytes(secret, sizeof(secret)) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  std::string temp = path + ".tmp.XXXXXX";
  absl::Status written;
  {
    Fd fd(mkostemp(&temp[0], O_CLOEXEC));  // O_EXCL, mode 0600.
    if (fd.get() < 0) {
      OPENSSL_cleanse(secret, sizeof(secret));
      return Errno("create", temp, errno);
    }
    written = WriteAll(fd.get(), secret, sizeof(secret), temp);
    if (written.ok() && fsync(fd.get()) != 0) {
      written = Errno("fsync", temp, errno);
    }
  }
  const std::string result(reinterpret_cast<const char*>(secret),
                           sizeof(secret));
  OPENSSL_cleanse(secret, sizeof(secret));
  const int linked = written.ok() ? link(temp.c_str(), path.c_str()) : -1;
  const int link_errno = errno;
  unlink(temp.c_str());
  if (!written.ok()) return written;
  if (linked != 0) {
    if (link_errno == EEXIST) return absl::AlreadyExistsError(path);
    return Errno("link", path, link_errno);
  }
  Fd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || fsync(dir_fd.get()) != 0) {
    return Errno("fsync", dir, errno);
  }
  return result;
}

absl::StatusOr<std::string> ReadExistingSecret(int fd,
                                               const std::string& path) {
  ASSIGN_OR_RETURN(std::string secret,
                   ReadOpenFile(fd, path, /*secret=*/true, /*owned=*/true));
  if (secret.size() < kGeneratedSecretBytes) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " holds ", secret.size(), " bytes, fewer than ",
        kGeneratedSecretBytes, "; delete it to generate a new secret"));
  }
  return secret;
}

}  // namespace

std::string Hs256SecretPath(const std::string& data_dir) {
  return absl::StrCat(data_dir, "/auth/hs256.key");
}

std::string PreviewSecretPath(const std::string& data_dir) {
  return absl::StrCat(data_dir, "/auth/preview.key");
}

absl::StatusOr<std::string> LoadOrCreateHs256Secret(const std::string& data_dir,
                                                    bool* created) {
  return LoadOrCreateSecret(data_dir, Hs256SecretPath(data_dir), created);
}

absl::StatusOr<std::string> LoadOrCreatePreviewSecret(
    const std::string& data_dir) {
  return LoadOrCreateSecret(data_dir, PreviewSecretPath(data_dir), nullptr);
}

absl::StatusOr<std::string> LoadOrCreateSecret(const std::string& data_dir,
                                               const std::string& path,
                                               bool* created) {
  if (created != nullptr) *created = false;
  if (data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir: is empty");
  }
  if (mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Errno("create directory", data_dir, errno);
  }
  const std::string dir = absl::StrCat(data_dir, "/auth");
  RETURN_IF_ERROR(EnsurePrivateDir(dir));
  // Two rounds: if another process wins the creation race, read its file.
  for (int round = 0; round < 2; ++round) {
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() >= 0) return ReadExistingSecret(fd.get(), path);
    if (errno == ELOOP) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is a symlink; replace it with a regular file"));
    }
    if (errno != ENOENT) return Errno("open", path, errno);
    absl::StatusOr<std::string> secret = CreateSecretFile(dir, path);
    if (secret.ok() && created != nullptr) *created = true;
    if (!absl::IsAlreadyExists(secret.status())) return secret;
  }
  return absl::InternalError(absl::StrCat("could not create ", path));
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  return ReadFile(path, /*secret=*/false);
}

absl::StatusOr<std::string> ReadSecretKeyFile(const std::string& path) {
  return ReadFile(path, /*secret=*/true);
}

}  // namespace sandboxd::auth
