// sandboxctl's command line: the parsed form of one invocation and the parser
// that produces it. Pure (no I/O); used by sandboxctl.cc and its tests.
#ifndef SANDBOXD_CLIENT_COMMAND_LINE_H_
#define SANDBOXD_CLIENT_COMMAND_LINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd::client {

inline constexpr char kDefaultServer[] = "127.0.0.1:50051";
inline constexpr absl::Duration kDefaultTimeout = absl::Seconds(30);
// `create --wait` lasts a whole build.
inline constexpr absl::Duration kDefaultWaitTimeout = absl::Minutes(10);

// The environment variables sandboxctl reads (SANDBOXD_SERVER,
// SANDBOXD_TOKEN, SANDBOXD_TLS_CA, SANDBOXD_TLS_CERT, SANDBOXD_TLS_KEY). A
// non-empty SANDBOXD_TLS_* turns TLS on; flags override them.
struct Environment {
  std::optional<std::string> server;
  std::optional<std::string> token;
  std::optional<std::string> tls_ca;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
};

// Options every command accepts.
struct GlobalOptions {
  std::string server = kDefaultServer;
  // RPC deadline; nullopt means none (watch's default, or `--timeout 0`).
  std::optional<absl::Duration> timeout;
  // Sent as `authorization: Bearer <token>` when not empty.
  std::string token;
  bool tls = false;
  // PEM root certificates for --tls; empty means the system's roots.
  std::string ca_file;
  // PEM client certificate chain and its key, for servers that require
  // mutual TLS (--cert, --key); both or neither.
  std::string cert_file;
  std::string key_file;
};

enum class Command { kCreate, kGet, kList, kDelete, kWatch, kApply };
enum class OutputFormat { kText, kJson };

using KeyValue = std::pair<std::string, std::string>;

// `create`'s sources and overrides, as given; files are read by
// BuildCreateRequest.
struct CreateOptions {
  std::string dir;              // --dir
  std::string json_file;        // --json (a path, or "-" for stdin)
  std::vector<KeyValue> files;  // --file PATH=LOCALFILE, in order
  std::optional<std::string> project_name;
  std::optional<std::string> description;
  std::optional<std::string> build_script;
  std::optional<std::string> request_id;
  std::vector<KeyValue> environment;  // --env K=V
  std::vector<KeyValue> labels;       // --label K=V
  std::optional<sandbox::v1::Mode> mode;
  std::optional<absl::Duration> idle_timeout;
  bool wait = false;
};

// `apply`'s batch, as given; files are read by BuildApplyRequest.
struct ApplyOptions {
  std::string dir;                   // --dir
  std::vector<KeyValue> files;       // --file PATH=LOCALFILE, in order
  std::vector<std::string> deleted;  // --delete PATH, in order
  bool wait = false;                 // --wait
};

struct ListOptions {
  std::vector<sandbox::v1::SandboxStatus> statuses;
  std::vector<std::string> label_selector;  // each "key=value"
  int32_t page_size = 0;                    // 0: the server's default
  std::string page_token;
  bool all = false;  // follow next_page_token to the end
};

// One parsed invocation. When `help` is not empty the caller prints it and
// exits 0; the other fields are then unset.
struct Invocation {
  std::string help;
  GlobalOptions global;
  Command command = Command::kGet;
  OutputFormat output = OutputFormat::kText;
  std::string sandbox_id;  // get, delete, watch, apply
  CreateOptions create;
  ApplyOptions apply;
  ListOptions list;
  int64_t watch_after = 0;  // watch --after
};

// Parses `args` (without argv[0]). Global options may come before or after
// the command. Returns INVALID_ARGUMENT with a message for the user on any
// usage error (unknown command or flag, missing or malformed value).
absl::StatusOr<Invocation> ParseCommandLine(
    const std::vector<std::string>& args, const Environment& env);

// The command named in `args` ("create", ...), or "" if there is none; used
// to pick the short usage printed after a usage error.
std::string FindCommandName(const std::vector<std::string>& args);

}  // namespace sandboxd::client

#endif  // SANDBOXD_CLIENT_COMMAND_LINE_H_
