// Fault injection rules of the Daytona emulator, set by --faults or
// POST /_emulator/faults (a JSON object or array of objects):
//   {"kind":"status","status":429,"retryAfter":1,"count":2,"path":"/sandbox"}
//   {"kind":"empty_502"} {"kind":"drop"} {"kind":"delay","delayMs":2000}
//   {"kind":"stuck_starting"} {"kind":"error","errorReason":"no runner"}
// Request faults apply to the next `count` requests (-1: all) whose path
// contains `path` and whose method equals `method` (when given); sandbox
// faults apply to the next `count` sandboxes entering `starting`.
// Thread-safety: Faults is internally synchronized.
#ifndef SANDBOXD_TESTS_DAYTONA_EMULATOR_FAULTS_H_
#define SANDBOXD_TESTS_DAYTONA_EMULATOR_FAULTS_H_

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sandboxd::emulator {

struct FaultRule {
  std::string
      kind;  // status | empty_502 | drop | delay | stuck_starting | error
  int status = 500;
  int retry_after = 1;  // seconds, for 429
  std::string throttler = "authenticated";
  int count = 1;  // -1: unlimited
  std::string path;
  std::string method;
  int delay_ms = 0;
  std::string error_reason = "emulated failure";
};

class Faults {
 public:
  // Appends the rules of `json`; INVALID_ARGUMENT if it does not parse.
  absl::Status Add(const std::string& json);
  void Clear();
  std::string ToJson();
  // The first request fault matching, consumed (its count decremented).
  std::optional<FaultRule> TakeRequestFault(const std::string& method,
                                            const std::string& path);
  // The first sandbox fault (stuck_starting / error), consumed.
  std::optional<FaultRule> TakeSandboxFault();

 private:
  std::optional<FaultRule> Take(bool sandbox_fault, const std::string& method,
                                const std::string& path);
  std::mutex mu_;
  std::vector<FaultRule> rules_;
};

}  // namespace sandboxd::emulator

#endif  // SANDBOXD_TESTS_DAYTONA_EMULATOR_FAULTS_H_
