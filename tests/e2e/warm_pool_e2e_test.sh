#!/usr/bin/env bash
# End to end with the local provider's warm pool (real npm and NextJS):
# creates are served by pre-started sandboxes, two creates never share one,
# the first response after READY is the new app (never the template or
# another request's app), ApplyFiles lands through hot reload (add, change,
# delete), a dependency change restarts the app with the new package, and a
# create that fits no pooled sandbox still builds cold.
#   warm_pool_e2e_test.sh SANDBOXD SANDBOXCTL
set -uo pipefail
SANDBOXD=$1
CTL=$2
source "$(dirname "$0")/lib.sh"
e2e_require_local_provider
e2e_cache
WORK=$(mktemp -d /tmp/sandboxd-pool-e2e-XXXXXX)
chmod 755 "$WORK"
PID=
cleanup() { [ -z "$PID" ] || { kill $PID 2>/dev/null; wait $PID 2>/dev/null; }; rm -rf "$WORK"; }
trap cleanup EXIT
e2e_start_sandboxd "$SANDBOXD" --provider=local --local_npm_cache="$CACHE/npm-cache" \
  --warm_pool_size=1 --insecure_no_auth --preview_secure_cookie=false \
  --reconcile_interval=3s --data_dir="$WORK/data" --log_rpcs=false

slots_ready() { grep -c "slot ready" "$WORK/err.log"; }
wait_pool() {  # wait_pool N: until N fills have completed in all
  for _ in $(seq 1 600); do [ "$(slots_ready)" -ge "$1" ] && return 0; sleep 0.5; done
  return 1
}
# Fetches a preview through the proxy with a cookie jar (private previews).
fetch() {
  local url; url=$(ctl get "$1" | sed -n 's/^preview_url: *//p')
  curl -s -m 60 -L -c "$WORK/jar-$1" -b "$WORK/jar-$1" "${url}${2:-}"
}
fetch_path() {  # the jar holds the cookie after a first fetch
  curl -s -m 60 -o /dev/null -w %{http_code} -b "$WORK/jar-$1" \
    "http://$1.preview.localhost:$HTTP$2"
}
app() {  # app DIR MARKER CSS: the frontend's shape
  mkdir -p "$1"
  printf 'export default function Page() {\n  return <main className="p-8"><h1>%s</h1></main>;\n}\n' "$2" >"$1/page.tsx"
  printf 'import "./globals.css";\nexport default function RootLayout({ children }: { children: React.ReactNode }) {\n  return <html lang="en"><body>{children}</body></html>;\n}\n' >"$1/layout.tsx"
  printf '%s\n' "$3" >"$1/globals.css"
}
V3='@tailwind base;
@tailwind components;
@tailwind utilities;'
V4='@import "tailwindcss";'
apply() {  # apply ID JSON_FILES [DELETED...]: ApplyFiles over REST, waited
  python3 - "$@" >"$WORK/apply.json" <<'PY'
import json, sys
body = {"files": json.loads(sys.argv[2]), "waitUntilApplied": True}
if len(sys.argv) > 3: body["deletedPaths"] = sys.argv[3:]
print(json.dumps(body))
PY
  curl -s -m 300 -X POST -H 'content-type: application/json' \
    --data @"$WORK/apply.json" "http://127.0.0.1:$HTTP/api/sandbox/$1/files"
}

wait_pool 2 || { echo "the warm pool did not fill"; tail -20 "$WORK/err.log"; exit 1; }
echo "warm pool filled: $(grep "slot ready" "$WORK/err.log" | tr '\n' ';')"

# Two creates at once (a Tailwind 3 and a Tailwind 4 app): one pooled
# sandbox each; the first response after READY is each one's own app.
app "$WORK/a" marker-pool-a "$V3"
app "$WORK/b" marker-pool-b "$V4"
ctl create --dir "$WORK/a" --wait -o json >"$WORK/a.json" &
ca=$!
ctl create --dir "$WORK/b" --wait -o json >"$WORK/b.json" &
cb=$!
wait $ca $cb
A=$(python3 -c "import json;print(json.load(open('$WORK/a.json'))['sandboxId'])")
B=$(python3 -c "import json;print(json.load(open('$WORK/b.json'))['sandboxId'])")
field() { python3 -c "import json;print(json.load(open('$WORK/$1.json'))['sandbox'].get('$2'))"; }
check "both creates are READY" '[ "$(field a status)" = SANDBOX_STATUS_READY ] && [ "$(field b status)" = SANDBOX_STATUS_READY ]'
check "both came from the warm pool" '[ "$(field a fromWarmPool)" = True ] && [ "$(field b fromWarmPool)" = True ]'
fetch "$A" >"$WORK/a.html"; fetch "$B" >"$WORK/b.html"
check "the first response of A is A's app (not the template, not B's)" \
  'grep -q marker-pool-a $WORK/a.html && ! grep -q "warm template\|marker-pool-b" $WORK/a.html'
check "the first response of B is B's app" \
  'grep -q marker-pool-b $WORK/b.html && ! grep -q "warm template\|marker-pool-a" $WORK/b.html'
check "A and B run in different sandboxes (directories, cgroups)" \
  '[ "$(grep -h "^cgroup=" $WORK/data/local/sandboxes/$A/sandbox.meta)" != "$(grep -h "^cgroup=" $WORK/data/local/sandboxes/$B/sandbox.meta)" ]'
