// A throwaway PKI for TLS tests: two CAs, a server certificate (SAN
// localhost and 127.0.0.1) and client certificates, made with the openssl
// CLI in a temporary directory at test time (no key is ever committed).
// Used by tests/server/tls_test.cc and tests/lib/http/http_server_tls_test.cc.
#ifndef SANDBOXD_TESTS_TESTING_TEST_PKI_H_
#define SANDBOXD_TESTS_TESTING_TEST_PKI_H_

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace sandboxd::testing {

// Files: ca.pem/.key, other_ca.pem/.key, server.pem/.key (issued by ca),
// client.pem/.key (by ca), stranger.pem/.key (by other_ca).
// Thread-compatible; make it once per test binary (TestPki::Get).
class TestPki {
 public:
  static const TestPki& Get() {
    static const TestPki* pki = new TestPki();
    return *pki;
  }

  // False if the openssl CLI failed.
  bool ok() const { return ok_; }
  std::string Path(const std::string& name) const { return dir_ / name; }
  std::string Read(const std::string& name) const {
    std::ifstream in(dir_ / name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  TestPki() {
    dir_ = std::filesystem::temp_directory_path() /
           ("sandboxd-pki-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "server.ext")
        << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
           "extendedKeyUsage=serverAuth\n";
    std::ofstream(dir_ / "client.ext") << "extendedKeyUsage=clientAuth\n";
    ok_ = Ca("ca") && Ca("other_ca") && Leaf("server", "ca", "localhost") &&
          Leaf("client", "ca", "good-client") &&
          Leaf("stranger", "other_ca", "stranger");
    // The private keys live only as long as the process.
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(Get().dir_, ignored);
    });
  }

  bool Run(const std::string& command) {
    return std::system(
               ("cd '" + dir_.string() + "' && " + command + " >/dev/null 2>&1")
                   .c_str()) == 0;
  }
  bool Ca(const std::string& name) {
    return Run(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
        "-nodes -days 1 -subj /CN=" +
        name + " -keyout " + name + ".key -out " + name + ".pem");
  }
  bool Leaf(const std::string& name, const std::string& ca,
            const std::string& cn) {
    const std::string ext = name == "server" ? "server.ext" : "client.ext";
    return Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
               "-nodes -subj /CN=" +
               cn + " -keyout " + name + ".key -out " + name + ".csr") &&
           Run("openssl x509 -req -days 1 -in " + name + ".csr -CA " + ca +
               ".pem -CAkey " + ca + ".key -CAcreateserial -extfile " + ext +
               " -out " + name + ".pem");
  }

  std::filesystem::path dir_;
  bool ok_ = false;
};

}  // namespace sandboxd::testing

#endif  // SANDBOXD_TESTS_TESTING_TEST_PKI_H_
