#include "client/create_request.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::client {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// A fresh directory per test under gtest's temp dir.
class CreateRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ =
        fs::path(::testing::TempDir()) / "create_request_test" / info->name();
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string Write(const std::string& rel, const std::string& content) {
    fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  fs::path root_;
  std::istringstream no_stdin_;
};

TEST(IsUtf8TextTest, AcceptsTextAndRejectsBinary) {
  EXPECT_TRUE(IsUtf8Text(""));
  EXPECT_TRUE(IsUtf8Text("export default () => <p>héllo ✓ 😀</p>;\n"));
  EXPECT_FALSE(IsUtf8Text(std::string("a\0b", 3)));  // NUL
  EXPECT_FALSE(IsUtf8Text("\x89PNG\r\n"));           // stray byte
  EXPECT_FALSE(IsUtf8Text("\xC3"));                  // truncated
  EXPECT_FALSE(IsUtf8Text("\xC0\xAF"));              // overlong '/'
  EXPECT_FALSE(IsUtf8Text("\xE0\x80\xAF"));          // overlong 3-byte
  EXPECT_FALSE(IsUtf8Text("\xED\xA0\x80"));          // surrogate
  EXPECT_FALSE(IsUtf8Text("\xF4\x90\x80\x80"));      // past U+10FFFF
  EXPECT_FALSE(IsUtf8Text("\xE2\x9C"));              // cut 3-byte
}

TEST_F(CreateRequestTest, ReadsDirectorySkippingBuildOutputAndVcs) {
  Write("app/page.tsx", "page");
  Write("package.json", "{}");
  Write("components/ui/button.tsx", "btn");
  Write("node_modules/react/index.js", "no");
  Write("app/node_modules/x.js", "no");
  Write(".git/HEAD", "no");
  Write(".next/cache/x", "no");
  Write(".env.local", "A=1");
  fs::create_symlink(root_ / "package.json", root_ / "link.json");

  absl::StatusOr<std::map<std::string, std::string>> files =
      ReadProjectDir(root_.string());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(*files,
              UnorderedElementsAre(Pair("app/page.tsx", "page"),
                                   Pair("package.json", "{}"),
                                   Pair("components/ui/button.tsx", "btn"),
                                   Pair(".env.local", "A=1")));
}

TEST_F(CreateRequestTest, RefusesBinaryFileNamingIt) {
  Write("app/page.tsx", "page");
  Write("public/logo.png", std::string("\x89PNG\0\0", 6));
  absl::StatusOr<std::map<std::string, std::string>> files =
      ReadProjectDir(root_.string());
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(files.status().message()),
              HasSubstr("public/logo.png\" is not UTF-8 text"));
}

TEST_F(CreateRequestTest, MissingDirectoryIsNotFound) {
  absl::StatusOr<std::map<std::string, std::string>> files =
      ReadProjectDir((root_ / "nope").string());
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(files.status().message()),
              HasSubstr("not a directory"));
}

TEST(ParseCreateRequestJsonTest, AcceptsCamelCaseAndProtoNames) {
  absl::StatusOr<sandbox::v1::CreateSandboxRequest> camel = ParseCreateRequestJson(
      R"({"generatedCode":{"page.tsx":"x"},"projectName":"p","mode":"MODE_PRODUCTION","idleTimeout":"90s"})");
  ASSERT_TRUE(camel.ok()) << camel.status();
  EXPECT_EQ(camel->generated_code().at("page.tsx"), "x");
  EXPECT_EQ(camel->project_name(), "p");
  EXPECT_EQ(camel->mode(), sandbox::v1::MODE_PRODUCTION);
  EXPECT_EQ(camel->idle_timeout().seconds(), 90);

  absl::StatusOr<sandbox::v1::CreateSandboxRequest> snake = ParseCreateRequestJson(
      R"({"generated_code":{"a.html":"<p>"},"project_name":"q","wait_until_ready":true})");
  ASSERT_TRUE(snake.ok()) << snake.status();
  EXPECT_EQ(snake->generated_code().at("a.html"), "<p>");
  EXPECT_EQ(snake->project_name(), "q");
  EXPECT_TRUE(snake->wait_until_ready());
}

