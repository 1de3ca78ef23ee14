#include "lib/http/rest_transcoder.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/generic_stub.h"
#include "lib/http/json_error.h"
#include "lib/http/responder.h"
#include "lib/http/rest_call.h"
#include "lib/http/rest_json.h"
#include "lib/http/rest_query.h"
#include "lib/http/rest_routes.h"
#include "lib/http/stream_writer.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kMetadataPrefix[] = "grpc-metadata-";

std::string_view View(boost::beast::string_view s) {
  return std::string_view(s.data(), s.size());
}

bool ValidMetadataKey(std::string_view key) {
  // Reserved by HTTP/2 or gRPC itself.
  for (std::string_view reserved :
       {"content-type", "te", "host", "user-agent", "connection"}) {
    if (key == reserved) return false;
  }
  if (key.empty() ||
      absl::StartsWith(absl::string_view(key.data(), key.size()), "grpc-")) {
    return false;
  }
  for (char c : key) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' ||
          c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

bool ValidMetadataValue(std::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// One request's metadata: Authorization, Grpc-Metadata-*, X-Forwarded-Host.
Headers RequestMetadata(const HttpRequest& request) {
  Headers metadata;
  for (const auto& field : request) {
    std::string name = absl::AsciiStrToLower(absl::string_view(
        field.name_string().data(), field.name_string().size()));
    std::string value(View(field.value()));
    std::string key;
    if (name == "authorization") {
      key = name;
    } else if (absl::StartsWith(name, kMetadataPrefix)) {
      key = name.substr(sizeof(kMetadataPrefix) - 1);
    } else {
      continue;
    }
    if (!ValidMetadataKey(key)) continue;
    if (absl::EndsWith(key, "-bin")) {
      std::string decoded;
      if (!absl::Base64Unescape(value, &decoded)) continue;
      value = std::move(decoded);
    } else if (!ValidMetadataValue(value)) {
      continue;
    }
    metadata.emplace_back(std::move(key), std::move(value));
  }
  auto host = request.find(http::field::host);
  if (host != request.end() && ValidMetadataValue(View(host->value()))) {
    metadata.emplace_back("x-forwarded-host", std::string(View(host->value())));
  }
  // The HTTP front appended the peer's address (grpc-gateway does the same).
  auto forwarded_for = request.find("X-Forwarded-For");
  if (forwarded_for != request.end() &&
      ValidMetadataValue(View(forwarded_for->value()))) {
    metadata.emplace_back("x-forwarded-for",
                          std::string(View(forwarded_for->value())));
  }
  return metadata;
}

class RestFront {
 public:
  RestFront(std::shared_ptr<grpc::Channel> channel, RestOptions options,
            std::vector<RestBinding> bindings)
      : stub_(std::move(channel)),
        options_(std::move(options)),
        table_(std::move(bindings)) {}

  const RestRouteTable& table() const { return table_; }

  void Serve(HttpRequest request, std::shared_ptr<StreamWriter> writer) {
    const std::string_view target = View(request.target());
    const std::string_view path = TargetPath(target);
    const size_t question = target.find('?');
    const std::string_view query = question == std::string_view::npos
                                       ? std::string_view()
                                       : target.substr(question + 1);
    Headers cors = CorsHeaders(request);
    const std::string method(View(request.method_string()));

    if (request.method() == http::verb::options && !cors.empty() &&
        request.find(http::field::access_control_request_method) !=
            request.end()) {
      writer->Respond(Preflight(request, path, std::move(cors)));
      return;
    }
    RestRouteTable::Match match = table_.Find(method, path);
    if (match.binding == nullptr) {
      HttpResponse response =
          match.path_known
              ? MakeJsonErrorResponse(http::status::not_implemented, 12,
                                      "Method Not Allowed")
              : MakeJsonErrorResponse(http::status::not_found, 5, "Not Found");
      AddHeaders(response, cors);
      writer->Respond(std::move(response));
      return;
    }
    const RestBinding& binding = *match.binding;
    absl::StatusOr<std::string> message =
        BuildRequest(binding, match.variables, request.body(), query);
    if (!message.ok()) {
      HttpResponse response =
          MakeJsonErrorResponse(http::status::bad_request, 3,
                                std::string(message.status().message()));
      AddHeaders(response, cors);
      writer->Respond(std::move(response));
      return;
    }
    RestCall call;
    call.grpc_path = binding.grpc_path;
    call.server_streaming = binding.method->server_streaming();
    call.request = *std::move(message);
    call.response_type = binding.method->output_type();
    call.response_body = binding.response_body;
    call.metadata = RequestMetadata(request);
    call.extra_headers = std::move(cors);
    auto timeout_header = request.find("grpc-timeout");
    if (timeout_header != request.end()) {
      std::optional<absl::Duration> timeout =
          ParseGrpcTimeout(View(timeout_header->value()));
      if (!timeout.has_value()) {
        HttpResponse response = MakeJsonErrorResponse(
            http::status::bad_request, 3, "malformed Grpc-Timeout header");
        AddHeaders(response, call.extra_headers);
        writer->Respond(std::move(response));
        return;
      }
      call.deadline = absl::Now() + *timeout;
    } else if (options_.default_timeout > absl::ZeroDuration()) {
      call.deadline = absl::Now() + options_.default_timeout;
    }
    StartRestCall(stub_, std::move(call), std::move(writer));
  }

 private:
  static void AddHeaders(HttpResponse& response, const Headers& headers) {
    for (const auto& [name, value] : headers) response.set(name, value);
  }

  bool OriginAllowed(std::string_view origin) const {
    for (const std::string& allowed : options_.cors_allowed_origins) {
      if (allowed == "*" || allowed == origin) return true;
    }
    return false;
  }

  // The CORS headers of every answer; empty for a disallowed origin.
  Headers CorsHeaders(const HttpRequest& request) const {
    auto origin = request.find(http::field::origin);
    if (origin == request.end() || !OriginAllowed(View(origin->value()))) {
      return {};
    }
    return {{"Access-Control-Allow-Origin", std::string(View(origin->value()))},
            {"Access-Control-Allow-Credentials", "true"},
            {"Vary", "Origin"}};
  }

  HttpResponse Preflight(const HttpRequest& request, std::string_view path,
                         Headers cors) const {
    HttpResponse response(http::status::no_content, 11);
    AddHeaders(response, cors);
    std::vector<std::string> methods = table_.Find("", path).methods;
    if (methods.empty()) methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    response.set(http::field::access_control_allow_methods,
                 absl::StrJoin(methods, ", "));
    auto asked = request.find(http::field::access_control_request_headers);
    response.set(http::field::access_control_allow_headers,
                 asked != request.end()
                     ? std::string(View(asked->value()))
                     : std::string("Authorization, Content-Type"));
    response.set(http::field::access_control_max_age, "600");
    return response;
  }

  // The serialized gRPC request: body, then path variables, then the query.
  absl::StatusOr<std::string> BuildRequest(
      const RestBinding& binding, const PathTemplate::Bindings& variables,
      const std::string& body, std::string_view query) const {
    const google::protobuf::Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            binding.method->input_type());
    std::unique_ptr<google::protobuf::Message> message(prototype->New());
    absl::Status status;
    if (binding.body == "*") {
      status = MergeRestJson(body, *message);
    } else if (!binding.body.empty()) {
      status = MergeRestJsonIntoField(body, binding.body, *message);
    }
    if (!status.ok()) return status;
    std::vector<std::string> bound;
    for (const auto& [field_path, value] : variables) {
      absl::StatusOr<std::vector<const google::protobuf::FieldDescriptor*>>
          fields = ResolveFieldPath(message->GetDescriptor(), field_path);
      if (!fields.ok()) return fields.status();
      status = SetFieldFromText(*message, *fields, {value});
      if (!status.ok()) return status;
      bound.push_back(field_path);
    }
    if (binding.body != "*") {
      if (!binding.body.empty()) bound.push_back(binding.body);
      absl::StatusOr<QueryParams> params = ParseQueryString(query);
      if (!params.ok()) return params.status();
      status = PopulateQueryParameters(*message, *params, bound);
      if (!status.ok()) return status;
    }
    return message->SerializeAsString();
  }

  grpc::GenericStub stub_;
  const RestOptions options_;
  const RestRouteTable table_;
};

}  // namespace

