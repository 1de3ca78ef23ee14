#include "tests/daytona_emulator/faults.h"

#include "gtest/gtest.h"

namespace sandboxd::emulator {
namespace {

TEST(FaultsTest, RequestFaultsMatchAndAreConsumed) {
  Faults faults;
  ASSERT_TRUE(
      faults
          .Add(R"([{"kind":"status","status":429,"retryAfter":3,"count":2,)"
               R"("path":"/api/sandbox","method":"POST"},{"kind":"drop"}])")
          .ok());
  auto first = faults.TakeRequestFault("POST", "/api/sandbox");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 429);
  EXPECT_EQ(first->retry_after, 3);
  // A GET does not match the 429 rule; the drop rule takes it.
  auto get = faults.TakeRequestFault("GET", "/api/sandbox");
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->kind, "drop");
  EXPECT_TRUE(faults.TakeRequestFault("POST", "/api/sandbox").has_value());
  EXPECT_FALSE(faults.TakeRequestFault("POST", "/api/sandbox").has_value());
  EXPECT_EQ(faults.ToJson(), "[]");
}

TEST(FaultsTest, SandboxFaultsAreSeparate) {
  Faults faults;
  ASSERT_TRUE(faults.Add(R"({"kind":"error","errorReason":"no runner"})").ok());
  EXPECT_FALSE(faults.TakeRequestFault("GET", "/x").has_value());
  auto fault = faults.TakeSandboxFault();
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->error_reason, "no runner");
  EXPECT_FALSE(faults.TakeSandboxFault().has_value());
}

TEST(FaultsTest, UnlimitedCountAndBadInput) {
  Faults faults;
  ASSERT_TRUE(faults.Add(R"({"kind":"empty_502","count":-1})").ok());
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(faults.TakeRequestFault("GET", "/").has_value());
  faults.Clear();
  EXPECT_FALSE(faults.TakeRequestFault("GET", "/").has_value());
  EXPECT_FALSE(faults.Add("{").ok());
  EXPECT_FALSE(faults.Add(R"({"kind":"explode"})").ok());
}

}  // namespace
}  // namespace sandboxd::emulator
