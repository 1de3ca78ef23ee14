#include "client/command_line.h"

#include <algorithm>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/usage.h"
#include "lib/common/status_macros.h"

namespace sandboxd::client {
namespace {

using sandbox::v1::Mode;
using sandbox::v1::SandboxStatus;

struct FlagSpec {
  std::string_view name;
  bool takes_value;
};

struct Flag {
  std::string name;
  std::string value;
};

constexpr FlagSpec kGlobalFlags[] = {
    {"--server", true}, {"--timeout", true}, {"--token", true},
    {"--tls", false},   {"--ca", true},      {"--help", false},
    {"--cert", true},   {"--key", true},
};
constexpr FlagSpec kCreateFlags[] = {
    {"--dir", true},          {"--json", true},        {"--file", true},
    {"--project-name", true}, {"--description", true}, {"--build-script", true},
    {"--env", true},          {"--label", true},       {"--mode", true},
    {"--idle-timeout", true}, {"--request-id", true},  {"--wait", false},
    {"--output", true},
};
constexpr FlagSpec kGetDeleteFlags[] = {{"--output", true}, {"--json", false}};
constexpr FlagSpec kListFlags[] = {
    {"--status", true},     {"--label", true}, {"--page-size", true},
    {"--page-token", true}, {"--all", false},  {"--output", true},
    {"--json", false},
};
constexpr FlagSpec kApplyFlags[] = {
    {"--dir", true},   {"--file", true},   {"--delete", true},
    {"--wait", false}, {"--output", true}, {"--json", false},
};
constexpr FlagSpec kWatchFlags[] = {
    {"--after", true}, {"--json", false}, {"--output", true}};

absl::Status UsageError(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

const FlagSpec* FindSpec(std::string_view name,
                         const std::vector<FlagSpec>& specs) {
  auto it = std::find_if(specs.begin(), specs.end(),
                         [&](const FlagSpec& s) { return s.name == name; });
  return it == specs.end() ? nullptr : &*it;
}

std::string CanonicalFlagName(std::string_view name) {
  if (name == "-h") return "--help";
  if (name == "-o") return "--output";
  return std::string(name);
}

// Consumes args[*i...] into `flags` and `positionals`. Stops after the first
// positional when `stop_at_positional` (used to find the command).
absl::Status SplitArgs(const std::vector<std::string>& args, size_t* i,
                       const std::vector<FlagSpec>& specs,
                       const std::string& context, bool stop_at_positional,
                       std::vector<Flag>* flags,
                       std::vector<std::string>* positionals) {
  while (*i < args.size()) {
    const std::string& arg = args[(*i)++];
    if (arg == "--") {
      while (*i < args.size()) positionals->push_back(args[(*i)++]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positionals->push_back(arg);
      if (stop_at_positional) break;
      continue;
    }
    size_t eq = arg.find('=');
    std::string name = CanonicalFlagName(std::string_view(arg).substr(0, eq));
    const FlagSpec* spec = FindSpec(name, specs);
    if (spec == nullptr) {
      return UsageError(absl::StrCat("unknown flag \"", name, "\"", context));
    }
    Flag flag{name, ""};
    if (!spec->takes_value) {
      if (eq != std::string::npos) {
        return UsageError(absl::StrCat("flag ", name, " takes no value"));
      }
    } else if (eq != std::string::npos) {
      flag.value = arg.substr(eq + 1);
    } else if (*i < args.size()) {
      flag.value = args[(*i)++];
    } else {
      return UsageError(absl::StrCat("flag ", name, " needs a value"));
    }
    flags->push_back(std::move(flag));
  }
  return absl::OkStatus();
}

absl::StatusOr<KeyValue> ParseKeyValue(const Flag& flag) {
  size_t eq = flag.value.find('=');
  if (eq == std::string::npos || eq == 0) {
    return UsageError(
        absl::StrCat(flag.name, " \"", flag.value, "\": want KEY=VALUE"));
  }
  return KeyValue(flag.value.substr(0, eq), flag.value.substr(eq + 1));
}

// A duration such as "30s", "30m", "1h30m". Zero and "inf" mean "none".
absl::StatusOr<std::optional<absl::Duration>> ParseDurationFlag(
    const Flag& flag) {
  absl::Duration d;
  if (!absl::ParseDuration(flag.value, &d) || d < absl::ZeroDuration()) {
    return UsageError(absl::StrCat(flag.name, " \"", flag.value,
                                   "\": want a duration such as 30s, 30m, 1h"));
  }
  if (d == absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    return std::optional<absl::Duration>();
  }
  return std::optional<absl::Duration>(d);
}

absl::StatusOr<int64_t> ParseNonNegative(const Flag& flag) {
  int64_t n = 0;
  if (!absl::SimpleAtoi(flag.value, &n) || n < 0) {
    return UsageError(absl::StrCat(flag.name, " \"", flag.value,
                                   "\": want a non-negative integer"));
  }
  return n;
}

absl::StatusOr<Mode> ParseMode(const Flag& flag) {
  std::string v = absl::AsciiStrToLower(flag.value);
  if (v == "dev") return sandbox::v1::MODE_DEV;
  if (v == "production" || v == "prod") return sandbox::v1::MODE_PRODUCTION;
  return UsageError(
      absl::StrCat("--mode \"", flag.value, "\": want dev or production"));
}

// Accepts "ready", "READY" or "SANDBOX_STATUS_READY".
absl::StatusOr<SandboxStatus> ParseStatus(const Flag& flag) {
  std::string v = absl::AsciiStrToUpper(flag.value);
  if (v.rfind("SANDBOX_STATUS_", 0) != 0) v = "SANDBOX_STATUS_" + v;
  SandboxStatus status;
  if (!sandbox::v1::SandboxStatus_Parse(v, &status) ||
      status == sandbox::v1::SANDBOX_STATUS_UNSPECIFIED) {
    return UsageError(absl::StrCat(
        "--status \"", flag.value,
        "\": want pending, building, ready, stopped, failed, deleting or "
        "deleted"));
  }
  return status;
}

absl::StatusOr<OutputFormat> ParseOutput(const Flag& flag) {
  if (flag.value == "text") return OutputFormat::kText;
  if (flag.value == "json") return OutputFormat::kJson;
  return UsageError(
      absl::StrCat("--output \"", flag.value, "\": want text or json"));
}

absl::Status ApplyCreateFlag(const Flag& f, CreateOptions* c) {
  if (f.name == "--dir") {
    c->dir = f.value;
  } else if (f.name == "--json") {
    c->json_file = f.value;
  } else if (f.name == "--file") {
    ASSIGN_OR_RETURN(KeyValue kv, ParseKeyValue(f));
    if (kv.second.empty()) {
      return UsageError(
          absl::StrCat("--file \"", f.value, "\": want PATH=LOCALFILE"));
    }
    c->files.push_back(std::move(kv));
  } else if (f.name == "--project-name") {
    c->project_name = f.value;
  } else if (f.name == "--description") {
    c->description = f.value;
  } else if (f.name == "--build-script") {
    c->build_script = f.value;
  } else if (f.name == "--request-id") {
    c->request_id = f.value;
  } else if (f.name == "--env") {
    ASSIGN_OR_RETURN(KeyValue kv, ParseKeyValue(f));
    c->environment.push_back(std::move(kv));
  } else if (f.name == "--label") {
    ASSIGN_OR_RETURN(KeyValue kv, ParseKeyValue(f));
    c->labels.push_back(std::move(kv));
  } else if (f.name == "--mode") {
    ASSIGN_OR_RETURN(c->mode, ParseMode(f));
  } else if (f.name == "--idle-timeout") {
    ASSIGN_OR_RETURN(std::optional<absl::Duration> d, ParseDurationFlag(f));
    if (!d.has_value()) {
      return UsageError(absl::StrCat("--idle-timeout \"", f.value,
                                     "\": want a positive duration"));
    }
    c->idle_timeout = d;
  } else if (f.name == "--wait") {
    c->wait = true;
  }
  return absl::OkStatus();
}

absl::Status ApplyApplyFlag(const Flag& f, ApplyOptions* a) {
  if (f.name == "--dir") {
    a->dir = f.value;
  } else if (f.name == "--file") {
    size_t eq = f.value.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == f.value.size()) {
      return UsageError(
          absl::StrCat("--file \"", f.value, "\": want PATH=LOCALFILE"));
    }
    a->files.emplace_back(f.value.substr(0, eq), f.value.substr(eq + 1));
  } else if (f.name == "--delete") {
    if (f.value.empty()) return UsageError("--delete needs a PATH");
    a->deleted.push_back(f.value);
  } else if (f.name == "--wait") {
    a->wait = true;
  }
  return absl::OkStatus();
}

absl::Status ApplyListFlag(const Flag& f, ListOptions* l) {
  if (f.name == "--status") {
    ASSIGN_OR_RETURN(SandboxStatus s, ParseStatus(f));
    l->statuses.push_back(s);
  } else if (f.name == "--label") {
    RETURN_IF_ERROR(ParseKeyValue(f).status());
    l->label_selector.push_back(f.value);
  } else if (f.name == "--page-size") {
    ASSIGN_OR_RETURN(int64_t n, ParseNonNegative(f));
    if (n > INT32_MAX) return UsageError("--page-size is too large");
    l->page_size = static_cast<int32_t>(n);
  } else if (f.name == "--page-token") {
    l->page_token = f.value;
  } else if (f.name == "--all") {
    l->all = true;
  }
  return absl::OkStatus();
}

// Applies one parsed flag to `inv`; records an explicit --timeout.
absl::Status ApplyFlag(const Flag& f, Invocation* inv, bool* timeout_given) {
  GlobalOptions& g = inv->global;
  if (f.name == "--server") {
    if (f.value.empty()) return UsageError("--server needs HOST:PORT");
    g.server = f.value;
  } else if (f.name == "--timeout") {
    ASSIGN_OR_RETURN(g.timeout, ParseDurationFlag(f));
    *timeout_given = true;
  } else if (f.name == "--token") {
    g.token = f.value;
  } else if (f.name == "--tls") {
    g.tls = true;
  } else if (f.name == "--ca") {
    g.ca_file = f.value;
  } else if (f.name == "--cert") {
    g.cert_file = f.value;
  } else if (f.name == "--key") {
    g.key_file = f.value;
  } else if (f.name == "--output") {
    ASSIGN_OR_RETURN(inv->output, ParseOutput(f));
  } else if (f.name == "--json" && inv->command != Command::kCreate) {
    inv->output = OutputFormat::kJson;
  } else if (f.name == "--after") {
    ASSIGN_OR_RETURN(inv->watch_after, ParseNonNegative(f));
  } else if (inv->command == Command::kCreate) {
    return ApplyCreateFlag(f, &inv->create);
  } else if (inv->command == Command::kList) {
    return ApplyListFlag(f, &inv->list);
  } else if (inv->command == Command::kApply) {
    return ApplyApplyFlag(f, &inv->apply);
  }
  return absl::OkStatus();
}

struct CommandInfo {
  const char* name;
  Command command;
  const FlagSpec* flags;
  size_t flag_count;
  bool takes_id;
};

template <size_t N>
constexpr CommandInfo Info(const char* name, Command c,
                           const FlagSpec (&flags)[N], bool takes_id) {
  return CommandInfo{name, c, flags, N, takes_id};
}

constexpr CommandInfo kCommands[] = {
    Info("create", Command::kCreate, kCreateFlags, false),
    Info("get", Command::kGet, kGetDeleteFlags, true),
    Info("list", Command::kList, kListFlags, false),
    Info("delete", Command::kDelete, kGetDeleteFlags, true),
    Info("watch", Command::kWatch, kWatchFlags, true),
    Info("apply", Command::kApply, kApplyFlags, true),
};

const CommandInfo* FindCommand(std::string_view name) {
  for (const CommandInfo& info : kCommands) {
    if (std::string_view(info.name) == name) return &info;
  }
  return nullptr;
}

bool HasHelp(const std::vector<Flag>& flags) {
  return std::any_of(flags.begin(), flags.end(),
                     [](const Flag& f) { return f.name == "--help"; });
}

absl::Status CheckPositionals(const CommandInfo& info,
                              const std::vector<std::string>& positionals,
                              Invocation* inv) {
  if (!info.takes_id) {
    if (!positionals.empty()) {
      return UsageError(absl::StrCat(info.name, " takes no argument, got \"",
                                     positionals[0], "\""));
    }
    return absl::OkStatus();
  }
  if (positionals.size() != 1 || positionals[0].empty()) {
    return UsageError(absl::StrCat(info.name, " needs exactly one SANDBOX_ID"));
  }
  inv->sandbox_id = positionals[0];
  return absl::OkStatus();
}

// `sandboxctl help [COMMAND]`.
absl::StatusOr<std::string> HelpFor(const std::vector<std::string>& topics) {
  if (topics.empty()) return ToolHelp();
  if (FindCommand(topics[0]) == nullptr) {
    return UsageError(absl::StrCat("unknown command \"", topics[0], "\""));
  }
  return CommandHelp(topics[0]);
}

// Applies every flag, then the defaults and checks that depend on several.
absl::Status ApplyFlags(const std::vector<Flag>& flags, Invocation* inv) {
  bool timeout_given = false;
  for (const Flag& f : flags) {
    RETURN_IF_ERROR(ApplyFlag(f, inv, &timeout_given));
  }
  if (!timeout_given && inv->command != Command::kWatch) {
    const bool waits = (inv->command == Command::kCreate && inv->create.wait) ||
                       (inv->command == Command::kApply && inv->apply.wait);
    inv->global.timeout = waits ? kDefaultWaitTimeout : kDefaultTimeout;
  }
  const GlobalOptions& g = inv->global;
  if (!g.tls && (!g.ca_file.empty() || !g.cert_file.empty())) {
    return UsageError(g.ca_file.empty() ? "--cert needs --tls"
                                        : "--ca needs --tls");
  }
  if (g.cert_file.empty() != g.key_file.empty()) {
    return UsageError(g.cert_file.empty() ? "--key needs --cert"
                                          : "--cert needs --key");
  }
  if (inv->command == Command::kCreate && inv->create.dir.empty() &&
      inv->create.json_file.empty() && inv->create.files.empty()) {
    return UsageError("create needs the code: --dir, --json or --file");
  }
  if (inv->command == Command::kApply && inv->apply.dir.empty() &&
      inv->apply.files.empty() && inv->apply.deleted.empty()) {
    return UsageError("apply needs changes: --dir, --file or --delete");
  }
  return absl::OkStatus();
}

}  // namespace

std::string FindCommandName(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (FindCommand(arg) != nullptr) return arg;
  }
  return "";
}

absl::StatusOr<Invocation> ParseCommandLine(
    const std::vector<std::string>& args, const Environment& env) {
  Invocation inv;
  if (env.server.has_value() && !env.server->empty()) {
    inv.global.server = *env.server;
  }
  if (env.token.has_value()) inv.global.token = *env.token;
  for (auto [value, field] : {std::pair{&env.tls_ca, &inv.global.ca_file},
                              std::pair{&env.tls_cert, &inv.global.cert_file},
                              std::pair{&env.tls_key, &inv.global.key_file}}) {
    if (value->has_value() && !(*value)->empty()) {
      *field = **value;
      inv.global.tls = true;
    }
  }

  const std::vector<FlagSpec> global_specs(std::begin(kGlobalFlags),
                                           std::end(kGlobalFlags));
  std::vector<Flag> flags;
  std::vector<std::string> positionals;
  size_t i = 0;
  RETURN_IF_ERROR(
      SplitArgs(args, &i, global_specs, "", true, &flags, &positionals));
  if (positionals.empty()) {
    if (!HasHelp(flags)) return UsageError("no command given");
    inv.help = ToolHelp();
    return inv;
  }
  std::string name = positionals[0];
  positionals.clear();
  if (name == "help") {
    RETURN_IF_ERROR(
        SplitArgs(args, &i, global_specs, "", false, &flags, &positionals));
    ASSIGN_OR_RETURN(inv.help, HelpFor(positionals));
    return inv;
  }
  const CommandInfo* info = FindCommand(name);
  if (info == nullptr) {
    return UsageError(absl::StrCat("unknown command \"", name, "\""));
  }
  inv.command = info->command;
  std::vector<FlagSpec> specs = global_specs;
  specs.insert(specs.end(), info->flags, info->flags + info->flag_count);
  RETURN_IF_ERROR(SplitArgs(args, &i, specs, absl::StrCat(" for ", info->name),
                            false, &flags, &positionals));
  if (HasHelp(flags)) {
    inv.help = CommandHelp(info->name);
    return inv;
  }
  RETURN_IF_ERROR(ApplyFlags(flags, &inv));
  RETURN_IF_ERROR(CheckPositionals(*info, positionals, &inv));
  return inv;
}

}  // namespace sandboxd::client