std::optional<absl::Duration> ParseGrpcTimeout(std::string_view text) {
  if (text.size() < 2 || text.size() > 9) return std::nullopt;
  int64_t amount = 0;
  std::string digits(text.substr(0, text.size() - 1));
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
  }
  if (!absl::SimpleAtoi(digits, &amount)) return std::nullopt;
  switch (text.back()) {
    case 'H':
      return absl::Hours(amount);
    case 'M':
      return absl::Minutes(amount);
    case 'S':
      return absl::Seconds(amount);
    case 'm':
      return absl::Milliseconds(amount);
    case 'u':
      return absl::Microseconds(amount);
    case 'n':
      return absl::Nanoseconds(amount);
    default:
      return std::nullopt;
  }
}

absl::Status AddRestRoutes(Router& router,
                           std::shared_ptr<grpc::Channel> channel,
                           RestOptions options) {
  std::vector<RestBinding> bindings;
  for (const std::string& name : options.services) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name);
    if (service == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("no service ", name, " in the generated pool"));
    }
    absl::StatusOr<std::vector<RestBinding>> read = ReadRestBindings(service);
    if (!read.ok()) return read.status();
    for (RestBinding& binding : *read) bindings.push_back(std::move(binding));
  }
  std::string openapi = options.openapi_json;
  auto front = std::make_shared<RestFront>(
      std::move(channel), std::move(options), std::move(bindings));
  // One prefix route per first path segment; the front matches templates.
  std::vector<std::string> prefixes;
  for (const RestBinding& binding : front->table().bindings()) {
    const auto& segments = binding.path.segments();
    std::string prefix = "/";
    if (!segments.empty() &&
        segments[0].kind == PathTemplate::Segment::Kind::kLiteral) {
      prefix += segments[0].literal;
    }
    if (std::find(prefixes.begin(), prefixes.end(), prefix) == prefixes.end()) {
      prefixes.push_back(prefix);
    }
  }
  for (const std::string& prefix : prefixes) {
    router.HandlePrefix(
        prefix, StreamHandler([front](HttpRequest request,
                                      std::shared_ptr<StreamWriter> writer) {
          front->Serve(std::move(request), std::move(writer));
        }));
  }
  if (!openapi.empty()) {
    router.Handle(http::verb::get, "/api/openapi.json",
                  PlainHandler([openapi](HttpRequest, Responder responder) {
                    HttpResponse response(http::status::ok, 11);
                    response.set(http::field::content_type, "application/json");
                    response.body() = openapi;
                    responder.Send(std::move(response));
                  }));
  }
  return absl::OkStatus();
}

}  // namespace sandboxd
