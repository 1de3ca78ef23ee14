#include "client/usage.h"

#include "absl/strings/str_cat.h"

namespace sandboxd::client {
namespace {

constexpr char kGlobalOptions[] =
    R"(Global options (before or after the command):
  --server HOST:PORT   sandboxd's gRPC address (env SANDBOXD_SERVER,
                       default 127.0.0.1:50051)
  --timeout DURATION   RPC deadline such as 10s, 2m; 0 for none (default 30s;
                       watch: none)
  --token TOKEN        bearer token sent as `authorization` metadata
                       (env SANDBOXD_TOKEN)
  --tls                use TLS; --ca FILE sets the PEM root certificates
                       (env SANDBOXD_TLS_CA, which implies --tls)
  --cert FILE --key FILE
                       PEM client certificate and key, for a server that
                       requires mutual TLS (env SANDBOXD_TLS_CERT and
                       SANDBOXD_TLS_KEY)
  -h, --help           show help
)";

struct CommandText {
  const char* name;
  const char* synopsis;
  const char* details;
};

constexpr CommandText kTexts[] = {
    {"create",
     "sandboxctl create (--dir DIR | --json FILE | --file PATH=LOCAL...) "
     "[options]",
     R"(Creates a sandbox from generated code and prints its id and preview URL.

Sources of the code (they can be combined; later ones win per file):
  --json FILE            a request in the REST shape, e.g.
                         {"generatedCode":{"page.tsx":"..."},"projectName":"x"}
                         (proto field names work too); "-" reads stdin
  --dir DIR              every regular file under DIR, keyed by its relative
                         path; node_modules, .git and .next are skipped;
                         binary (non-UTF-8) files are refused
  --file PATH=LOCALFILE  one file: PATH in the project, read from LOCALFILE
                         (repeatable)
Fields (override those from --json):
  --project-name NAME  --description TEXT  --build-script CMD
  --env K=V            environment variable for the app (repeatable)
  --label K=V          label (repeatable)
  --mode dev|production
  --idle-timeout DUR   stop after this long without activity, e.g. 30m
  --request-id ID      idempotency key: a retry returns the same sandbox
  --wait               return only once the sandbox is READY or FAILED
                       (default --timeout then 10m; exit 1 unless READY)
  -o, --output text|json
)"},
    {"apply",
     "sandboxctl apply SANDBOX_ID (--dir DIR | --file PATH=LOCAL...) "
     "[--delete PATH]... [--wait]",
     R"(Applies a batch of file changes to a READY (or FAILED) sandbox: a DEV app
picks them up by hot reload; a dependency change installs what is missing;
a PRODUCTION sandbox rebuilds. Prints the new generation. Progress: watch.
  --dir DIR              every regular file under DIR is added or replaced,
                         keyed by its relative path (as for create)
  --file PATH=LOCALFILE  one file: PATH in the project, read from LOCALFILE
                         (repeatable; wins over --dir for the same PATH)
  --delete PATH          remove one of the sandbox's generated files
                         (repeatable)
  --wait                 return only once the new files are served or the
                         apply failed (default --timeout then 10m; exit 1
                         unless READY)
  -o, --output text|json   (--json is short for -o json)
)"},
    {"get", "sandboxctl get SANDBOX_ID [-o text|json]",
     R"(Shows one sandbox.
  -o, --output text|json   (--json is short for -o json)
)"},
    {"list",
     "sandboxctl list [--status S]... [--label K=V]... [--page-size N] "
     "[--page-token T] [--all]",
     R"(Lists your sandboxes, newest first, as a table.
  --status S         only this status: pending, building, ready, stopped,
                     failed, deleting, deleted (repeatable: any of them)
  --label K=V        only sandboxes carrying this label (repeatable: all)
  --page-size N      sandboxes per page (server default 50)
  --page-token T     the page to start from
  --all              follow the pages to the end
  -o, --output text|json   (--json is short for -o json)
)"},
    {"delete", "sandboxctl delete SANDBOX_ID",
     R"(Deletes a sandbox (idempotent).
  -o, --output text|json   (--json is short for -o json)
)"},
    {"watch", "sandboxctl watch SANDBOX_ID [--after N] [--json]",
     R"(Follows a sandbox's build: phase changes with the time elapsed since the
watch began, log lines as they come (stderr lines marked), diagnostics, and
the result. Exits 0 if the build ended READY, 1 if it ended otherwise.
  --after N   replay only events after sequence number N
  --json      one JSON object per event, one per line
)"},
};

const CommandText* FindText(const std::string& name) {
  for (const CommandText& t : kTexts) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

}  // namespace

std::string ToolHelp() {
  std::string out =
      "sandboxctl: operate sandboxd (AI-generated NextJS apps in "
      "sandboxes).\n\n"
      "Usage: sandboxctl [global options] COMMAND [options]\n\nCommands:\n";
  for (const CommandText& t : kTexts)
    absl::StrAppend(&out, "  ", t.synopsis, "\n");
  absl::StrAppend(&out, "\n", kGlobalOptions,
                  "\nExit codes: 0 ok, 1 RPC error or failed build, 2 usage "
                  "error.\nRun 'sandboxctl COMMAND --help' for a command's "
                  "options.\n");
  return out;
}

std::string CommandHelp(const std::string& command) {
  const CommandText* t = FindText(command);
  if (t == nullptr) return ToolHelp();
  return absl::StrCat("Usage: ", t->synopsis, "\n\n", t->details, "\n",
                      kGlobalOptions);
}

std::string ShortUsage(const std::string& command) {
  const CommandText* t = FindText(command);
  if (t == nullptr) {
    return "usage: sandboxctl [global options] "
           "create|apply|get|list|delete|watch [options]\n"
           "Run 'sandboxctl --help' for details.\n";
  }
  return absl::StrCat("usage: ", t->synopsis, "\nRun 'sandboxctl ", t->name,
                      " --help' for details.\n");
}

}  // namespace sandboxd::client
