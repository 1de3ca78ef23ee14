#!/usr/bin/env bash
# End to end on the local provider's unprivileged mode (lib/local/README.md):
# the real sandboxd runs as uid 65534 (via setpriv when the test runs as
# root, else as the test's own uid), logs "isolation mode unprivileged",
# builds a DEV sandbox from a static page (a NextJS app: npm runs, from a
# warm cache when there is one),
# serves it READY through the preview proxy and the (c') netns helper, and
# Delete leaves no process or file behind.
#   unprivileged_e2e_test.sh SANDBOXD SANDBOXCTL
# Env: SANDBOXD_TEST_CACHE_DIR (the npm cache of the other e2e tests is
# copied once into npm-cache-unprivileged there, owned by the sandboxd uid).
set -uo pipefail
SANDBOXD=$1
CTL=$2
source "$(dirname "$0")/lib.sh"
if ! command -v bwrap >/dev/null; then echo "SKIP: needs bubblewrap"; exit $E2E_SKIP; fi
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  U=65534
  RUN_AS=(setpriv --reuid=$U --regid=$U --clear-groups --inh-caps=-all)
else
  U=$(id -u)
fi
CACHE=${SANDBOXD_TEST_CACHE_DIR:-$PWD/test-cache}
UCACHE=$CACHE/npm-cache-unprivileged
mkdir -p "$CACHE"
if [ ! -d "$UCACHE" ]; then
  mkdir -p "$UCACHE"
  for src in "$CACHE/npm-cache/_cacache" "$CACHE/_cacache"; do
    [ -d "$src" ] && { cp -a "$src" "$UCACHE/" && break; }
  done
fi
if [ "$(id -u)" -eq 0 ]; then
  chmod o+x "$CACHE"  # the sandboxd uid must reach its cache
  chown -R $U:$U "$UCACHE"
fi
WORK=$(mktemp -d /tmp/sandboxd-unpriv-e2e-XXXXXX)
chmod 755 "$WORK"
mkdir "$WORK/data"
[ "$(id -u)" -ne 0 ] || chown $U:$U "$WORK/data"
PID=
cleanup() {
  [ -z "$PID" ] || { kill $PID 2>/dev/null; wait $PID 2>/dev/null; }
  rm -rf "$WORK"
}
trap cleanup EXIT
e2e_start_sandboxd "${RUN_AS[@]}" "$SANDBOXD" --provider=local \
  --local_npm_cache="$UCACHE" --insecure_no_auth \
  --data_dir="$WORK/data" --log_rpcs=false --warm_pool_size=0

preview() {
  local c; c=$(signin "$1") && [ -n "$c" ] &&
    curl -s -m 60 -H "Cookie: $c" "http://$1.preview.localhost:$HTTP/"
}

check "sandboxd runs as uid $U" '[ "$(stat -c %u /proc/$PID)" = $U ]'
check "the startup log names the unprivileged mode" \
  'grep -q "isolation mode unprivileged" $WORK/err.log'

# A static page in the frontend's shape (an HTML-only site is converted to
# an app/route.ts handler, which never carries the generation marker that
# readiness waits for: a scaffold issue, not this mode's).
APP=$WORK/app; mkdir -p "$APP"
cat >"$APP/page.tsx" <<'TSX'
export default function Page() {
  return <main><h1>marker-unprivileged-e2e</h1></main>;
}
TSX
cat >"$APP/layout.tsx" <<'TSX'
import "./globals.css";
export const metadata = { title: "unprivileged e2e" };
export default function RootLayout({ children }: { children: React.ReactNode }) {
  return <html lang="en"><body>{children}</body></html>;
}
TSX
printf '@tailwind base;\n@tailwind components;\n@tailwind utilities;\n' >"$APP/globals.css"
start=$(date +%s.%N)
SBX=$(ctl create --dir "$APP" --project-name static-page | sed -n 's/^sandbox_id: *//p')
timeout 240 "$CTL" --server 127.0.0.1:$GRPC watch "$SBX" >"$WORK/watch" 2>&1
echo "DEV static page: $(python3 -c "print(round($(date +%s.%N)-$start,1))") s"
check "the sandbox gets READY" 'grep -q "READY http" $WORK/watch'
check "the preview serves the page through the proxy" \
  'preview $SBX | grep -q marker-unprivileged-e2e'
# Its bwrap processes (the outer one and the sandbox's init) on the host.
app_uids() { for p in $(pgrep -f "sandboxes/$SBX/app"); do stat -c %u /proc/$p; done | sort -u; }
check "the app runs as the sandboxd uid, never root" '[ "$(app_uids)" = $U ]'
ctl delete "$SBX" >/dev/null
for _ in $(seq 1 40); do pgrep -f "sandboxes/$SBX/app" >/dev/null || break; sleep 0.25; done
check "Delete leaves no sandbox process" '! pgrep -f "sandboxes/$SBX/app" >/dev/null'
check "Delete leaves no project directory" '[ ! -e $WORK/data/local/sandboxes/$SBX ]'

[ $failed -eq 0 ] || { echo "--- watch"; tail -30 "$WORK/watch"; }
e2e_summary
