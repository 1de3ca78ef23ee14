// Parity with the real grpc-gateway: replays the requests recorded in
// goldens/rest_parity.json (recorded by goldens/record_goldens.py with the
// gateway-oracle in front of sandboxd_fake) against sandboxd_fake's own HTTP
// front, and compares status codes, content types and parsed JSON bodies /
// stream frames after the same normalisation (ids, times, durations).
//
// Known, documented equivalences (see goldens/README.md):
//  - a stream that fails before its first message: the oracle's --as-v2
//    transcript keeps the error frame {"error":E}; the reference (and this
//    front) answers with the unary body E. Both carry the mapped status.
//  - `chunked` is compared for streams only (Go chunks any large body).
//  - '#! message-differs' entries: gateway-made errors, whose texts are Go's.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tests/lib/http/test_client.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;
using rapidjson::Document;
using rapidjson::Value;

std::string ToJson(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

// sandboxd_fake as a child process.
class FakeSandboxd {
 public:
  explicit FakeSandboxd(const std::vector<std::string>& flags) {
    char dir_template[] = "/tmp/rest-parity-XXXXXX";
    data_dir_ = mkdtemp(dir_template);
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      int null_fd = open("/dev/null", O_WRONLY);
      dup2(null_fd, 2);
      close(out[0]);
      std::vector<std::string> args = {
          SANDBOXD_FAKE_PATH, "--grpc_addr=127.0.0.1:0",
          "--http_addr=127.0.0.1:0", "--data_dir=" + data_dir_};
      args.insert(args.end(), flags.begin(), flags.end());
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    FILE* stream = fdopen(out[0], "r");
    char line[4096];
    const std::regex bearer("Bearer ([A-Za-z0-9._-]+)'");
    const std::regex listening("LISTENING grpc=(\\d+) http=(\\d+)");
    while (stream != nullptr && fgets(line, sizeof(line), stream) != nullptr) {
      std::cmatch m;
      if (token_.empty() && std::regex_search(line, m, bearer)) {
        token_ = m[1].str();
      }
      if (std::regex_search(line, m, listening)) {
        http_port_ = std::stoi(m[2].str());
        break;
      }
    }
    // Keep the pipe open (the child may still write); closed at the end.
    stdout_ = stream;
  }
  ~FakeSandboxd() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ != nullptr) fclose(stdout_);
    std::string rm = "rm -rf '" + data_dir_ + "'";
    if (system(rm.c_str()) != 0) perror("rm");
  }

  int http_port() const { return http_port_; }
  const std::string& token() const { return token_; }

 private:
  std::string data_dir_;
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
  int http_port_ = 0;
  std::string token_;
};

class Normaliser {
 public:
  void CollectIds(const Value& value) {
    if (value.IsObject()) {
      for (const auto& member : value.GetObject()) {
        if (std::string(member.name.GetString()) == "sandboxId" &&
            member.value.IsString()) {
          std::string id = member.value.GetString();
          bool known = id.empty();
          for (const auto& [name, real] : ids_) known = known || real == id;
          if (!known)
            ids_.emplace_back(absl::StrCat("SBX", ids_.size() + 1), id);
        }
        CollectIds(member.value);
      }
    } else if (value.IsArray()) {
      for (const auto& element : value.GetArray()) CollectIds(element);
    }
  }

  void Normalise(Value& value, Document::AllocatorType& allocator,
                 const std::string& key = "") {
    if (value.IsObject()) {
      for (auto& member : value.GetObject()) {
        Normalise(member.value, allocator, member.name.GetString());
      }
    } else if (value.IsArray()) {
      for (auto& element : value.GetArray()) Normalise(element, allocator);
    } else if (value.IsString()) {
      std::string text = value.GetString();
      if (key == "lastEventSequence") {
        text = "<SEQ>";
      } else if (key == "nextPageToken" && !text.empty()) {
        text = "<PAGE_TOKEN>";
      } else if (std::regex_match(text, time_)) {
        text = "<TIME>";
      } else if (std::regex_match(text, duration_)) {
        text = "<DURATION>";
      } else {
        for (const auto& [name, real] : ids_) {
          text = absl::StrReplaceAll(text, {{real, "{" + name + "}"}});
        }
      }
      value.SetString(text.c_str(), allocator);
    }
  }

  std::string Substitute(std::string text, const std::string& token) const {
    text = absl::StrReplaceAll(text, {{"{TOKEN}", token}});
    for (const auto& [name, real] : ids_) {
      text = absl::StrReplaceAll(text, {{"{" + name + "}", real}});
    }
    return text;
  }

 private:
  std::vector<std::pair<std::string, std::string>> ids_;
  const std::regex time_{R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$)"};
  const std::regex duration_{R"(^-?\d+(\.\d+)?s$)"};
};

