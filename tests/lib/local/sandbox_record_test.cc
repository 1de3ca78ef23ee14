#include "lib/local/sandbox_record.h"

#include "gtest/gtest.h"

namespace sandboxd::local {
namespace {

TEST(SandboxRecordTest, RoundTrips) {
  SandboxRecord record;
  record.sandbox_id = "abc-123";
  record.uid = 200007;
  record.mode = scaffold::Mode::kProduction;
  record.state = SandboxRecord::State::kFailed;
  record.port = 3001;
  record.dependency_fingerprint = "0123456789abcdef";
  record.detail = "disk budget exceeded:\nsecond line";
  absl::StatusOr<SandboxRecord> decoded =
      DecodeSandboxRecord(EncodeSandboxRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->sandbox_id, "abc-123");
  EXPECT_EQ(decoded->uid, 200007u);
  EXPECT_EQ(decoded->mode, scaffold::Mode::kProduction);
  EXPECT_EQ(decoded->state, SandboxRecord::State::kFailed);
  EXPECT_EQ(decoded->port, 3001);
  EXPECT_EQ(decoded->dependency_fingerprint, "0123456789abcdef");
  EXPECT_EQ(decoded->detail, "disk budget exceeded: second line");
}

TEST(SandboxRecordTest, CgroupDefaultsToTheSandboxIdAndRoundTrips) {
  absl::StatusOr<SandboxRecord> old =
      DecodeSandboxRecord("sandbox_id=a\nuid=1\n");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->cgroup, "a");
  SandboxRecord claimed = *old;
  claimed.cgroup = "pool-0f";
  absl::StatusOr<SandboxRecord> decoded =
      DecodeSandboxRecord(EncodeSandboxRecord(claimed));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->cgroup, "pool-0f");
  EXPECT_FALSE(DecodeSandboxRecord("sandbox_id=a\nuid=1\ncgroup=../x\n").ok());
}

TEST(SandboxRecordTest, RejectsMissingUid) {
  EXPECT_EQ(DecodeSandboxRecord("sandbox_id=a\n").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SandboxRecordTest, RejectsBadState) {
  EXPECT_EQ(DecodeSandboxRecord("sandbox_id=a\nuid=1\nstate=zombie\n")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SandboxRecordTest, SandboxIdMustBeAFileAndDnsLabel) {
  EXPECT_TRUE(ValidateSandboxId("sbx-01HZY").ok());
  for (const char* bad :
       {"", "../x", "a/b", "a.b", "-a", "a_b",
        "0123456789012345678901234567890123456789012345678901234567890123"}) {
    EXPECT_EQ(ValidateSandboxId(bad).code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(SandboxRecordTest, FingerprintMustBeLowercaseHex) {
  EXPECT_TRUE(ValidateFingerprint("deadbeef00").ok());
  for (const char* bad :
       {"", "abc", "DEADBEEF00", "deadbeef/0", "../../etc00"}) {
    EXPECT_EQ(ValidateFingerprint(bad).code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace sandboxd::local
