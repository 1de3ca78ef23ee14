// Turns the cumulative logs of a toolbox session command, fetched again and
// again, into new output lines per stream. Used by DaytonaProvider while it
// follows install, build and start commands.
#ifndef SANDBOXD_LIB_DAYTONA_OUTPUT_FOLLOWER_H_
#define SANDBOXD_LIB_DAYTONA_OUTPUT_FOLLOWER_H_

#include <cstddef>
#include <deque>
#include <string>

#include "lib/daytona/daytona_json.h"
#include "lib/provider/provider.h"

namespace sandboxd::daytona {

// Emits only the bytes not seen before, split into lines (without "\n" or a
// trailing "\r"), stdout and stderr apart; a partial last line waits for its
// end or for Finish(). Keeps the last lines for error messages.
// Not thread-safe: one follower per command.
class OutputFollower {
 public:
  explicit OutputFollower(OutputSink sink, size_t tail_lines = 20);

  // `logs` is the whole output so far. If a stream got shorter (the daemon
  // restarted its log), it is read again from the start.
  void Update(const CommandLogs& logs);
  // Emits the partial last lines, if any.
  void Finish();
  // The last lines emitted (both streams, in emission order), joined by "\n".
  std::string Tail() const;

 private:
  struct Stream {
    OutputStream kind;
    size_t seen = 0;      // bytes of the cumulative log consumed
    std::string partial;  // bytes after the last newline
  };
  void Consume(Stream& stream, const std::string& text);
  void Emit(OutputStream kind, std::string line);

  OutputSink sink_;
  size_t tail_lines_;
  Stream stdout_{OutputStream::kStdout, 0, ""};
  Stream stderr_{OutputStream::kStderr, 0, ""};
  std::deque<std::string> tail_;
};

}  // namespace sandboxd::daytona

#endif  // SANDBOXD_LIB_DAYTONA_OUTPUT_FOLLOWER_H_
