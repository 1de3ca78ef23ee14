#include "tests/daytona_emulator/multipart.h"

#include "gtest/gtest.h"

namespace sandboxd::emulator {
namespace {

TEST(MultipartTest, ParsesTheSdkBulkUploadShape) {
  const std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"files[0].path\"\r\n\r\n"
      "app/a.txt\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"files[0].file\"; "
      "filename=\"a.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\n"
      "line1\r\n--not-a-boundary\r\n\r\n"
      "--XyZ--\r\n";
  auto parts = ParseMultipart("multipart/form-data; boundary=XyZ", body);
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "files[0].path");
  EXPECT_EQ((*parts)[0].data, "app/a.txt");
  EXPECT_EQ((*parts)[1].name, "files[0].file");
  EXPECT_EQ((*parts)[1].filename, "a.txt");
  EXPECT_EQ((*parts)[1].data, "line1\r\n--not-a-boundary\r\n");
}

TEST(MultipartTest, QuotedBoundaryAndEmptyFile) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"f\"; "
      "filename=\"x\"\r\n\r\n"
      "\r\n--b--";
  auto parts = ParseMultipart("multipart/form-data; boundary=\"b\"", body);
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].data, "");
}

TEST(MultipartTest, RejectsMalformedBodies) {
  EXPECT_FALSE(ParseMultipart("application/json", "{}").ok());
  EXPECT_FALSE(ParseMultipart("multipart/form-data", "--b--").ok());
  EXPECT_FALSE(
      ParseMultipart(
          "multipart/form-data; boundary=b",
          "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nno end")
          .ok());
}

}  // namespace
}  // namespace sandboxd::emulator