check "no pooled sandbox is listed as a user's" '! ctl list | contains pool-'

# ApplyFiles: change the page, add a route, then delete it.
apply "$A" '{"page.tsx":"export default function Page() { return <h1>marker-applied-1</h1>; }\n","app/about/page.tsx":"export default function About() { return <p>marker-about</p>; }\n"}' >"$WORK/ap1.json"
check "ApplyFiles answers READY at generation 2" \
  'grep -q "\"generation\":\"2\"" $WORK/ap1.json && grep -q SANDBOX_STATUS_READY $WORK/ap1.json'
check "the first response after the apply is the new page" 'fetch "$A" | contains marker-applied-1'
check "the added route is served" 'curl -s -m 60 -b $WORK/jar-$A http://$A.preview.localhost:$HTTP/about | contains marker-about'
apply "$A" '{}' app/about/page.tsx >"$WORK/ap2.json"
check "deleting a file removes its route" \
  'grep -q "\"generation\":\"3\"" $WORK/ap2.json && [ "$(fetch_path $A /about)" = 404 ]'
ctl watch "$A" >"$WORK/a.watch" 2>&1
check "ApplyFiles events reach WatchBuild" 'grep -q "applying generation 3" $WORK/a.watch'

# A dependency added by ApplyFiles: installed into the running app (A came
# from the pool, so it has its own node_modules), then hot reload.
apply "$A" '{"package.json":"{\"dependencies\":{\"ms\":\"2.1.3\"}}","page.tsx":"import ms from \"ms\";\nexport default function Page() { return <h1>marker-dep-{ms(60000)}</h1>; }\n"}' >"$WORK/ap3.json"
check "a new dependency is installed and used" \
  'grep -q SANDBOX_STATUS_READY $WORK/ap3.json && fetch "$A" | contains "marker-dep-1m\|marker-dep-<!-- -->1m"'
ctl watch "$A" >"$WORK/a3.watch" 2>&1
check "it was added to the running app, without a restart" \
  'grep -q "hot reload, adding packages" $WORK/a3.watch && grep -q "adding ms@2.1.3" $WORK/a3.watch && ! grep -q "restarting" $WORK/a3.watch'

# The pool refills in the background.
check "the pool refills after being drained" 'wait_pool 4'

# A create that fits no pooled sandbox (its own next.config) builds cold.
app "$WORK/c" marker-pool-c "$V3"
printf 'export default { reactStrictMode: true };\n' >"$WORK/c/next.config.mjs"
ctl create --dir "$WORK/c" --wait -o json >"$WORK/c.json"
C=$(python3 -c "import json;print(json.load(open('$WORK/c.json'))['sandboxId'])")
check "a create that fits no pooled sandbox builds cold and works" \
  '[ "$(field c fromWarmPool)" != True ] && fetch "$C" | contains marker-pool-c'
ctl watch "$C" >"$WORK/c.watch" 2>&1
check "its events say why" 'grep -q "cold start: .*next.config.mjs differs" $WORK/c.watch'

# A plain HTML site (no React at all) becomes READY too: its route handler
# carries the generation marker.
mkdir -p "$WORK/h"
printf '<!doctype html><html><head><title>h</title></head><body><h1>marker-html-site</h1></body></html>\n' >"$WORK/h/index.html"
ctl create --dir "$WORK/h" --wait -o json >"$WORK/h.json"
H=$(python3 -c "import json;print(json.load(open('$WORK/h.json'))['sandboxId'])")
check "an HTML-only site becomes READY and serves its page" \
  '[ "$(field h status)" = SANDBOX_STATUS_READY ] && fetch "$H" | contains marker-html-site'


# A create that needs a package the template lacks takes a pooled sandbox
# anyway: the package is added to it before the new files are synced.
app "$WORK/d" marker-pool-d "$V3"
printf '{"dependencies":{"ms":"2.1.3"}}\n' >"$WORK/d/package.json"
printf 'import ms from "ms";\nexport default function Page() { return <h1>marker-pool-d-{ms(120000)}</h1>; }\n' >"$WORK/d/page.tsx"
ctl create --dir "$WORK/d" --wait -o json >"$WORK/d.json"
D=$(python3 -c "import json;print(json.load(open('$WORK/d.json'))['sandboxId'])")
ctl watch "$D" >"$WORK/d.watch" 2>&1
check "a create adding a package is served by a pooled sandbox" \
  '[ "$(field d fromWarmPool)" = True ] && grep -q "adding ms@2.1.3 to the running sandbox" $WORK/d.watch'
check "its first response uses the added package" \
  'fetch "$D" | contains "marker-pool-d-2m\|marker-pool-d-<!-- -->2m"'
check "the package went into its own node_modules (root-owned, not linked into the shared store)" \
  'f=$WORK/data/local/sandboxes/$D/deps/node_modules/ms/package.json; [ "$(stat -c %U:%h:%a $f)" = root:1:644 ]'
for id in $A $B $C $D $H; do ctl delete "$id" >/dev/null; done
check "deleted sandboxes leave no directory" \
  '! ls $WORK/data/local/sandboxes | contains "sbx-"'

e2e_summary
