// LocalProvider: building the trusted build-cache seeds and copying them
// into PRODUCTION projects (see lib/local/build_cache_seed.h).
//
// A seed is built in a throw-away sandbox ("pool-seed-<hex>": hidden from
// List, removed at the next start like the pool's) at the pool's low CPU
// weight, one build at a time with the pool's fills and only while no user
// installs or builds. It is copied out of that sandbox's project and
// published with one rename (CopyTree), so a reader never sees half a seed.
#include "lib/local/build_cache_seed.h"

#include <sys/stat.h>

#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"
#include "lib/local/fs_util.h"
#include "lib/local/local_provider.h"
#include "lib/scaffold/warm_template.h"

namespace sandboxd::local {
namespace {

constexpr char kSeedPrefix[] = "pool-seed-";

void SeedLog(const std::string& text) {
  std::cerr << "sandboxd build-cache-seed " + text + "\n";
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

absl::StatusOr<scaffold::Project> BuildCacheSeedTemplate(
    scaffold::TailwindMajor tailwind) {
  ASSIGN_OR_RETURN(scaffold::Project warm,
                   scaffold::WarmTemplate(tailwind, ""));
  scaffold::Request request;
  request.mode = scaffold::Mode::kProduction;
  for (const char* name : {"page.tsx", "layout.tsx", "globals.css"}) {
    auto it = warm.files.find(absl::StrCat("app/", name));
    if (it == warm.files.end()) {
      return absl::InternalError(
          absl::StrCat("the warm template has no app/", name));
    }
    request.generated_code[name] = it->second;
  }
  return scaffold::Assemble(request);
}

void LocalProvider::SeedBuildCaches() {
  for (scaffold::TailwindMajor tailwind :
       {scaffold::TailwindMajor::kV3, scaffold::TailwindMajor::kV4}) {
    const int major = scaffold::MajorNumber(tailwind);
    absl::StatusOr<scaffold::Project> project =
        BuildCacheSeedTemplate(tailwind);
    if (!project.ok()) {
      SeedLog(
          absl::StrCat("tailwind=", major, ": ", project.status().ToString()));
      continue;
    }
    const std::string& fingerprint = project->plan.dependency_fingerprint;
    if (IsDirectory(absl::StrCat(store_.EntryDir(fingerprint), "/",
                                 kBuildCacheSeedDir))) {
      continue;
    }
    {
      // Like a pool fill: alone, and only while no user installs or builds;
      // after the pool (one slot set per Tailwind major) is full.
      const int pool_size = 2 * options_.warm_pool.size_per_profile;
      absl::MutexLock lock(&pool_mu_);
      while (!pool_stopping_ && (filling_ != 0 || user_commands_.load() != 0 ||
                                 static_cast<int>(warm_.size()) < pool_size)) {
        pool_mu_.AwaitWithTimeout(absl::Condition(&pool_stopping_),
                                  absl::Seconds(1));
      }
      if (pool_stopping_) return;
      ++filling_;
    }
    const absl::Time start = absl::Now();
    absl::Status built = BuildCacheSeed(*project);
    {
      absl::MutexLock lock(&pool_mu_);
      --filling_;
    }
    SeedLog(absl::StrCat(
        "tailwind=", major, " ", fingerprint.substr(0, 12), ": ",
        built.ok()
            ? absl::StrCat("seeded in ",
                           absl::FormatDuration(absl::Trunc(
                               absl::Now() - start, absl::Milliseconds(100))))
            : built.ToString()));
  }
}

absl::Status LocalProvider::BuildCacheSeed(const scaffold::Project& project) {
  const std::string id = BackgroundId(kSeedPrefix);
  const CallContext ctx(absl::Now() + options_.warm_pool.fill_timeout,
                        pool_cancel_);
  absl::Status status = RunBackgroundSandbox(
      id, "sandboxd-build-cache-seed", project, ctx,
      [&](const OutputSink& sink) -> absl::Status {
        ASSIGN_OR_RETURN(int code,
                         RunCommand(id, project.plan.build_command,
                                    project.plan.environment, sink, ctx));
        if (code != 0) {
          return absl::FailedPreconditionError(absl::StrCat(
              "`", project.plan.build_command, "` exited with code ", code));
        }
        // Root-owned and read-only to everyone else; published by one
        // rename.
        absl::Status copied =
            CopyTree(ProjectDir(id) + "/.next/cache",
                     store_.EntryDir(project.plan.dependency_fingerprint),
                     kBuildCacheSeedDir, 0, 0);
        return absl::IsAlreadyExists(copied) ? absl::OkStatus() : copied;
      });
  // A failed run destroyed the sandbox already; a successful one is done.
  if (status.ok()) {
    Destroy(id, CallContext(absl::Now() + absl::Minutes(1))).IgnoreError();
  }
  return status;
}

void LocalProvider::SeedProjectBuildCache(std::string_view sandbox_id,
                                          const std::string& fingerprint,
                                          const OutputSink& sink) {
  const std::string seed =
      absl::StrCat(store_.EntryDir(fingerprint), "/", kBuildCacheSeedDir);
  if (!IsDirectory(seed)) return;
  absl::StatusOr<std::shared_ptr<Sandbox>> sandbox = Find(sandbox_id);
  if (!sandbox.ok()) return;
  uid_t uid;
  {
    absl::MutexLock lock(&(*sandbox)->mu);
    uid = (*sandbox)->record.uid;
  }
  // A copy owned by the sandbox (the build updates it), never hard links to
  // the root-owned seed; a project that has a cache keeps its own.
  absl::Status copied =
      CopyTree(seed, ProjectDir(sandbox_id), ".next/cache", uid, uid);
  if (absl::IsAlreadyExists(copied) || !sink) return;
  sink(OutputStream::kStdout,
       copied.ok() ? absl::StrCat("seeded the build cache (", fingerprint, ")")
                   : absl::StrCat("the build cache was not seeded: ",
                                  copied.message()));
}

}  // namespace sandboxd::local
