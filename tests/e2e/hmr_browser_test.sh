#!/usr/bin/env bash
# Hot reload in a real browser through sandboxd's preview proxy: the
# apt-installed Chromium (/usr/bin/chromium, driven by playwright-core from
# npm; no browser is ever downloaded) loads a DEV sandbox's real preview URL
# (private: the tokenized URL Get returns, which the proxy trades for a
# cookie, so the page and its HMR WebSocket ride on the cookie)
# http://{id}.preview.localhost:{port}/, sees the page's marker; the test
# rewrites the page's source file in the sandbox's project directory on the
# host (temp file + rename, the sandbox uid's owner and mode), and the
# browser shows the new marker without a navigation or reload (a window
# property set before the edit survives; no framenavigated event). The time
# from the write to the change is printed (hmr_ms).
#   hmr_browser_test.sh SANDBOXD SANDBOXCTL
# Env: SANDBOXD_TEST_CACHE_DIR (npm cache + playwright-core install, reused),
#      CHROMIUM (default /usr/bin/chromium),
#      HMR_PREVIEW_DOMAIN (default preview.localhost; another one, e.g.
#      preview.test, is mapped to loopback in Chromium's resolver).
set -uo pipefail
SANDBOXD=$1
CTL=$2
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
e2e_require_local_provider
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM
if [ ! -x "$CHROMIUM" ]; then
  echo "FAIL: no Chromium at $CHROMIUM (apt-get install chromium; deploy/quickstart.sh installs it)"
  exit 1
fi
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "FAIL: node and npm are needed"; exit 1; }

e2e_cache

# playwright-core, installed once into the cache (its own npm cache: the
# sandboxes' one is owned by the installer uid and must stay so).
DRIVER_DIR=$CACHE/hmr-driver
WANT=$(node -p 'require(process.argv[1]).dependencies["playwright-core"]' "$HERE/hmr/package.json")
HAVE=$(node -p 'require(process.argv[1]).version' \
  "$DRIVER_DIR/node_modules/playwright-core/package.json" 2>/dev/null || true)
if [ "$HAVE" != "$WANT" ]; then
  mkdir -p "$DRIVER_DIR"
  cp "$HERE/hmr/package.json" "$DRIVER_DIR/package.json"
  echo "installing playwright-core $WANT into $DRIVER_DIR"
  timeout 300 npm install --prefix "$DRIVER_DIR" --cache "$CACHE/hmr-npm-cache" \
    --ignore-scripts --no-audit --no-fund --loglevel=error >"$CACHE/hmr-npm.log" 2>&1 ||
    { echo "FAIL: npm install playwright-core"; tail -20 "$CACHE/hmr-npm.log"; exit 1; }
fi
cp "$HERE/hmr/hmr_driver.mjs" "$DRIVER_DIR/hmr_driver.mjs"

DOMAIN=${HMR_PREVIEW_DOMAIN:-preview.localhost}
case $DOMAIN in
  *.localhost | localhost) ;;  # Chromium resolves these to loopback itself
  *) export HMR_CHROMIUM_ARGS="--host-resolver-rules=MAP *.$DOMAIN 127.0.0.1" ;;
esac

WORK=$(mktemp -d /tmp/sandboxd-hmr-XXXXXX)
chmod 755 "$WORK"
# Chromium keeps Secure cookies over http only for *.localhost.
COOKIE_FLAGS=()
case "$DOMAIN" in *localhost) ;; *) COOKIE_FLAGS=(--preview_secure_cookie=false) ;; esac
ID=
PID=
cleanup() {
  [ -n "$ID" ] && ctl delete "$ID" >/dev/null 2>&1
  [ -z "$PID" ] || { kill $PID 2>/dev/null; wait $PID 2>/dev/null; }
  rm -rf "$WORK"
}
trap cleanup EXIT
e2e_start_sandboxd "$SANDBOXD" --provider=local --insecure_no_auth \
  --data_dir="$WORK/data" --reap_interval=1s \
  --local_npm_cache="$CACHE/npm-cache" --log_rpcs=false --preview_domain="$DOMAIN" \
  --warm_pool_size=0 "${COOKIE_FLAGS[@]}"
ctl() { timeout 60 "$CTL" --server "127.0.0.1:$GRPC" "$@"; }

# The frontend's shape: bare page.tsx, layout.tsx, globals.css.
OLD=marker-hmr-before-$RANDOM
NEW=marker-hmr-after-$RANDOM
APP=$WORK/app; mkdir -p "$APP"
cat >"$APP/page.tsx" <<TSX
export default function Page() {
  return <main className="p-8"><h1 className="text-3xl font-bold">$OLD</h1></main>;
}
TSX
cat >"$APP/layout.tsx" <<'TSX'
import "./globals.css";
export const metadata = { title: "hmr" };
export default function RootLayout({ children }: { children: React.ReactNode }) {
  return <html lang="en"><body>{children}</body></html>;
}
TSX
printf '@tailwind base;\n@tailwind components;\n@tailwind utilities;\n' >"$APP/globals.css"

ID=$(ctl create --dir "$APP" --project-name hmr | sed -n 's/^sandbox_id: *//p')
[ -n "$ID" ] || { echo "FAIL: create returned no sandbox id"; exit 1; }
timeout 600 "$CTL" --server 127.0.0.1:$GRPC watch "$ID" >"$WORK/watch.log" 2>&1
grep -q "READY http" "$WORK/watch.log" ||
  { echo "FAIL: $ID did not become READY"; tail -20 "$WORK/watch.log"; exit 1; }

# The page's source in the sandbox's project dir (sandboxes/<id>/app is /app
# inside); the bare shape puts page.tsx under app/ (or src/app/).
PROJECT=$WORK/data/local/sandboxes/$ID/app
PAGE=$(find "$PROJECT" \( -name node_modules -o -name .next \) -prune -o \
  -name page.tsx -path '*app/page.tsx' -print 2>/dev/null | head -1)
[ -n "$PAGE" ] && grep -q "$OLD" "$PAGE" ||
  { echo "FAIL: no page.tsx with $OLD under $PROJECT"; exit 1; }
echo "page source: $PAGE (owner $(stat -c %u:%g "$PAGE"))"

URL=$(ctl get "$ID" | sed -n 's/^preview_url: *//p')
case "$URL" in
  "http://$ID.$DOMAIN:$HTTP/?sandboxd_preview_token="*) ;;
  *) echo "FAIL: Get returned no private preview URL: $URL"; exit 1 ;;
esac
echo "preview URL: ${URL%%\?*}?sandboxd_preview_token=..."
timeout 240 node "$DRIVER_DIR/hmr_driver.mjs" "$URL" "$PAGE" "$OLD" "$NEW" 150 |
  tee "$WORK/driver.log"
rc=${PIPESTATUS[0]}
# The file sandboxd's proxy served after the edit must be the sandbox's own.
if [ $rc -eq 0 ] && [ "$(stat -c %u "$PAGE")" != "$(stat -c %u "$PROJECT")" ]; then
  echo "FAIL: the rewritten page.tsx lost the sandbox uid's ownership"; rc=1
fi
if [ $rc -ne 0 ]; then
  echo "--- sandboxd stderr (tail)"; tail -20 "$WORK/err.log"
  echo "--- app log (tail)"; ctl get "$ID" 2>&1 | tail -5
  echo "FAILED (driver exit $rc)"; exit 1
fi
echo "PASSED: hot reload through the preview proxy in $(sed -n 's/^hmr_ms: //p' "$WORK/driver.log") ms"
