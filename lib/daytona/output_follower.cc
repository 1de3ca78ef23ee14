// Incremental line splitting of cumulative command logs.
#include "lib/daytona/output_follower.h"

#include <utility>

#include "absl/strings/str_join.h"

namespace sandboxd::daytona {

OutputFollower::OutputFollower(OutputSink sink, size_t tail_lines)
    : sink_(std::move(sink)), tail_lines_(tail_lines) {}

void OutputFollower::Update(const CommandLogs& logs) {
  Consume(stdout_, logs.stdout_text);
  Consume(stderr_, logs.stderr_text);
}

void OutputFollower::Consume(Stream& stream, const std::string& text) {
  if (text.size() < stream.seen) {
    stream.seen = 0;
    stream.partial.clear();
  }
  stream.partial.append(text, stream.seen);
  stream.seen = text.size();
  size_t start = 0;
  for (size_t nl = stream.partial.find('\n'); nl != std::string::npos;
       nl = stream.partial.find('\n', start)) {
    size_t end = nl;
    if (end > start && stream.partial[end - 1] == '\r') --end;
    Emit(stream.kind, stream.partial.substr(start, end - start));
    start = nl + 1;
  }
  stream.partial.erase(0, start);
}

void OutputFollower::Finish() {
  for (Stream* stream : {&stdout_, &stderr_}) {
    if (stream->partial.empty()) continue;
    Emit(stream->kind, std::move(stream->partial));
    stream->partial.clear();
  }
}

void OutputFollower::Emit(OutputStream kind, std::string line) {
  if (sink_) sink_(kind, line);
  tail_.push_back(std::move(line));
  while (tail_.size() > tail_lines_) tail_.pop_front();
}

std::string OutputFollower::Tail() const { return absl::StrJoin(tail_, "\n"); }

}  // namespace sandboxd::daytona
