#!/usr/bin/env bash
# Time to preview on the local provider (a benchmark that prints figures, not
# a test): from the Create call to the preview's first HTTP 200 whose body
# carries this run's marker, polled every 100 ms through sandboxd's preview
# proxy, for DEV and PRODUCTION, with a cold dependency store (each run on a
# fresh data dir, so a full npm install with a warm npm cache) and a warm
# store (later runs on one data dir). Prints p50/p95 per case and the memory
# of each running sandbox just after its first marker 200 (+1 s): the memory
# cgroup's usage (page cache included), its rss, and the PSS summed over the
# sandbox's processes (smaps_rollup; shared node_modules pages split).
#   preview_bench.sh SANDBOXD SANDBOXCTL [N]        (N runs per case, default 5)
# Env: SANDBOXD_TEST_CACHE_DIR (npm cache, shared with the e2e tests),
#      RUN_TIMEOUT (seconds per run, default 600), CASES (default
#      "dev-cold production-cold dev-warm production-warm"), TAILWIND (4, the
#      scaffold's default stack, or 3: the app's globals.css), SANDBOXD_ARGS
#      (more sandboxd flags, e.g. --warm_pool_size=0 to keep the pool out),
#      BUILD_CACHE_SEED (on: warm cases first wait, untimed, for sandboxd's
#      start-up build-cache seeds; off: they wait too, then delete the seeds
#      before each run, for the figure without seeding; default on).
# Needs root and bubblewrap (the local provider's requirements).
set -uo pipefail
SANDBOXD=${1:?usage: preview_bench.sh SANDBOXD SANDBOXCTL [N]}
CTL=${2:?usage: preview_bench.sh SANDBOXD SANDBOXCTL [N]}
N=${3:-5}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
BUILD_CACHE_SEED=${BUILD_CACHE_SEED:-on}
CASES=${CASES:-"dev-cold production-cold dev-warm production-warm"}
TAILWIND=${TAILWIND:-4}
if [ "$(id -u)" -ne 0 ] || ! command -v bwrap >/dev/null; then
  echo "preview_bench: the local provider needs root and bubblewrap" >&2; exit 1
fi
CACHE=${SANDBOXD_TEST_CACHE_DIR:-$PWD/test-cache}
mkdir -p "$CACHE/npm-cache"
chmod o+x "$CACHE"
WORK=$(mktemp -d /tmp/sandboxd-bench-XXXXXX)
chmod 755 "$WORK"
RESULTS=$WORK/results.tsv  # case  seconds  cgroup_bytes  rss_bytes  pss_bytes
: >"$RESULTS"

