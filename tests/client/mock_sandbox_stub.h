// A gMock SandboxService stub for CommandRunner's unit tests. Only the
// synchronous API is mocked: the runner uses nothing else, and the async
// entry points return nullptr.
#ifndef SANDBOXD_TESTS_CLIENT_MOCK_SANDBOX_STUB_H_
#define SANDBOXD_TESTS_CLIENT_MOCK_SANDBOX_STUB_H_

#include "gmock/gmock.h"
#include "sandbox/v1/sandbox.grpc.pb.h"

namespace sandboxd::client::testing {

// Thread-compatible, like gMock mocks.
class MockSandboxStub : public sandbox::v1::SandboxService::StubInterface {
 public:
  MOCK_METHOD(grpc::Status, Create,
              (grpc::ClientContext*, const sandbox::v1::CreateSandboxRequest&,
               sandbox::v1::CreateSandboxResponse*),
              (override));
  MOCK_METHOD(grpc::Status, Get,
              (grpc::ClientContext*, const sandbox::v1::GetSandboxRequest&,
               sandbox::v1::GetSandboxResponse*),
              (override));
  MOCK_METHOD(grpc::Status, Delete,
              (grpc::ClientContext*, const sandbox::v1::DeleteSandboxRequest&,
               sandbox::v1::DeleteSandboxResponse*),
              (override));
  MOCK_METHOD(grpc::Status, List,
              (grpc::ClientContext*, const sandbox::v1::ListSandboxesRequest&,
               sandbox::v1::ListSandboxesResponse*),
              (override));
  MOCK_METHOD(grpc::Status, ApplyFiles,
              (grpc::ClientContext*, const sandbox::v1::ApplyFilesRequest&,
               sandbox::v1::ApplyFilesResponse*),
              (override));
  // WatchBuild() hands the returned reader to a unique_ptr.
  MOCK_METHOD(grpc::ClientReaderInterface<sandbox::v1::BuildEvent>*,
              WatchBuildRaw,
              (grpc::ClientContext*, const sandbox::v1::WatchBuildRequest&),
              (override));

 private:
  template <typename R>
  using AsyncUnary = grpc::ClientAsyncResponseReaderInterface<R>;
  using AsyncEvents = grpc::ClientAsyncReaderInterface<sandbox::v1::BuildEvent>;

  AsyncUnary<sandbox::v1::CreateSandboxResponse>* AsyncCreateRaw(
      grpc::ClientContext*, const sandbox::v1::CreateSandboxRequest&,
      grpc::CompletionQueue*) override {
    return nullptr;
  }
  AsyncUnary<sandbox::v1::CreateSandboxResponse>* PrepareAsyncCreateRaw(
      grpc::ClientContext*, const sandbox::v1::CreateSandboxRequest&,
      grpc::CompletionQueue*) override {
    return nullptr;
  }
  AsyncUnary<sandbox::v1::GetSandboxResponse>* AsyncGetRaw(
      grpc::ClientContext*, const sandbox::v1::GetSandboxRequest&,
      grpc::CompletionQueue*) override {
    return nullptr;
  }
  AsyncUnary<sandbox::v1::GetSandboxResponse>* PrepareAsyncGetRaw(
      grpc::ClientContext*, const sandbox::v1::GetSandboxRequest&,
      grpc::CompletionQueue*) override {
    return nullptr;
  }
  AsyncUnary<sandbox::v1::DeleteSandboxResponse>* AsyncDeleteRaw(
      grpc::ClientContext*, const sandbox::v1::DeleteSandboxRequest&,
      grpc::CompletionQueue*) override {
    return nullptr;
  }
  AsyncUnary<sandbox::v1::DeleteSandboxResponse>* PrepareAsyncDeleteRaw(
      grpc::ClientContext*, const sandbox::v1::DeleteSandboxRequest&,
      grpc::CompletionQueue*) override {
    return nullptr;
  }
  AsyncUnary<sandbox::v1::ListSandboxesResponse>* AsyncListRaw(
      grpc::ClientContext*, const sandbox::v1::ListSandboxesRequest&,
      grpc::CompletionQueue*) override {
    return nullptr;
  }
  AsyncUnary<sandbox::v1::ListSandboxesResponse>* PrepareAsyncListRaw(
      grpc::ClientContext*, const sandbox::v1::ListSandboxesRequest&,
      grpc::CompletionQueue*) override {
    return nullptr;
  }
  AsyncUnary<sandbox::v1::ApplyFilesResponse>* AsyncApplyFilesRaw(
      grpc::ClientContext*, const sandbox::v1::ApplyFilesRequest&,
      grpc::CompletionQueue*) override {
    return nullptr;
  }
  AsyncUnary<sandbox::v1::ApplyFilesResponse>* PrepareAsyncApplyFilesRaw(
      grpc::ClientContext*, const sandbox::v1::ApplyFilesRequest&,
      grpc::CompletionQueue*) override {
    return nullptr;
  }
  AsyncEvents* AsyncWatchBuildRaw(grpc::ClientContext*,
                                  const sandbox::v1::WatchBuildRequest&,
                                  grpc::CompletionQueue*, void*) override {
    return nullptr;
  }
  AsyncEvents* PrepareAsyncWatchBuildRaw(grpc::ClientContext*,
                                         const sandbox::v1::WatchBuildRequest&,
                                         grpc::CompletionQueue*) override {
    return nullptr;
  }
};

}  // namespace sandboxd::client::testing

#endif  // SANDBOXD_TESTS_CLIENT_MOCK_SANDBOX_STUB_H_
