#!/usr/bin/env bash
# End to end on the local provider, real npm and NextJS: the frontend's
# request shape -> WatchBuild phases -> preview through sandboxd's proxy
# shows the page's marker, in DEV and PRODUCTION; a second create with the
# same dependencies runs no npm install; idle stop and wake on a preview
# visit; Delete leaves no process, cgroup or file behind.
#   local_e2e_test.sh SANDBOXD SANDBOXCTL
set -uo pipefail
SANDBOXD=$1
CTL=$2
if [ "$(id -u)" -ne 0 ] || ! command -v bwrap >/dev/null; then
  echo "SKIP: the local provider needs root and bubblewrap"; exit 0
fi
CACHE=${SANDBOXD_TEST_CACHE_DIR:-$PWD/test-cache}
mkdir -p "$CACHE/npm-cache"
# Install sandboxes run as unprivileged uids: the cache must be reachable.
chmod o+x "$CACHE"
WORK=$(mktemp -d /tmp/sandboxd-e2e-XXXXXX)
chmod 755 "$WORK"
read GRPC HTTP < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
"$SANDBOXD" --provider=local --insecure_no_auth --grpc_addr=127.0.0.1:$GRPC \
  --http_addr=127.0.0.1:$HTTP --data_dir="$WORK/data" --reap_interval=1s \
  --min_idle_timeout=1s --local_npm_cache="$CACHE/npm-cache" --log_rpcs=false \
  >"$WORK/out.log" 2>"$WORK/err.log" &
PID=$!
cleanup() { kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 100); do grep -q LISTENING "$WORK/out.log" && break; sleep 0.1; done
grep -q LISTENING "$WORK/out.log" || { echo "sandboxd did not start"; cat "$WORK/err.log"; exit 1; }

passed=0; failed=0
check() { if eval "$2"; then passed=$((passed+1)); echo "ok   $1"; else failed=$((failed+1)); echo "FAIL $1"; fi; }
ctl() { "$CTL" --server 127.0.0.1:$GRPC "$@"; }
preview() { curl -s -m 60 -H "Host: ${1:-none}.preview.localhost:$HTTP" "http://127.0.0.1:$HTTP/"; }

# The frontend's shape: bare page.tsx, layout.tsx, globals.css.
APP=$WORK/app; mkdir -p "$APP"
cat >"$APP/page.tsx" <<'TSX'
export default function Page() {
  return <main className="p-8"><h1 className="text-3xl font-bold">marker-local-e2e</h1></main>;
}
TSX
cat >"$APP/layout.tsx" <<'TSX'
import "./globals.css";
export const metadata = { title: "e2e" };
export default function RootLayout({ children }: { children: React.ReactNode }) {
  return <html lang="en"><body>{children}</body></html>;
}
TSX
printf '@tailwind base;\n@tailwind components;\n@tailwind utilities;\n' >"$APP/globals.css"

create() { ctl create --dir "$APP" "$@" | sed -n 's/^sandbox_id: *//p'; }

start=$(date +%s.%N)
DEV=$(create --project-name dev)
ctl watch "$DEV" >"$WORK/dev.watch" 2>&1
echo "DEV build: $(python3 -c "print(round($(date +%s.%N)-$start,1))") s"
check "DEV watch shows INSTALLING, STARTING and READY" \
  'grep -q "INSTALLING" $WORK/dev.watch && grep -q "STARTING" $WORK/dev.watch && grep -q "READY http" $WORK/dev.watch'
check "DEV preview serves the marker through the proxy" 'preview $DEV | grep -q marker-local-e2e'

start=$(date +%s.%N)
PROD=$(create --project-name prod --mode production)
ctl watch "$PROD" >"$WORK/prod.watch" 2>&1
echo "PRODUCTION build (warm store): $(python3 -c "print(round($(date +%s.%N)-$start,1))") s"
check "PRODUCTION reuses the installed dependencies (no npm run)" 'grep -q "reusing installed dependencies" $WORK/prod.watch'
check "PRODUCTION ran the build phase" 'grep -q "BUILDING" $WORK/prod.watch'
check "PRODUCTION preview serves the marker" 'preview $PROD | grep -q marker-local-e2e'
check "an unknown sandbox's preview is 404" \
  '[ "$(curl -s -o /dev/null -w %{http_code} -H "Host: sbx-00000000000000000000.preview.localhost:$HTTP" http://127.0.0.1:$HTTP/)" = 404 ]'

IDLE=$(create --project-name idle --idle-timeout 3s)
ctl watch "$IDLE" >/dev/null 2>&1
for _ in $(seq 1 60); do
  ctl list --status SANDBOX_STATUS_STOPPED 2>/dev/null | grep -q "$IDLE" && break; sleep 0.5
done
check "an idle sandbox is stopped after its idle_timeout" 'ctl list --status SANDBOX_STATUS_STOPPED | grep -q $IDLE'
check "a preview visit wakes it and is held until the page is back" 'preview $IDLE | grep -q marker-local-e2e'

for id in $DEV $PROD $IDLE; do ctl delete "$id" >/dev/null; done
sleep 1
check "Delete leaves no project directory" '[ -z "$(ls $WORK/data/local/sandboxes 2>/dev/null)" ]'
check "Delete leaves no sandbox process" '! ps -eo uid= | awk "\$1>200000" | grep -q .'
check "Delete leaves no cgroup" '! ls -d /sys/fs/cgroup/*/sandboxd/sbx-* /sys/fs/cgroup/sandboxd/sbx-* 2>/dev/null | grep -q .'

echo "$passed passed, $failed failed"
[ $failed -eq 0 ] || { echo "--- sandboxd stderr (tail)"; tail -20 "$WORK/err.log"; exit 1; }
