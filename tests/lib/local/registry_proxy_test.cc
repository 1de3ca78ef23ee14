#include "lib/local/registry_proxy.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::local {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A loopback TCP server answering every connection with "pong:" + what it
// read first: the "registry".
class EchoServer {
 public:
  EchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(
        ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    socklen_t len = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &len);
    port_ = ntohs(address.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread([this] {
      while (true) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buffer[256];
        ssize_t n = ::recv(c, buffer, sizeof(buffer), 0);
        if (n > 0) {
          std::string reply =
              "pong:" + std::string(buffer, static_cast<size_t>(n));
          (void)!::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
        }
        ::close(c);
      }
    });
  }
  ~EchoServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

class RegistryProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sandboxd-regproxy-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto proxy = RegistryProxy::Start(
        {.socket_path = dir_ + "/registry.sock",
         .allowed = {absl::StrCat("LocalHost:", registry_.port())},
         .header_timeout = absl::Milliseconds(200)});
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = std::move(*proxy);
  }
  void TearDown() override {
    proxy_.reset();
    ::rmdir(dir_.c_str());
  }
  // Sends `request` through the proxy socket and returns all it answers.
  std::string Exchange(const std::string& request) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, proxy_->socket_path().c_str(),
                 sizeof(address.sun_path) - 1);
    EXPECT_EQ(
        ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
        0);
    (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string out;
    char buffer[512];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) {
      out.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  EchoServer registry_;
  std::string dir_;
  std::unique_ptr<RegistryProxy> proxy_;
};

TEST_F(RegistryProxyTest, TunnelsToTheRegistry) {
  std::string out =
      Exchange(absl::StrCat("CONNECT localhost:", registry_.port(),
                            " HTTP/1.1\r\nHost: x\r\n\r\nping"));
  EXPECT_EQ(out, "HTTP/1.1 200 Connection Established\r\n\r\npong:ping");
  EXPECT_EQ(proxy_->refused(), 0u);
}

TEST_F(RegistryProxyTest, RefusesEveryOtherTarget) {
  // Another port of the same host (sandboxd's own ports, say), the cloud
  // metadata address, a name that resolves to loopback.
  for (const std::string& target :
       {absl::StrCat("localhost:", registry_.port() + 1),
        std::string("169.254.169.254:80"),
        absl::StrCat("127.0.0.1:", registry_.port())}) {
    std::string out =
        Exchange(absl::StrCat("CONNECT ", target, " HTTP/1.1\r\n\r\n"));
    EXPECT_THAT(out, StartsWith("HTTP/1.1 403 Forbidden")) << target;
    EXPECT_THAT(out, HasSubstr("may only reach the npm registry"));
  }
  EXPECT_EQ(proxy_->refused(), 3u);
}

TEST_F(RegistryProxyTest, RefusesPlainRequestsAndMalformedOnes) {
  EXPECT_THAT(Exchange(absl::StrCat("GET http://localhost:", registry_.port(),
                                    "/ HTTP/1.1\r\n\r\n")),
              StartsWith("HTTP/1.1 405"));
  EXPECT_THAT(Exchange("CONNECT\r\n\r\n"), StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(Exchange(std::string(9000, 'x')), StartsWith("HTTP/1.1 431"));
  // A client that never finishes its header is dropped at the timeout.
  EXPECT_EQ(Exchange("CONNECT localhost:1 HTTP/1.1\r\n"), "");
}

TEST(RegistryTunnelTargetTest, IsTheHttpsHostAndPort) {
  EXPECT_EQ(*RegistryTunnelTarget("https://registry.npmjs.org/"),
            "registry.npmjs.org:443");
  EXPECT_EQ(*RegistryTunnelTarget("https://Npm.Example.com:8443/repo/npm/"),
            "npm.example.com:8443");
  for (const char* bad :
       {"http://registry.npmjs.org/", "https://", "https://:443/",
        "https://user:pw@host/", "https://host:0/", "https://host:99999/",
        "https://ho st/", "registry.npmjs.org"}) {
    EXPECT_EQ(RegistryTunnelTarget(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(RegistryProxyStartTest, ChecksItsOptions) {
  EXPECT_EQ(
      RegistryProxy::Start({.socket_path = "/tmp/x.sock"}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RegistryProxy::Start(
                {.socket_path = "/tmp/x.sock", .allowed = {"no-port"}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RegistryProxy::Start(
                {.socket_path = std::string(200, 'a'), .allowed = {"h:1"}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sandboxd::local
