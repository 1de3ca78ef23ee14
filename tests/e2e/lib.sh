# Shared by the e2e scripts (sourced, never run). Each script sets WORK (a
# temporary directory) before e2e_start_sandboxd.
#
# Exit codes: 0 passed, 1 failed, 77 skipped (ctest's SKIP_RETURN_CODE, so a
# skip shows as "Skipped" and never as a pass).

E2E_SKIP=77

# Skips the test when the local provider cannot run here (it needs root for
# one uid per sandbox, and bubblewrap).
e2e_require_local_provider() {
  if [ "$(id -u)" -ne 0 ] || ! command -v bwrap >/dev/null; then
    echo "SKIP: the local provider needs root and bubblewrap"
    exit $E2E_SKIP
  fi
}

# CACHE: the npm cache shared by the e2e tests (SANDBOXD_TEST_CACHE_DIR,
# default ./test-cache), reachable by the install sandboxes' uids.
e2e_cache() {
  CACHE=${SANDBOXD_TEST_CACHE_DIR:-$PWD/test-cache}
  mkdir -p "$CACHE/npm-cache"
  chmod o+x "$CACHE"
}

# e2e_start_sandboxd CMD...: runs CMD (sandboxd or sandboxd_fake, with its
# flags, possibly behind a setpriv) in the background on ports the kernel
# picks, output in $WORK/out.log and $WORK/err.log; sets PID, GRPC and HTTP
# from its LISTENING line, or fails the test.
e2e_start_sandboxd() {
  "$@" --grpc_addr=127.0.0.1:0 --http_addr=127.0.0.1:0 \
    >"$WORK/out.log" 2>"$WORK/err.log" &
  PID=$!
  for _ in $(seq 1 100); do grep -q LISTENING "$WORK/out.log" && break; sleep 0.1; done
  read -r GRPC HTTP < <(sed -n 's/^LISTENING grpc=\([0-9]*\) http=\([0-9]*\).*/\1 \2/p' "$WORK/out.log")
  if [ -z "${HTTP:-}" ]; then
    echo "FAIL: sandboxd did not start"
    cat "$WORK/err.log"
    exit 1
  fi
}

ctl() { "$CTL" --server "127.0.0.1:$GRPC" "$@"; }

# check NAME CONDITION: CONDITION is eval'ed; counts and prints the result.
passed=0
failed=0
check() {
  if eval "$2"; then
    passed=$((passed + 1)); echo "ok   $1"
  else
    failed=$((failed + 1)); echo "FAIL $1"
  fi
}

# Reads all of stdin before matching (grep -q would cut the writer off and,
# with pipefail, fail the pipeline).
contains() { local in; in=$(cat); grep -q -- "$1" <<<"$in"; }

# The preview URL Get returns (private previews: it carries a short-lived
# token, which the proxy trades (303) for a cookie scoped to the preview
# host).
preview_url() { ctl get "$1" | sed -n 's/^preview_url: *//p'; }

# The preview cookie for sandbox $1, as "name=value". curl keeps no Secure
# cookie over http, so it is carried by hand.
signin() {
  local url; url=$(preview_url "$1"); [ -n "$url" ] || return 1
  curl -s -m 60 -o /dev/null -D - "$url" | tr -d '\r' |
    sed -n 's/^[Ss]et-[Cc]ookie: *\(sandboxd_preview=[^;]*\).*/\1/p'
}

# Prints the counts; on failure, the tail of sandboxd's stderr, and fails.
e2e_summary() {
  echo "$passed passed, $failed failed"
  if [ "$failed" -ne 0 ]; then
    echo "--- sandboxd stderr (tail)"
    tail -20 "$WORK/err.log"
    exit 1
  fi
}
