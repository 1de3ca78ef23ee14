// The only way out of an install sandbox: an HTTP CONNECT proxy listening
// on a unix socket, which LocalProvider bind-mounts into every install
// sandbox (those run with their own network namespace, loopback only). It
// opens TLS tunnels to the npm registry's host:port and to nothing else,
// so neither npm nor a dependency spec a registry package declares (a
// tarball URL, a git host) can reach the host's loopback, the cloud
// metadata service or the internal network. Inside the sandbox, a small
// trusted forwarder (kRegistryForwarderJs) listens on 127.0.0.1 and relays
// npm's proxy connections to the socket.
//
// One thread accepts; each tunnel has its own thread (installs open a few
// at a time; at most `max_connections`). Thread-safe; the destructor
// closes every tunnel and joins.
#ifndef SANDBOXD_LIB_LOCAL_REGISTRY_PROXY_H_
#define SANDBOXD_LIB_LOCAL_REGISTRY_PROXY_H_

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/local/unique_fd.h"

namespace sandboxd::local {

// Where the forwarder listens inside install sandboxes (their own netns).
inline constexpr int kRegistryForwarderPort = 3128;

// The in-sandbox forwarder (Node, which every sandbox has): listens on
// 127.0.0.1:kRegistryForwarderPort, pipes each connection to the unix
// socket given as argv[2], runs `/bin/sh -c argv[3]` once listening, and
// exits with its status.
extern const char kRegistryForwarderJs[];

// The "host:port" an npm registry URL (https://host[:port]/path) is
// reached at, for the allow list. INVALID_ARGUMENT unless it is an https
// URL with a host (npm tunnels https through the proxy; plain http would
// need a forwarding proxy).
absl::StatusOr<std::string> RegistryTunnelTarget(std::string_view url);

class RegistryProxy {
 public:
  struct Options {
    std::string socket_path;           // created (mode 0666), replaced
    std::vector<std::string> allowed;  // "host:port", host case-insensitive
    int max_connections = 64;
    absl::Duration header_timeout = absl::Seconds(10);
    absl::Duration connect_timeout = absl::Seconds(15);
    absl::Duration idle_timeout = absl::Minutes(5);
  };

  // Binds the socket and starts accepting. INVALID_ARGUMENT for an empty
  // allow list or a malformed entry; INTERNAL if the socket cannot be made.
  static absl::StatusOr<std::unique_ptr<RegistryProxy>> Start(Options options);
  ~RegistryProxy();
  RegistryProxy(const RegistryProxy&) = delete;
  RegistryProxy& operator=(const RegistryProxy&) = delete;

  const std::string& socket_path() const { return options_.socket_path; }
  // Tunnels refused (target not allowed, malformed request, too many).
  uint64_t refused() const { return refused_.load(); }

 private:
  RegistryProxy(Options options, UniqueFd listener, UniqueFd wake_read,
                UniqueFd wake_write);
  void AcceptLoop();
  void Serve(int client);
  // Writes `response` (a status line and headers) and counts a refusal.
  void Refuse(int client, const std::string& response, const std::string& why);
  void Relay(int client, int upstream, std::string pending);

  const Options options_;
  std::set<std::string> allowed_;  // lower-cased "host:port"
  UniqueFd listener_;
  // Closed (write end) at destruction: wakes every poll.
  UniqueFd wake_read_;
  UniqueFd wake_write_;
  std::atomic<uint64_t> refused_{0};
  absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread acceptor_;
};

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_REGISTRY_PROXY_H_
