#!/usr/bin/env bash
# REST front benchmark (issue 6): sandboxd's own HTTP front vs the real
# grpc-gateway proxy (gateway-oracle, Debian's v1.6.4) placed in front of the
# SAME sandboxd_fake process, in the same run: requests/s and p99 latency of
# Get and List, and the ratio ours/gateway. Needs wrk (apt-get install wrk).
#
#   tests/bench/rest_bench.sh BUILD_DIR ORACLE_OUT [DURATION=10s] [CONNECTIONS=32]
#
# ORACLE_OUT: the directory ../shared/tools/gateway-oracle/build.sh wrote for
# proto/sandbox/v1/sandbox.proto (EXTRA_PROTO_PATHS=<gogo googleapis dir>).
set -euo pipefail
BUILD=${1:?build dir}; ORACLE=${2:?oracle out dir}
DURATION=${3:-10s}; CONNS=${4:-32}
TOOLS=${GATEWAY_ORACLE_TOOLS:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/tools/gateway-oracle}
command -v wrk >/dev/null || { echo "wrk not installed" >&2; exit 1; }

DATA=$(mktemp -d /tmp/rest-bench-XXXXXX)
OUT=$DATA/sandboxd.out
"$BUILD/tests/integration/sandboxd_fake" --grpc_addr=127.0.0.1:0 --http_addr=127.0.0.1:0 \
  --data_dir="$DATA" --fake_step_delay=1ms --fake_log_lines=1 --log_rpcs=false >"$OUT" 2>/dev/null &
SANDBOXD=$!
GATEWAY=
cleanup() { [[ -n $GATEWAY ]] && kill "$GATEWAY" 2>/dev/null; kill "$SANDBOXD" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q LISTENING "$OUT" 2>/dev/null && break; sleep 0.1; done
read -r GRPC HTTP < <(sed -n 's/^LISTENING grpc=\([0-9]*\) http=\([0-9]*\).*/\1 \2/p' "$OUT")
TOKEN=$(grep -o "Bearer [A-Za-z0-9._-]*" "$OUT" | head -1 | cut -d' ' -f2)
AUTH="Authorization: Bearer $TOKEN"

read -r GATEWAY GW_URL < <("$TOOLS/run.sh" --bg "$ORACLE" -listen 127.0.0.1:0 -backend "127.0.0.1:$GRPC" -quiet)
OURS=http://127.0.0.1:$HTTP

# A few READY sandboxes, so List returns a realistic page.
for i in 1 2 3 4 5; do
  curl -sf -H "$AUTH" -X POST "$OURS/api/sandbox/create" \
    -d "{\"generatedCode\":{\"app/page.tsx\":\"export default function P(){return $i}\"},\"projectName\":\"bench$i\",\"labels\":{\"n\":\"$i\"},\"waitUntilReady\":true}" \
    > "$DATA/create.json"
done
ID=$(sed -n 's/.*"sandboxId":"\([^"]*\)".*/\1/p' "$DATA/create.json" | head -1)

# wrk prints "Requests/sec: N" and, with --latency, " 99%  12.34ms".
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }
run() {  # URL -> "rps p99ms non2xx"
  local out; out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "$AUTH" "$1")
  local rps p99 bad
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); bad=${bad:-0}
  echo "$rps $p99 $bad"
}
printf '%-6s %-10s %12s %10s %8s\n' RPC front "requests/s" "p99 ms" non-2xx
for rpc in Get List; do
  path=/api/sandbox/$ID; [[ $rpc == List ]] && path=/api/sandbox
  read -r o_rps o_p99 o_bad < <(run "$OURS$path")
  read -r g_rps g_p99 g_bad < <(run "$GW_URL$path")
  printf '%-6s %-10s %12s %10s %8s\n' "$rpc" sandboxd "$o_rps" "$o_p99" "$o_bad"
  printf '%-6s %-10s %12s %10s %8s\n' "$rpc" gateway "$g_rps" "$g_p99" "$g_bad"
  awk -v r="$rpc" -v a="$o_rps" -v b="$g_rps" -v c="$o_p99" -v d="$g_p99" \
    'BEGIN {printf "%-6s ratio sandboxd/gateway: throughput x%.2f, p99 x%.2f\n", r, a/b, c/d}'
done
