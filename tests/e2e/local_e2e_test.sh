#!/usr/bin/env bash
# End to end on the local provider, real npm and NextJS: the frontend's
# request shape -> WatchBuild phases -> preview through sandboxd's proxy
# shows the page's marker, in DEV and PRODUCTION; a second create with the
# same dependencies runs no npm install; idle stop and wake on a preview
# visit; Delete leaves no process, cgroup or file behind.
#   local_e2e_test.sh SANDBOXD SANDBOXCTL [--provider=daytona DAYTONA_EMULATOR]
# With --provider=daytona the same flow runs on the Daytona provider against
# a daytona_emulator started here (sandboxd gets DAYTONA_API_URL/KEY): the
# preview is the URL Get returns (the emulator's, not proxied by sandboxd);
# Delete must leave no sandbox listed by the emulator, no directory and no
# process. The local-only checks (dependency store reuse, idle stop and wake
# through the proxy, cgroups) are skipped there.
# With SANDBOXD_E2E_WARM_POOL=N (N > 0) the provider (local, or Daytona
# through DAYTONA_WARM_POOL_SIZE) keeps N pooled
# sandboxes per Tailwind major: the suite waits for them, the DEV create
# must be served by one, and the pooled sandboxes are left out of the
# "nothing left behind" checks (the store-reuse check needs a cold DEV
# build and is skipped).
set -uo pipefail
SANDBOXD=$1
CTL=$2
source "$(dirname "$0")/lib.sh"
PROVIDER=local
if [ "${3:-}" = "--provider=daytona" ]; then PROVIDER=daytona; EMULATOR=${4:?DAYTONA_EMULATOR}; fi
e2e_require_local_provider
e2e_cache
WORK=$(mktemp -d /tmp/sandboxd-e2e-XXXXXX)
chmod 755 "$WORK"
PROVIDER_FLAGS=(--provider=local --local_npm_cache="$CACHE/npm-cache")
EPID=
if [ $PROVIDER = daytona ]; then
  # Its sandboxes run as nobody: their npm cache is their own, shared by runs.
  "$EMULATOR" --port_file="$WORK/emulator.port" --data_dir="$WORK/emulator" \
    --npm_cache="$CACHE/daytona-npm-cache" --transition_ms=100 >"$WORK/emulator.log" 2>&1 &
  EPID=$!
  for _ in $(seq 1 100); do [ -s "$WORK/emulator.port" ] && break; sleep 0.1; done
  [ -s "$WORK/emulator.port" ] || { echo "daytona_emulator did not start"; cat "$WORK/emulator.log"; kill $EPID; rm -rf "$WORK"; exit 1; }
  EAPI=http://127.0.0.1:$(cat "$WORK/emulator.port")/api
  unset DAYTONA_JWT_TOKEN DAYTONA_ORGANIZATION_ID DAYTONA_TARGET DAYTONA_SNAPSHOT DAYTONA_IMAGE DAYTONA_SERVER_URL
  export DAYTONA_API_URL=$EAPI DAYTONA_API_KEY=e2e-key
  export DAYTONA_WARM_POOL_SIZE=${SANDBOXD_E2E_WARM_POOL:-0}
  PROVIDER_FLAGS=(--provider=daytona)
fi
PID=
cleanup() {
  [ -z "$PID" ] || { kill $PID 2>/dev/null; wait $PID 2>/dev/null; }
  [ -z "$EPID" ] || { kill $EPID 2>/dev/null; wait $EPID 2>/dev/null; }
  rm -rf "$WORK"
}
trap cleanup EXIT
# Ports the kernel picks: preview URLs must carry the bound HTTP port.
e2e_start_sandboxd "$SANDBOXD" "${PROVIDER_FLAGS[@]}" --insecure_no_auth \
  --data_dir="$WORK/data" --reap_interval=1s \
  --min_idle_timeout=1s --log_rpcs=false \
  --warm_pool_size="${SANDBOXD_E2E_WARM_POOL:-0}"

POOL=${SANDBOXD_E2E_WARM_POOL:-0}
if [ "$POOL" -gt 0 ]; then
  for _ in $(seq 1 600); do
    [ "$(grep -c "slot ready" "$WORK/err.log")" -ge 2 ] && break; sleep 0.5
  done
  echo "warm pool: $(grep "slot ready" "$WORK/err.log" | tr '\n' ';')"
