// Validation and environment reading for DaytonaOptions.
#include "lib/daytona/daytona_options.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace sandboxd::daytona {

absl::Status ValidateOptions(const DaytonaOptions& options) {
  if (options.warm_pool_size < 0 || options.warm_pool_size > 64) {
    return absl::InvalidArgumentError(
        "daytona: DAYTONA_WARM_POOL_SIZE: must be 0-64");
  }
  if (options.api_key.empty() && options.jwt_token.empty()) {
    return absl::InvalidArgumentError(
        "daytona: api_key: set DAYTONA_API_KEY (or DAYTONA_JWT_TOKEN with "
        "DAYTONA_ORGANIZATION_ID)");
  }
  if (options.api_key.empty() && options.organization_id.empty()) {
    return absl::InvalidArgumentError(
        "daytona: organization_id: required with a JWT token");
  }
  if (!absl::StartsWith(options.api_url, "https://") &&
      !absl::StartsWith(options.api_url, "http://")) {
    return absl::InvalidArgumentError(
        "daytona: api_url: must start with https:// or http://");
  }
  if (!options.snapshot.empty() && !options.image.empty()) {
    return absl::InvalidArgumentError(
        "daytona: image: cannot be combined with snapshot");
  }
  if (options.image.empty() &&
      (options.cpu.has_value() || options.memory_gib.has_value() ||
       options.disk_gib.has_value())) {
    return absl::InvalidArgumentError(
        "daytona: resources: only allowed with an image (Daytona rejects "
        "resources with a snapshot)");
  }
  if (options.signed_preview_ttl < absl::Seconds(1) ||
      options.signed_preview_ttl > absl::Hours(24)) {
    return absl::InvalidArgumentError(
        "daytona: signed_preview_ttl: must be within 1s..24h");
  }
  if (options.default_port < 1 || options.default_port > 65535) {
    return absl::InvalidArgumentError("daytona: default_port: out of range");
  }
  return absl::OkStatus();
}

absl::StatusOr<DaytonaOptions> DaytonaOptionsFromEnv(const GetEnvFn& getenv,
                                                     DaytonaOptions defaults) {
  DaytonaOptions options = std::move(defaults);
  auto read = [&](const char* name, std::string& field) {
    std::optional<std::string> value = getenv(name);
    if (value.has_value() && !value->empty()) field = *value;
  };
  read("DAYTONA_SERVER_URL", options.api_url);
  read("DAYTONA_API_URL", options.api_url);
  read("DAYTONA_API_KEY", options.api_key);
  read("DAYTONA_JWT_TOKEN", options.jwt_token);
  read("DAYTONA_ORGANIZATION_ID", options.organization_id);
  read("DAYTONA_TARGET", options.target);
  read("DAYTONA_SNAPSHOT", options.snapshot);
  read("DAYTONA_IMAGE", options.image);
  if (std::optional<std::string> pool = getenv("DAYTONA_WARM_POOL_SIZE");
      pool.has_value() && !pool->empty() &&
      !absl::SimpleAtoi(*pool, &options.warm_pool_size)) {
    return absl::InvalidArgumentError(
        "daytona: DAYTONA_WARM_POOL_SIZE: not a number");
  }
  absl::Status valid = ValidateOptions(options);
  if (!valid.ok()) return valid;
  return options;
}

}  // namespace sandboxd::daytona