PID=
GRPC=
HTTP=
DATA=
IDS=()
RUNS=0
WARM=0  # 1 once a run succeeded on the running sandboxd: its store is filled
ctl() { timeout 60 "$CTL" --server 127.0.0.1:$GRPC "$@"; }
stop_sandboxd() {
  for id in "${IDS[@]}"; do [ -n "$id" ] && ctl delete "$id" >/dev/null 2>&1; done
  IDS=()
  WARM=0
  if [ -n "$PID" ]; then kill $PID 2>/dev/null; wait $PID 2>/dev/null; fi
  PID=
  # ~0.5 GB of dependencies per store: keep the disk use bounded.
  [ -n "$DATA" ] && rm -rf "$DATA"
  DATA=
}
cleanup() { stop_sandboxd; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts sandboxd on a fresh data dir (a cold dependency store).
start_sandboxd() {
  stop_sandboxd
  # sandboxd creates it (sandbox uids must traverse it; mktemp's is 0700).
  RUNS=$((RUNS + 1))
  DATA=$WORK/data-$RUNS
  read GRPC HTTP < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
  "$SANDBOXD" --provider=local --insecure_no_auth --grpc_addr=127.0.0.1:$GRPC \
    --http_addr=127.0.0.1:$HTTP --data_dir="$DATA" --reap_interval=10s \
    --local_npm_cache="$CACHE/npm-cache" --log_rpcs=false ${SANDBOXD_ARGS:-} \
    >"$DATA.out" 2>"$DATA.err" &
  PID=$!
  for _ in $(seq 1 100); do grep -q LISTENING "$DATA.out" && return 0; sleep 0.1; done
  echo "sandboxd did not start:" >&2; cat "$DATA.err" >&2; exit 1
}

# Waits (untimed) until sandboxd has built its start-up build-cache seeds
# (it logs one line per Tailwind major, tailwind=4 last).
wait_for_seeds() {
  local deadline=$(( $(date +%s) + RUN_TIMEOUT ))
  while ! grep -q "build-cache-seed tailwind=4" "$DATA.err"; do
    if [ "$(date +%s)" -ge $deadline ]; then
      echo "  (no build-cache seed after ${RUN_TIMEOUT} s)" >&2; return 1
    fi
    sleep 1
  done
  grep "build-cache-seed" "$DATA.err" | sed 's/^/  (/; s/$/)/'
}

# The frontend's shape (bare page.tsx, layout.tsx, globals.css) with a
# marker unique to the run, so no earlier build can answer for it.
write_app() {  # DIR MARKER
  mkdir -p "$1"
  cat >"$1/page.tsx" <<TSX
export default function Page() {
  return <main className="p-8"><h1 className="text-3xl font-bold text-sky-600">$2</h1>
    <p className="mt-4 text-gray-600">Time to preview benchmark.</p></main>;
}
TSX
  cat >"$1/layout.tsx" <<'TSX'
import "./globals.css";
export const metadata = { title: "bench" };
export default function RootLayout({ children }: { children: React.ReactNode }) {
  return <html lang="en"><body>{children}</body></html>;
}
TSX
  if [ "$TAILWIND" = 3 ]; then
    printf '@tailwind base;\n@tailwind components;\n@tailwind utilities;\n' >"$1/globals.css"
  else
    printf '@import "tailwindcss";\n' >"$1/globals.css"
  fi
}

# Memory of a running sandbox, in bytes: "cgroup_usage rss pss".
sandbox_memory() {  # ID
  # cgroup v1: under the provider's directory (sandboxd-<hash of its root>).
  local mem pids
  mem=$(ls -d /sys/fs/cgroup/memory/sandboxd*/"$1" 2>/dev/null | head -1)
  pids=$(ls -d /sys/fs/cgroup/pids/sandboxd*/"$1" 2>/dev/null | head -1)
  local usage=0 rss=0 pss=0
  if [ -r "$mem/memory.usage_in_bytes" ]; then  # cgroup v1
    usage=$(cat "$mem/memory.usage_in_bytes")
    rss=$(awk '$1=="total_rss"{print $2}' "$mem/memory.stat")
  else  # cgroup v2: find the sandbox's leaf anywhere under the mount
    local leaf
    leaf=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$1" 2>/dev/null | head -1)
    [ -n "$leaf" ] && usage=$(cat "$leaf/memory.current" 2>/dev/null || echo 0)
    [ -n "$leaf" ] && rss=$(awk '$1=="anon"{print $2}' "$leaf/memory.stat" 2>/dev/null)
    pids=$leaf
  fi
  if [ -r "$pids/cgroup.procs" ]; then
    pss=$(for p in $(cat "$pids/cgroup.procs"); do
      awk '$1=="Pss:"{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null
    done | awk '{s+=$1} END {print s*1024+0}')
  fi
  echo "${usage:-0} ${rss:-0} ${pss:-0}"
}

# One run: Create, then poll the preview every 100 ms until a 200 carries
# the marker. Appends "case seconds cgroup rss pss" to $RESULTS.
run_once() {  # CASE MODE
  local case=$1 mode=$2 marker app id start now code body elapsed
  marker=marker-bench-$mode-$RANDOM$RANDOM
  app=$(mktemp -d "$WORK/app-XXXX")
  write_app "$app" "$marker"
  body=$app.body
  [ "$BUILD_CACHE_SEED" = off ] && rm -rf "$DATA"/local/deps/*/next-build-cache
  start=$(date +%s.%N)
  id=$(ctl create --dir "$app" --project-name "bench-$case" --mode "$mode" |
    sed -n 's/^sandbox_id: *//p')
  if [ -z "$id" ]; then
    echo "  $case: create failed" >&2; tail -3 "$DATA.err" >&2; return 1
  fi
  IDS+=("$id")
  # Follows the sandbox's phases meanwhile, to stop early on FAILED.
  timeout "$RUN_TIMEOUT" "$CTL" --server 127.0.0.1:$GRPC watch "$id" >"$app.watch" 2>&1 &
  local watcher=$!
  local deadline=$(( $(date +%s) + RUN_TIMEOUT )) ok=0 cookie= url
  while [ "$(date +%s)" -lt $deadline ]; do
    # The preview is private: once READY, trade the token of the URL Get
    # returns for the preview cookie (the proxy's 303), as a browser would.
    if [ -z "$cookie" ] && grep -q "READY" "$app.watch"; then
      url=$(ctl get "$id" 2>/dev/null | sed -n 's/^preview_url: *//p')
      [ -z "$url" ] || cookie=$(curl -s -m 10 -o /dev/null -D - "$url" |
        tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: *\(sandboxd_preview=[^;]*\).*/\1/p')
    fi
    code=$(curl -s -m 10 -o "$body" -w '%{http_code}' ${cookie:+-H "Cookie: $cookie"} \
      -H "Host: $id.preview.localhost:$HTTP" "http://127.0.0.1:$HTTP/")
    now=$(date +%s.%N)
    if [ "$code" = 200 ] && grep -q "$marker" "$body"; then ok=1; break; fi
    if grep -q "FAILED" "$app.watch"; then break; fi
    sleep 0.1
  done
  kill $watcher 2>/dev/null; wait $watcher 2>/dev/null
  if [ $ok -ne 1 ]; then
    echo "  $case: no marker 200 for $id (last HTTP $code)" >&2
    tail -5 "$app.watch" >&2; tail -3 "$DATA.err" >&2
    return 1
  fi
  elapsed=$(python3 -c "print(f'{$now-$start:.2f}')")
  sleep 1
  local memory; memory=$(sandbox_memory "$id")
  local phases; phases=$(ctl get "$id" 2>/dev/null | sed -n 's/^phases: *//p')
  local store=installed
  grep -q "reusing installed dependencies" "$app.watch" && store=reused
  grep -q "seeded the build cache" "$app.watch" && store="$store, build cache seeded"
  WARM=1
  printf '%s\t%s\t%s\n' "$case" "$elapsed" "${memory// /	}" >>"$RESULTS"
  printf '  %-16s %6.2f s  deps %s  mem %s  [%s]\n' "$case" "$elapsed" "$store" \
    "$(echo "$memory" | awk '{printf "cgroup %d MiB, rss %d MiB, pss %d MiB", $1/1048576, $2/1048576, $3/1048576}')" \
    "$phases"
  ctl delete "$id" >/dev/null 2>&1
  IDS=("${IDS[@]/$id}")
  rm -rf "$app" "$app".*
}

echo "preview_bench: N=$N per case, Tailwind $TAILWIND, $(nproc) cores, $(uptime | sed 's/.*load/load/')"
for case in $CASES; do
  mode=${case%-*}
  case $case in
    *-cold)
      for i in $(seq 1 "$N"); do start_sandboxd; run_once "$case" "$mode"; done ;;
    *-warm)
      # A filled store: the previous case's, or a fresh one filled by an
      # untimed run (the dependency fingerprint does not depend on the mode).
      if [ -z "$PID" ] || [ $WARM -ne 1 ]; then
        start_sandboxd
        echo "  ($case: filling the store, untimed)"
        run_once fill "$mode" >/dev/null
      fi
      wait_for_seeds
      for i in $(seq 1 "$N"); do run_once "$case" "$mode"; done ;;
  esac
