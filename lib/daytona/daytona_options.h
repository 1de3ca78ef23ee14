// Configuration of the Daytona provider and its reading from the environment.
// Used by DaytonaClient, DaytonaProvider and the factories in
// daytona_provider.h.
#ifndef SANDBOXD_LIB_DAYTONA_DAYTONA_OPTIONS_H_
#define SANDBOXD_LIB_DAYTONA_DAYTONA_OPTIONS_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/daytona/retry.h"

namespace sandboxd::daytona {

struct DaytonaOptions {
  std::string api_url = "https://app.daytona.io/api";
  // Credentials: an API key, or a JWT with its organization id (sent as
  // X-Daytona-Organization-ID only with a JWT; a key is already scoped).
  std::string api_key;
  std::string jwt_token;
  std::string organization_id;
  std::string target;  // region, e.g. "us"; empty: organization default
  // What the sandbox runs: a snapshot name, or an image (sent as
  // buildInfo.dockerfileContent "FROM <image>"). Resources only with an image.
  std::string snapshot;
  std::string image;
  std::optional<int> cpu;
  std::optional<int> memory_gib;
  std::optional<int> disk_gib;
  // Public previews need no token; private ones get signed URLs with this
  // lifetime, refreshed `signed_preview_refresh` before they expire.
  bool public_previews = false;
  absl::Duration signed_preview_ttl = absl::Hours(1);
  absl::Duration signed_preview_refresh = absl::Minutes(5);
  // Name each sandbox after sandboxd's id (names are unique per
  // organization), so a create resent after a lost reply gets 409 "already
  // exists" even when the label lookup has not caught up yet.
  bool name_sandboxes = true;
  std::string project_dir = "/home/daytona/app";
  int default_port = 3000;  // preview port until StartApp says otherwise
  // State polling: starts at `poll_initial`, grows by `poll_multiplier` up
  // to `poll_max`.
  absl::Duration poll_initial = absl::Milliseconds(500);
  absl::Duration poll_max = absl::Seconds(5);
  double poll_multiplier = 1.5;
  // Command log polling.
  absl::Duration log_poll_initial = absl::Milliseconds(250);
  absl::Duration log_poll_max = absl::Seconds(2);
  // The longest a sandbox may stay in one transitional state.
  absl::Duration create_state_timeout = absl::Minutes(10);  // creating, pulling
  absl::Duration build_state_timeout = absl::Minutes(20);   // image builds
  absl::Duration start_state_timeout = absl::Minutes(3);    // starting, ...
  absl::Duration stop_state_timeout = absl::Minutes(3);     // stopping, ...
  absl::Duration destroy_state_timeout = absl::Minutes(5);  // destroying
  // Probe of the preview while the app starts.
  absl::Duration probe_timeout = absl::Seconds(10);

  // Warm pool (DAYTONA_WARM_POOL_SIZE, default 0: each pooled sandbox is a
  // running cloud sandbox): pre-started DEV sandboxes per Tailwind major,
  // made from the scaffold's warm template.
  int warm_pool_size = 0;
  // How long one fill (create, upload, install, first compile) may take,
  // and the pause after a failed one.
  absl::Duration warm_fill_timeout = absl::Minutes(15);
  absl::Duration warm_fill_backoff = absl::Seconds(30);
  RetryPolicy retry;
};

// INVALID_ARGUMENT naming the field: no credentials, a JWT without an
// organization id, snapshot and image both set, resources without an image,
// a bad URL or TTL.
absl::Status ValidateOptions(const DaytonaOptions& options);

// Reads DAYTONA_API_KEY, DAYTONA_JWT_TOKEN, DAYTONA_ORGANIZATION_ID,
// DAYTONA_API_URL (DAYTONA_SERVER_URL as a deprecated fallback),
// DAYTONA_TARGET, DAYTONA_SNAPSHOT and DAYTONA_IMAGE through `getenv`
// (injected for tests), over `defaults`, then validates.
using GetEnvFn = std::function<std::optional<std::string>(const char* name)>;
absl::StatusOr<DaytonaOptions> DaytonaOptionsFromEnv(
    const GetEnvFn& getenv, DaytonaOptions defaults = DaytonaOptions());

}  // namespace sandboxd::daytona

#endif  // SANDBOXD_LIB_DAYTONA_DAYTONA_OPTIONS_H_
