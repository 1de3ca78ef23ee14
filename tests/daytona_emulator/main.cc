// daytona_emulator: a local stand-in for Daytona's API (control plane under
// /api, toolbox under /toolbox/{id}) that runs sandboxes as bubblewrap
// process trees. Flags:
//   --port=N (0: ephemeral)   --host=127.0.0.1   --data_dir=DIR
//   --port_file=FILE (written with the bound port once listening)
//   --transition_ms=300       --faults=JSON (see faults.h)
//   --sandbox_uid=65534 --sandbox_gid=65534 (used when run as root)
//   --npm_cache=DIR (created if missing, owned by the sandbox uid when run
//     as root; every sandbox's npm cache, shared across sandboxes and runs)
// Test-only; not part of sandboxd.
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "tests/daytona_emulator/emulator.h"
#include "tests/daytona_emulator/http_server.h"

namespace {

bool Flag(const std::string& arg, const std::string& name, std::string& out) {
  const std::string prefix = "--" + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  out = arg.substr(prefix.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using sandboxd::emulator::Emulator;
  using sandboxd::emulator::EmulatorOptions;
  using sandboxd::emulator::HttpServer;
  // SIGTERM/SIGINT are taken by sigwait below; block them before any thread
  // starts so that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  std::string host = "127.0.0.1", port_text = "0", port_file, faults;
  std::string transition = "300", uid = "65534", gid = "65534";
  EmulatorOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (Flag(arg, "port", port_text) || Flag(arg, "host", host) ||
        Flag(arg, "data_dir", options.data_dir) ||
        Flag(arg, "port_file", port_file) || Flag(arg, "faults", faults) ||
        Flag(arg, "transition_ms", transition) ||
        Flag(arg, "sandbox_uid", uid) || Flag(arg, "sandbox_gid", gid) ||
        Flag(arg, "npm_cache", options.launcher.npm_cache)) {
      continue;
    }
    std::cerr << "daytona_emulator: unknown flag " << arg << "\n";
    return 2;
  }
  int port = 0, transition_ms = 0;
  uint32_t sandbox_uid = 0, sandbox_gid = 0;
  if (!absl::SimpleAtoi(port_text, &port) ||
      !absl::SimpleAtoi(transition, &transition_ms) ||
      !absl::SimpleAtoi(uid, &sandbox_uid) ||
      !absl::SimpleAtoi(gid, &sandbox_gid)) {
    std::cerr << "daytona_emulator: bad numeric flag\n";
    return 2;
  }
  const bool own_data_dir = options.data_dir.empty();
  if (own_data_dir) {
    char tmpl[] = "/tmp/daytona-emulator-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    options.data_dir = tmpl;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir + "/sandboxes", ec);
  // bwrap runs as the sandbox uid and must reach its directory.
  chmod(options.data_dir.c_str(), 0711);
  chmod((options.data_dir + "/sandboxes").c_str(), 0711);
  if (geteuid() == 0) {
    // Sandboxes run as --sandbox_uid, which must reach data_dir.
    for (std::filesystem::path p = std::filesystem::absolute(options.data_dir);;
         p = p.parent_path()) {
      struct stat st;
      if (stat(p.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0 &&
          st.st_uid != sandbox_uid) {
        std::cerr << "daytona_emulator: " << p
                  << " must be searchable by others (chmod o+x) so that the "
                     "sandbox uid can reach its directory\n";
        return 2;
      }
      if (p == p.parent_path()) break;
    }
  }
  options.transition = absl::Milliseconds(transition_ms);
  options.launcher.uid = sandbox_uid;
  options.launcher.gid = sandbox_gid;
  if (!options.launcher.npm_cache.empty()) {
    options.launcher.npm_cache =
        std::filesystem::absolute(options.launcher.npm_cache);
    std::filesystem::create_directories(options.launcher.npm_cache, ec);
    if (geteuid() == 0 && chown(options.launcher.npm_cache.c_str(), sandbox_uid,
                                sandbox_gid) != 0) {
      std::perror("daytona_emulator: chown --npm_cache");
      return 2;
    }
  }

  Emulator emulator(options);
  if (!faults.empty()) {
    if (absl::Status s = emulator.faults().Add(faults); !s.ok()) {
      std::cerr << "daytona_emulator: " << s << "\n";
      return 2;
    }
  }
  auto server = HttpServer::Start(
      host, port,
      [&](const sandboxd::emulator::Request& r) { return emulator.Handle(r); });
  if (!server.ok()) {
    std::cerr << "daytona_emulator: " << server.status() << "\n";
    return 1;
  }
  std::cout << "daytona_emulator listening on " << host << ":"
            << (*server)->port() << " data_dir=" << options.data_dir
            << std::endl;
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << (*server)->port() << "\n";
    std::filesystem::rename(tmp, port_file, ec);
  }
  // SIGTERM/SIGINT end the process; --die-with-parent takes the sandboxes.
  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*server)->Shutdown();
  emulator.KillAll();
  std::filesystem::remove_all(
      own_data_dir ? options.data_dir : options.data_dir + "/sandboxes", ec);
  // Detached connection threads may still hold the emulator: leave without
  // running destructors.
  std::_Exit(0);
}
