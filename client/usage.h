// sandboxctl's help texts: the tool's overview, each command's full help, and
// the short usage printed after a usage error. Pure; used by command_line.cc
// and sandboxctl.cc.
#ifndef SANDBOXD_CLIENT_USAGE_H_
#define SANDBOXD_CLIENT_USAGE_H_

#include <string>

namespace sandboxd::client {

// `sandboxctl --help`.
std::string ToolHelp();

// `sandboxctl COMMAND --help`; `command` must be a known command name.
std::string CommandHelp(const std::string& command);

// Two lines: the command's synopsis and where to find more. For an empty or
// unknown `command`, the tool's synopsis.
std::string ShortUsage(const std::string& command);

}  // namespace sandboxd::client

#endif  // SANDBOXD_CLIENT_USAGE_H_
