#!/usr/bin/env bash
# A client that is not ours (npm's grpc-js-reflection-client on @grpc/grpc-js)
# drives sandboxd_fake by reflection. Installs the two packages once into the
# shared test cache.
set -euo pipefail
FAKE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${SANDBOXD_TEST_CACHE_DIR:-$PWD/test-cache}
CLIENT_DIR=$CACHE/reflection-client
mkdir -p "$CLIENT_DIR"
cp "$HERE/reflection_client/package.json" "$HERE/reflection_client/reflect_call.mjs" "$CLIENT_DIR/"
if [ ! -d "$CLIENT_DIR/node_modules/grpc-js-reflection-client" ]; then
  (cd "$CLIENT_DIR" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
     --cache "$CACHE/npm-cache" >/dev/null)
fi
DATA=$(mktemp -d)
OUT=$(mktemp)
"$FAKE" --insecure_no_auth --grpc_addr=127.0.0.1:0 --http_addr=127.0.0.1:0 --data_dir="$DATA" \
  --log_rpcs=false >"$OUT" 2>"$DATA/stderr.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA" "$OUT"' EXIT
for _ in $(seq 1 100); do
  grep -q LISTENING "$OUT" && break
  sleep 0.1
done
PORT=$(sed -n 's/^LISTENING grpc=\([0-9]*\).*/\1/p' "$OUT")
[ -n "$PORT" ] || { echo "sandboxd_fake did not start"; cat "$DATA/stderr.log"; exit 1; }
node "$CLIENT_DIR/reflect_call.mjs" "127.0.0.1:$PORT"
