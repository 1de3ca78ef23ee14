#!/usr/bin/env bash
# The REST API from a browser: a page on an allowed origin creates a sandbox
# with fetch, follows WatchBuild with a streaming fetch and shows the phases,
# then reads Get (headless Chromium via playwright-core; sandboxd_fake, so no
# npm or NextJS run here). A page on another origin is refused by CORS.
#   rest_browser_test.sh SANDBOXD_FAKE
set -uo pipefail
FAKE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM
[ -x "$CHROMIUM" ] || { echo "FAIL: no Chromium at $CHROMIUM (deploy/quickstart.sh installs it)"; exit 1; }
CACHE=${SANDBOXD_TEST_CACHE_DIR:-$PWD/test-cache}
DRIVER_DIR=$CACHE/hmr-driver  # the same playwright-core install as the HMR test
WANT=$(node -p 'require(process.argv[1]).dependencies["playwright-core"]' "$HERE/hmr/package.json")
HAVE=$(node -p 'require(process.argv[1]).version' \
  "$DRIVER_DIR/node_modules/playwright-core/package.json" 2>/dev/null || true)
if [ "$HAVE" != "$WANT" ]; then
  mkdir -p "$DRIVER_DIR"
  cp "$HERE/hmr/package.json" "$DRIVER_DIR/package.json"
  timeout 300 npm install --prefix "$DRIVER_DIR" --cache "$CACHE/hmr-npm-cache" \
    --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null 2>&1 ||
    { echo "FAIL: npm install playwright-core"; exit 1; }
fi
cp "$HERE/rest_browser/driver.mjs" "$DRIVER_DIR/rest_browser_driver.mjs"

WORK=$(mktemp -d /tmp/sandboxd-rest-browser-XXXXXX)
read PAGE_PORT < <(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ORIGIN=http://127.0.0.1:$PAGE_PORT
"$FAKE" --insecure_no_auth --grpc_addr=127.0.0.1:0 --http_addr=127.0.0.1:0 \
  --data_dir="$WORK/data" --fake_step_delay=200ms --log_rpcs=false \
  --cors_allowed_origins="$ORIGIN" >"$WORK/out" 2>"$WORK/err" &
FAKE_PID=$!
python3 -m http.server "$PAGE_PORT" --bind 127.0.0.1 --directory "$HERE/rest_browser" \
  >/dev/null 2>&1 &
PAGE_PID=$!
trap 'kill $FAKE_PID $PAGE_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do grep -q LISTENING "$WORK/out" && break; sleep 0.1; done
HTTP=$(sed -n 's/^LISTENING grpc=[0-9]* http=\([0-9]*\).*/\1/p' "$WORK/out")
[ -n "$HTTP" ] || { echo "FAIL: sandboxd_fake did not start"; cat "$WORK/err"; exit 1; }
API=http://127.0.0.1:$HTTP
# "localhost" is another origin than "127.0.0.1" for the browser.
timeout 200 node "$DRIVER_DIR/rest_browser_driver.mjs" \
  "$ORIGIN/page.html?api=$API" "http://localhost:$PAGE_PORT/page.html?api=$API"