done
stop_sandboxd
echo "preview_bench: done, $(uptime | sed 's/.*load/load/')"

python3 - "$RESULTS" <<'PY'
import math, sys
rows = [l.split('\t') for l in open(sys.argv[1]).read().splitlines() if l]
def pct(xs, p):  # nearest rank
    xs = sorted(xs)
    return xs[max(0, math.ceil(p / 100 * len(xs)) - 1)]
print(f"{'case':<17}{'n':>3}{'p50 s':>8}{'p95 s':>8}{'min s':>8}"
      f"{'cgroup MiB':>12}{'rss MiB':>9}{'pss MiB':>9}   (memory: p50)")
targets = {'dev-warm': 6.0, 'production-warm': 5.0}
for case in ['dev-cold', 'production-cold', 'dev-warm', 'production-warm']:
    r = [x for x in rows if x[0] == case]
    if not r:
        continue
    t = [float(x[1]) for x in r]
    m = [[int(x[i]) / 1048576 for x in r] for i in (2, 3, 4)]
    line = (f"{case:<17}{len(r):>3}{pct(t, 50):>8.2f}{pct(t, 95):>8.2f}{min(t):>8.2f}"
            f"{pct(m[0], 50):>12.0f}{pct(m[1], 50):>9.0f}{pct(m[2], 50):>9.0f}")
    if case in targets:
        line += f"   target p50 <= {targets[case]:.0f} s: {'met' if pct(t, 50) <= targets[case] else 'MISSED'}"
    print(line)
PY