fi
# The uids of pooled sandboxes (never a user's): left out of the checks.
pool_uids() {
  cat "$WORK"/data/local/sandboxes/pool-*/sandbox.meta 2>/dev/null |
    sed -n 's/^uid=//p' | paste -sd'|'
}
# Sandbox processes (uids above the base) other than the pool's.
sandbox_procs() {
  local skip; skip=$(pool_uids)
  ps -eo uid= | awk '$1>200000' | { if [ -n "$skip" ]; then grep -Ev "^ *($skip)\$"; else cat; fi; }
}

token_of() { preview_url "$1" | sed -n 's/.*[?&]\(sandboxd_preview_token=[^&#]*\).*/\1/p'; }
visit() { curl -s -m 60 ${2:+-H "Cookie: $2"} "http://$1.preview.localhost:$HTTP/"; }
code() { curl -s -o /dev/null -w %{http_code} -m 60 "$@"; }
preview() { local c; c=$(signin "$1") && [ -n "$c" ] && visit "$1" "$c"; }
if [ $PROVIDER = daytona ]; then
  # The preview URL Get returns (the emulator's own), followed with a jar.
  preview() {
    local url; url=$(ctl get "$1" | sed -n 's/^preview_url: *//p')
    [ -n "$url" ] && curl -sL -m 60 -c "$WORK/jar" -b "$WORK/jar" "$url"
  }
fi

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
[ "$POOL" -gt 0 ] &&
check "DEV was served by a pooled sandbox" \
  'ctl get $DEV -o json | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if d.get(\"sandbox\", d).get(\"fromWarmPool\") else 1)"'
DEV2=
if [ $PROVIDER = daytona ] && [ "$POOL" -gt 0 ]; then
  # The pool refills, and a second create takes the new sandbox (the
  # provider's bookkeeping moves from one id to the next each time).
  for _ in $(seq 1 600); do [ "$(grep -c "slot ready" "$WORK/err.log")" -ge 3 ] && break; sleep 0.5; done
  sed 's/marker-local-e2e/marker-local-e2e-second/' "$APP/page.tsx" >"$WORK/page-second.tsx"
  mkdir -p "$WORK/app2" && cp "$APP/layout.tsx" "$APP/globals.css" "$WORK/app2/" &&
    cp "$WORK/page-second.tsx" "$WORK/app2/page.tsx"
  DEV2=$(ctl create --dir "$WORK/app2" --project-name dev2 | sed -n 's/^sandbox_id: *//p')
  ctl watch "$DEV2" >"$WORK/dev2.watch" 2>&1
  check "a second DEV create after the refill is served by the pool too" \
    'grep -q "took a pre-started sandbox" $WORK/dev2.watch && preview $DEV2 | contains marker-local-e2e-second'
fi

# An iterative edit lands in the running DEV app (hot reload, no restart).
sed 's/marker-local-e2e/marker-local-e2e-edited/' "$APP/page.tsx" >"$WORK/page2.tsx"
start=$(date +%s.%N)
ctl apply "$DEV" --file "page.tsx=$WORK/page2.tsx" --wait >"$WORK/apply.out" 2>&1
echo "DEV ApplyFiles: $(python3 -c "print(round($(date +%s.%N)-$start,1))") s"
check "ApplyFiles lands in the running DEV app by hot reload" \
  'ctl watch $DEV 2>&1 | contains "hot reload" && preview $DEV | contains marker-local-e2e-edited'
[ $failed -eq 0 ] || { cat "$WORK/apply.out"; ctl watch "$DEV" 2>&1 | tail -15; }

start=$(date +%s.%N)
PROD=$(create --project-name prod --mode production)
ctl watch "$PROD" >"$WORK/prod.watch" 2>&1
echo "PRODUCTION build (warm store): $(python3 -c "print(round($(date +%s.%N)-$start,1))") s"
[ $PROVIDER = local ] && [ "$POOL" -eq 0 ] &&
check "PRODUCTION reuses the installed dependencies (no npm run)" 'grep -q "reusing installed dependencies" $WORK/prod.watch'
check "PRODUCTION ran the build phase" 'grep -q "BUILDING" $WORK/prod.watch'
check "PRODUCTION preview serves the marker" 'preview $PROD | grep -q marker-local-e2e'
check "an unknown sandbox's preview is 404" \
  '[ "$(curl -s -o /dev/null -w %{http_code} -H "Host: sbx-00000000000000000000.preview.localhost:$HTTP" http://127.0.0.1:$HTTP/)" = 404 ]'
