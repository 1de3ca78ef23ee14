#include "tests/daytona_emulator/command_rewrite.h"

#include <cctype>
#include <string_view>

namespace sandboxd::emulator {
namespace {

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n'; }
// Where a flag may start: the beginning, after blanks or a shell operator.
bool AtTokenStart(const std::string& s, size_t i) {
  return i == 0 || IsSpace(s[i - 1]) || s[i - 1] == ';' || s[i - 1] == '&' ||
         s[i - 1] == '|';
}

// If `flag` followed by a separator starts at s[i], the index after the
// separator; 0 otherwise. `equals_only`: the separator must be one '='.
size_t AfterFlag(const std::string& s, size_t i, std::string_view flag,
                 bool equals_only) {
  if (s.compare(i, flag.size(), flag) != 0) return 0;
  size_t j = i + flag.size();
  if (equals_only) return j < s.size() && s[j] == '=' ? j + 1 : 0;
  const size_t start = j;
  while (j < s.size() && (IsSpace(s[j]) || s[j] == '=')) ++j;
  return j > start ? j : 0;
}

}  // namespace

std::string RewriteCommand(const std::string& command,
                           const std::function<int(int)>& host_port) {
  std::string out;
  size_t i = 0;
  while (i < command.size()) {
    if (AtTokenStart(command, i)) {
      size_t value = 0;
      for (auto [flag, equals_only] :
           {std::pair<std::string_view, bool>{"--port", false},
            {"-p", false},
            {"PORT", true}}) {
        value = AfterFlag(command, i, flag, equals_only);
        if (value != 0) break;
      }
      if (value != 0) {
        size_t end = value;
        while (end < command.size() &&
               std::isdigit(static_cast<unsigned char>(command[end]))) {
          ++end;
        }
        const size_t digits = end - value;
        if (digits >= 2 && digits <= 5 &&
            (end == command.size() || !IsWordChar(command[end]))) {
          const int port = std::stoi(command.substr(value, digits));
          if (port >= 1 && port <= 65535) {
            out += command.substr(i, value - i);
            out += std::to_string(host_port(port));
            i = end;
            continue;
          }
        }
      }
      for (std::string_view flag : {"--hostname", "-H"}) {
        value = AfterFlag(command, i, flag, false);
        if (value != 0) break;
      }
      constexpr std::string_view kWildcard = "0.0.0.0";
      if (value != 0 &&
          command.compare(value, kWildcard.size(), kWildcard) == 0 &&
          (value + kWildcard.size() == command.size() ||
           !IsWordChar(command[value + kWildcard.size()]))) {
        out += command.substr(i, value - i);
        out += "127.0.0.1";
        i = value + kWildcard.size();
        continue;
      }
    }
    out += command[i++];
  }
  return out;
}

}  // namespace sandboxd::emulator