// Removes "message" from an error body {"code",...} or frame {"error":{}}.
void DropErrorMessage(Value& value) {
  if (!value.IsObject()) return;
  if (value.HasMember("error") && value["error"].IsObject()) {
    value["error"].RemoveMember("message");
  }
  if (value.HasMember("code")) value.RemoveMember("message");
}

TEST(RestParityTest, MatchesTheRecordedGrpcGateway) {
  std::ifstream file(std::string(REST_GOLDENS_DIR) + "/rest_parity.json");
  ASSERT_TRUE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  Document golden;
  golden.Parse(text.str().c_str());
  ASSERT_FALSE(golden.HasParseError());

  std::vector<std::string> flags;
  for (const auto& flag : golden["sandboxd_flags"].GetArray()) {
    flags.push_back(flag.GetString());
  }
  FakeSandboxd sandboxd(flags);
  ASSERT_GT(sandboxd.http_port(), 0);
  ASSERT_FALSE(sandboxd.token().empty());

  Normaliser normaliser;
  int compared = 0;
  for (auto& entry : golden["entries"].GetArray()) {
    const std::string line = entry["request"].GetString();
    SCOPED_TRACE(line);
    std::vector<std::string> parts = absl::StrSplit(
        normaliser.Substitute(line, sandboxd.token()), absl::MaxSplits(' ', 2));
    ASSERT_GE(parts.size(), 2u);
    HttpRequest request(http::string_to_verb(parts[0]), parts[1], 11);
    request.set(http::field::host, "127.0.0.1");
    for (const auto& header : entry["headers"].GetArray()) {
      std::string h =
          normaliser.Substitute(header.GetString(), sandboxd.token());
      size_t colon = h.find(':');
      request.set(h.substr(0, colon), h.substr(colon + 2));
    }
    if (parts.size() > 2) {
      request.set(http::field::content_type, "application/json");
      request.body() = parts[2];
    }
    testing::TestClient client(sandboxd.http_port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(std::move(request)));
    boost::system::error_code ec;
    HttpResponse response = client.Read(&ec);
    ASSERT_FALSE(ec) << ec.message();

    bool status_only = false, message_differs = false;
    for (const auto& flag : entry["flags"].GetArray()) {
      status_only |= std::string(flag.GetString()) == "status-only";
      message_differs |= std::string(flag.GetString()) == "message-differs";
    }
    // The summary record.py makes of a response.
    Document ours;
    ours.SetObject();
    auto& allocator = ours.GetAllocator();
    const std::string& body = response.body();
    std::vector<std::string> frames = absl::StrSplit(body, '\n');
    const bool is_stream =
        frames.size() > 2 || (frames.size() == 2 && !frames[1].empty());
    Value content(rapidjson::kNullType);
    if (is_stream) {
      content.SetArray();
      if (body.back() == '\n') frames.pop_back();
      for (const std::string& frame : frames) {
        Document parsed(&allocator);
        parsed.Parse(frame.c_str());
        ASSERT_FALSE(parsed.HasParseError()) << frame;
        content.PushBack(Value(parsed, allocator), allocator);
      }
    } else if (!body.empty()) {
      Document parsed(&allocator);
      parsed.Parse(body.c_str());
      ASSERT_FALSE(parsed.HasParseError()) << body;
      content.CopyFrom(parsed, allocator);
    }
    normaliser.CollectIds(content);
    normaliser.Normalise(content, allocator);

    EXPECT_EQ(response.result_int(), entry["status"].GetUint());
    ++compared;
    if (status_only) continue;
    EXPECT_EQ(std::string(response[http::field::content_type]),
              entry["content_type"].GetString());
    EXPECT_EQ(entry["metadata"].Size(), 0u)
        << "the recording has header metadata this test does not check";

    Value expected(rapidjson::kNullType);
    if (entry.HasMember("frames")) {
      expected.CopyFrom(entry["frames"], allocator);
      EXPECT_TRUE(is_stream) << body;
      EXPECT_TRUE(response.chunked());
    } else {
      expected.CopyFrom(entry["body"], allocator);
      if (expected.IsNull()) {
        EXPECT_EQ(response.chunked(), entry["chunked"].GetBool());
      }
      // A stream that failed before its first message: see the file comment.
      if (expected.IsObject() && expected.MemberCount() == 1 &&
          expected.HasMember("error") &&
          !(content.IsObject() && content.HasMember("error"))) {
        Value unwrapped(expected["error"], allocator);
        expected = std::move(unwrapped);
      }
    }
    if (message_differs) {
      DropErrorMessage(expected);
      DropErrorMessage(content);
      if (expected.IsArray() && !expected.Empty()) {
        DropErrorMessage(expected[expected.Size() - 1]);
      }
      if (content.IsArray() && !content.Empty()) {
        DropErrorMessage(content[content.Size() - 1]);
      }
    }
    EXPECT_TRUE(content == expected)
        << "ours:   " << ToJson(content) << "\noracle: " << ToJson(expected);
  }
  EXPECT_GT(compared, 30);
}

}  // namespace
}  // namespace sandboxd