if [ $PROVIDER = local ]; then
check "an unauthenticated visit to a private preview is refused" \
  '[ "$(code http://$PROD.preview.localhost:$HTTP/)" = 403 ] && visit $PROD | grep -q "preview is private"'
check "a preview URL's token does not open another sandbox" \
  't=$(token_of $PROD) && [ -n "$t" ] && [ "$(code "http://$DEV.preview.localhost:$HTTP/?$t")" = 403 ]'
check "a preview cookie does not open another sandbox" \
  'c=$(signin $PROD) && [ -n "$c" ] && [ "$(code -H "Cookie: $c" http://$DEV.preview.localhost:$HTTP/)" = 403 ]'
fi

IDLE=
if [ $PROVIDER = local ]; then
IDLE=$(create --project-name idle --idle-timeout 3s)
ctl watch "$IDLE" >/dev/null 2>&1
IDLE_COOKIE=$(signin "$IDLE")  # the trade does not touch the app
for _ in $(seq 1 60); do
  ctl list --status SANDBOX_STATUS_STOPPED 2>/dev/null | grep -q "$IDLE" && break; sleep 0.5
done
check "an idle sandbox is stopped after its idle_timeout" 'ctl list --status SANDBOX_STATUS_STOPPED | grep -q $IDLE'
check "a refused preview visit does not wake it" \
  '[ "$(code http://$IDLE.preview.localhost:$HTTP/)" = 403 ] && ctl list --status SANDBOX_STATUS_STOPPED | grep -q $IDLE'
check "a preview visit with the cookie wakes it and is held until the page is back" \
  'visit $IDLE "$IDLE_COOKIE" | grep -q marker-local-e2e'
fi

for id in $DEV $DEV2 $PROD $IDLE; do ctl delete "$id" >/dev/null; done
sleep 1
# The local provider's start-up build-cache seeds run in sandboxes of their
# own (one per Tailwind major, tailwind=4 last): wait for them to end.
if [ $PROVIDER = local ]; then
  for _ in $(seq 1 480); do grep -q "build-cache-seed tailwind=4" "$WORK/err.log" && break; sleep 0.5; done
  # The host's init reaps an ended sandbox's last (zombie) process lazily.
  for _ in $(seq 1 40); do sandbox_procs | grep -q . || break; sleep 0.5; done
fi
if [ $PROVIDER = daytona ] && [ "$POOL" -gt 0 ]; then
  # A graceful stop deletes the pooled sandboxes (cloud sandboxes cost).
  kill -TERM $PID; wait $PID; PID=
  grep "warm pool: deleting pooled sandbox" "$WORK/err.log" | head -4
fi
if [ $PROVIDER = daytona ]; then
  listed() { curl -sf -m 10 -H "Authorization: Bearer e2e-key" "$EAPI/sandbox" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"] if isinstance(d,dict) else d))'; }
  for _ in $(seq 1 60); do
    [ "$(listed)" = 0 ] && [ -z "$(ls $WORK/emulator/sandboxes)" ] && break; sleep 0.5
  done
  check "Delete leaves no sandbox listed by the emulator" '[ "$(listed)" = 0 ]'
  check "Delete leaves no sandbox directory in the emulator" '[ -d $WORK/emulator/sandboxes ] && [ -z "$(ls $WORK/emulator/sandboxes)" ]'
  [ -z "$(ls $WORK/emulator/sandboxes)" ] || find "$WORK/emulator/sandboxes" -maxdepth 4 | head -20
  check "Delete leaves no sandbox process" 'kill -0 $EPID && ! pgrep -P $EPID >/dev/null'
else
check "Delete leaves no project directory" '[ -z "$(ls $WORK/data/local/sandboxes 2>/dev/null | grep -v "^pool-")" ]'
check "Delete leaves no sandbox process" '! sandbox_procs | grep -q .'
check "Delete leaves no cgroup" '! ls -d /sys/fs/cgroup/*/sandboxd/sbx-* /sys/fs/cgroup/sandboxd/sbx-* 2>/dev/null | grep -q .'
fi

e2e_summary
