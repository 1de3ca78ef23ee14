// Shared fixture of the DaytonaProvider flow tests: a provider over a gMock
// transport, a fake clock and a fake sleeper, and Daytona-shaped replies.
#ifndef SANDBOXD_TESTS_LIB_DAYTONA_DAYTONA_PROVIDER_FIXTURE_H_
#define SANDBOXD_TESTS_LIB_DAYTONA_DAYTONA_PROVIDER_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/daytona/daytona_client.h"
#include "lib/daytona/daytona_provider.h"
#include "tests/lib/daytona/fake_sleeper.h"
#include "tests/lib/daytona/mock_http_transport.h"

namespace sandboxd::daytona::testing {

inline constexpr char kApi[] = "https://api.test/api";
inline constexpr char kKey[] = "dtn_0123456789abcdef_secret";
inline constexpr char kToolbox[] = "https://proxy.test/toolbox/dt-1";

inline std::string SandboxJson(const std::string& state,
                               const std::string& error_reason = "") {
  return absl::StrCat(
      R"({"id":"dt-1","name":"dt-1","state":")", state, R"(","errorReason":)",
      error_reason.empty() ? "null" : absl::StrCat("\"", error_reason, "\""),
      R"(,"toolboxProxyUrl":"https://proxy.test/toolbox","target":"us",)",
      R"("labels":{"managed-by":"sandboxd","sandboxd-id":"sbx-1"},"env":{}})");
}

inline std::string PageJson(const std::string& items,
                            const std::string& cursor = "") {
  return absl::StrCat(
      R"({"items":[)", items, R"(],"nextCursor":)",
      cursor.empty() ? "null" : absl::StrCat("\"", cursor, "\""), "}");
}

inline std::string NestError(int status, const std::string& message) {
  return absl::StrCat(
      R"({"path":"/api/sandbox/dt-1","timestamp":"t","statusCode":)", status,
      R"(,"error":"x","message":")", message, "\"}");
}

// GET /sandbox?labels={"managed-by":"sandboxd","sandboxd-id":<id>}
inline std::string LookupUrl(const std::string& sandbox_id = "sbx-1") {
  return absl::StrCat(
      kApi, "/sandbox?labels=",
      UrlEncode(absl::StrCat(R"({"managed-by":"sandboxd","sandboxd-id":")",
                             sandbox_id, "\"}")),
      "&limit=100");
}

inline std::string SandboxUrl(const std::string& suffix = "") {
  return absl::StrCat(kApi, "/sandbox/dt-1", suffix);
}

class DaytonaProviderTest : public ::testing::Test {
 protected:
  DaytonaProviderTest() {
    options_.api_url = kApi;
    options_.api_key = kKey;
    options_.snapshot = "node-20";
  }

  DaytonaProvider& provider() {
    if (provider_ == nullptr) {
      provider_ = std::make_unique<DaytonaProvider>(options_, transport_,
                                                    sleeper_, clock_, 1);
    }
    return *provider_;
  }

  // The label lookup that resolves sbx-1 to dt-1 in `state`.
  void ExpectLookupFinds(const std::string& state = "started") {
    EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
        .WillOnce(::testing::Return(Reply(200, PageJson(SandboxJson(state)))))
        .RetiresOnSaturation();
  }

  DaytonaOptions options_;
  std::shared_ptr<::testing::StrictMock<MockHttpTransport>> transport_ =
      std::make_shared<::testing::StrictMock<MockHttpTransport>>();
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<FakeSleeper> sleeper_ = std::make_shared<FakeSleeper>(clock_);
  CallContext ctx_ = TestContext();
  std::unique_ptr<DaytonaProvider> provider_;
};

}  // namespace sandboxd::daytona::testing

#endif  // SANDBOXD_TESTS_LIB_DAYTONA_DAYTONA_PROVIDER_FIXTURE_H_
