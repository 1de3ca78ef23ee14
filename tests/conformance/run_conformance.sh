#!/usr/bin/env bash
# Runs the official @daytonaio/sdk conformance script against a fresh
# daytona_emulator on a free port. Installs the SDK once into
# $SANDBOXD_TEST_CACHE_DIR/daytona-sdk (npm cache there too).
# Usage: run_conformance.sh PATH/TO/daytona_emulator
set -euo pipefail
EMULATOR=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${SANDBOXD_TEST_CACHE_DIR:-$PWD/test-cache}
SDK_DIR=$CACHE/daytona-sdk
mkdir -p "$SDK_DIR"
cp "$HERE/daytona_sdk/package.json" "$HERE/daytona_sdk/conformance.mjs" "$SDK_DIR/"
if ! cmp -s "$HERE/daytona_sdk/package.json" "$SDK_DIR/.installed-package.json"; then
  (cd "$SDK_DIR" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
     --cache "$CACHE/npm-cache" >/dev/null)
  cp "$HERE/daytona_sdk/package.json" "$SDK_DIR/.installed-package.json"
fi
DATA=$(mktemp -d)
chmod 0711 "$DATA"  # the sandbox uid must reach its directory
"$EMULATOR" --port=0 --port_file="$DATA/port" --data_dir="$DATA/emulator" \
  --transition_ms=200 >"$DATA/emulator.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do
  [ -s "$DATA/port" ] && break
  sleep 0.1
done
[ -s "$DATA/port" ] || { echo "daytona_emulator did not start"; cat "$DATA/emulator.log"; exit 1; }
cd "$SDK_DIR"
if ! node conformance.mjs "$(cat "$DATA/port")"; then
  echo "--- emulator log"; cat "$DATA/emulator.log"
  exit 1
fi
