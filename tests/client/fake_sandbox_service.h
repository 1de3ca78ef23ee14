// A scripted sandbox.v1.SandboxService for sandboxctl's integration test:
// canned responses, a canned WatchBuild stream, and a record of what each
// call received (requests, `authorization` metadata, deadlines).
#ifndef SANDBOXD_TESTS_CLIENT_FAKE_SANDBOX_SERVICE_H_
#define SANDBOXD_TESTS_CLIENT_FAKE_SANDBOX_SERVICE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "sandbox/v1/sandbox.grpc.pb.h"

namespace sandboxd::client::testing {

// What one call carried besides its request.
struct CallRecord {
  std::string method;
  std::string authorization;  // "" when absent
  bool has_deadline = false;
};

// Thread-safe: gRPC calls it from its own threads while the test scripts
// and inspects it.
class FakeSandboxService final : public sandbox::v1::SandboxService::Service {
 public:
  // Get returns these by id and NOT_FOUND for others; Delete of a known id
  // answers "deleted".
  void AddSandbox(const sandbox::v1::Sandbox& sandbox);
  // Create answers `response` (and records the request).
  void SetCreateResponse(const sandbox::v1::CreateSandboxResponse& response);
  // List answers pages[0] for an empty page_token and pages[i + 1] for
  // pages[i].next_page_token; INVALID_ARGUMENT for other tokens.
  void SetListPages(
      const std::vector<sandbox::v1::ListSandboxesResponse>& pages);
  // WatchBuild writes the events with sequence > after_sequence, then ends
  // with `end`.
  void SetWatchScript(const std::vector<sandbox::v1::BuildEvent>& events,
                      const grpc::Status& end);

  std::vector<CallRecord> calls() const;
  std::vector<sandbox::v1::CreateSandboxRequest> create_requests() const;
  std::vector<sandbox::v1::ListSandboxesRequest> list_requests() const;

  grpc::Status Create(grpc::ServerContext* context,
                      const sandbox::v1::CreateSandboxRequest* request,
                      sandbox::v1::CreateSandboxResponse* response) override;
  grpc::Status Get(grpc::ServerContext* context,
                   const sandbox::v1::GetSandboxRequest* request,
                   sandbox::v1::GetSandboxResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const sandbox::v1::DeleteSandboxRequest* request,
                      sandbox::v1::DeleteSandboxResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const sandbox::v1::ListSandboxesRequest* request,
                    sandbox::v1::ListSandboxesResponse* response) override;
  grpc::Status WatchBuild(
      grpc::ServerContext* context,
      const sandbox::v1::WatchBuildRequest* request,
      grpc::ServerWriter<sandbox::v1::BuildEvent>* writer) override;

 private:
  void Record(const std::string& method, grpc::ServerContext* context)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, sandbox::v1::Sandbox> sandboxes_ ABSL_GUARDED_BY(mu_);
  sandbox::v1::CreateSandboxResponse create_response_ ABSL_GUARDED_BY(mu_);
  std::vector<sandbox::v1::ListSandboxesResponse> pages_ ABSL_GUARDED_BY(mu_);
  std::vector<sandbox::v1::BuildEvent> events_ ABSL_GUARDED_BY(mu_);
  grpc::Status watch_end_ ABSL_GUARDED_BY(mu_);
  std::vector<CallRecord> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<sandbox::v1::CreateSandboxRequest> create_requests_
      ABSL_GUARDED_BY(mu_);
  std::vector<sandbox::v1::ListSandboxesRequest> list_requests_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace sandboxd::client::testing

#endif  // SANDBOXD_TESTS_CLIENT_FAKE_SANDBOX_SERVICE_H_