TEST(ParseCreateRequestJsonTest, RejectsMalformedAndUnknownFields) {
  EXPECT_EQ(ParseCreateRequestJson("{not json").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCreateRequestJson(R"({"generatedCod":{}})").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CreateRequestTest, FlagsOverrideJsonAndLaterSourcesWin) {
  std::string json = Write("req.json", R"({
    "generatedCode": {"page.tsx": "from json", "layout.tsx": "layout"},
    "projectName": "json-name", "description": "json-desc",
    "environment": {"A": "json", "B": "json"}, "labels": {"team": "a"},
    "mode": "MODE_DEV", "requestId": "json-id"})");
  Write("proj/page.tsx", "from dir");
  Write("proj/globals.css", "css");
  std::string local = Write("local.tsx", "from file");

  CreateOptions o;
  o.json_file = json;
  o.dir = (root_ / "proj").string();
  o.files = {{"globals.css", local}};
  o.project_name = "flag-name";
  o.build_script = "npm run build:ci";
  o.environment = {{"B", "flag"}, {"C", "flag"}};
  o.labels = {{"env", "prod"}};
  o.mode = sandbox::v1::MODE_PRODUCTION;
  o.idle_timeout = absl::Minutes(30) + absl::Milliseconds(500);
  o.request_id = "flag-id";
  o.wait = true;

  absl::StatusOr<sandbox::v1::CreateSandboxRequest> r =
      BuildCreateRequest(o, no_stdin_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->generated_code(),
              UnorderedElementsAre(Pair("page.tsx", "from dir"),
                                   Pair("layout.tsx", "layout"),
                                   Pair("globals.css", "from file")));
  EXPECT_EQ(r->project_name(), "flag-name");
  EXPECT_EQ(r->description(), "json-desc");
  EXPECT_EQ(r->build_script(), "npm run build:ci");
  EXPECT_THAT(r->environment(),
              UnorderedElementsAre(Pair("A", "json"), Pair("B", "flag"),
                                   Pair("C", "flag")));
  EXPECT_THAT(r->labels(),
              UnorderedElementsAre(Pair("team", "a"), Pair("env", "prod")));
  EXPECT_EQ(r->mode(), sandbox::v1::MODE_PRODUCTION);
  EXPECT_EQ(r->idle_timeout().seconds(), 1800);
  EXPECT_EQ(r->idle_timeout().nanos(), 500000000);
  EXPECT_EQ(r->request_id(), "flag-id");
  EXPECT_TRUE(r->wait_until_ready());
}

TEST_F(CreateRequestTest, ApplyRequestTakesDirFilesAndDeletions) {
  Write("proj/page.tsx", "from dir");
  Write("proj/components/Nav.tsx", "nav");
  std::string local = Write("local.tsx", "from file");
  ApplyOptions o;
  o.dir = (root_ / "proj").string();
  o.files = {{"page.tsx", local}};
  o.deleted = {"components/Old.tsx", "lib/x.ts"};
  o.wait = true;

  absl::StatusOr<sandbox::v1::ApplyFilesRequest> r =
      BuildApplyRequest("sbx-7", o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->sandbox_id(), "sbx-7");
  EXPECT_THAT(r->files(),
              UnorderedElementsAre(Pair("page.tsx", "from file"),
                                   Pair("components/Nav.tsx", "nav")));
  EXPECT_THAT(r->deleted_paths(),
              ::testing::ElementsAre("components/Old.tsx", "lib/x.ts"));
  EXPECT_TRUE(r->wait_until_applied());
}

TEST_F(CreateRequestTest, ApplyRequestRefusesAMissingLocalFile) {
  ApplyOptions o;
  o.files = {{"page.tsx", (root_ / "missing.tsx").string()}};
  absl::StatusOr<sandbox::v1::ApplyFilesRequest> r =
      BuildApplyRequest("sbx-7", o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("missing.tsx"));
}

TEST_F(CreateRequestTest, ReadsJsonFromStdin) {
  std::istringstream in(R"({"generatedCode":{"index.html":"<h1>hi</h1>"}})");
  CreateOptions o;
  o.json_file = "-";
  absl::StatusOr<sandbox::v1::CreateSandboxRequest> r =
      BuildCreateRequest(o, in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->generated_code().at("index.html"), "<h1>hi</h1>");
  EXPECT_FALSE(r->wait_until_ready());
  EXPECT_FALSE(r->has_idle_timeout());
}

TEST_F(CreateRequestTest, BadJsonNamesTheSource) {
  std::istringstream in("[1,2]");
  CreateOptions o;
  o.json_file = "-";
  absl::StatusOr<sandbox::v1::CreateSandboxRequest> r =
      BuildCreateRequest(o, in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("--json \"-\""));
}

TEST_F(CreateRequestTest, MissingOrBinaryLocalFileIsRefused) {
  CreateOptions o;
  o.files = {{"page.tsx", (root_ / "missing.tsx").string()}};
  absl::StatusOr<sandbox::v1::CreateSandboxRequest> r =
      BuildCreateRequest(o, no_stdin_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("missing.tsx"));

  o.files = {{"font.woff", Write("font.woff", std::string("wOFF\0\1", 6))}};
  r = BuildCreateRequest(o, no_stdin_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("font.woff"));
}

}  // namespace
}  // namespace sandboxd::client
