#include "lib/http/json_error.h"

#include "gtest/gtest.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;

TEST(JsonErrorTest, GatewayShapedBody) {
  EXPECT_EQ(JsonErrorBody(5, "Not Found"),
            R"({"code":5,"message":"Not Found","details":[]})");
}

TEST(JsonErrorTest, EscapesMessage) {
  EXPECT_EQ(JsonErrorBody(3, "bad \"x\"\\\n\x01"),
            R"({"code":3,"message":"bad \"x\"\\\n\u0001","details":[]})");
}

TEST(JsonErrorTest, ResponseCarriesStatusAndContentType) {
  HttpResponse response = MakeJsonErrorResponse(http::status::not_implemented,
                                                12, "Method Not Allowed");
  EXPECT_EQ(response.result(), http::status::not_implemented);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response.body(),
            R"({"code":12,"message":"Method Not Allowed","details":[]})");
  EXPECT_EQ(response[http::field::content_length],
            std::to_string(response.body().size()));
}

}  // namespace
}  // namespace sandboxd
