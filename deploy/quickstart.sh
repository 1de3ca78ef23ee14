#!/usr/bin/env bash
# sandboxd quick start on Debian 12. Installs what is missing (apt-get, as
# root or through sudo), builds, and then either runs sandboxd or runs the
# tests. The README's two commands and .ci/run call this script.
#
#   deploy/quickstart.sh run   [sandboxd flags...]   build, then run sandboxd (local provider)
#   deploy/quickstart.sh test  [ctest args...]       build, then run every test
#   deploy/quickstart.sh build                       build only
#   deploy/quickstart.sh deps                        install the packages only
#
# Environment: BUILD_DIR (default ./build), JOBS (default: nproc),
# SANDBOXD_TEST_CACHE_DIR (npm cache shared by the tests; default
# $BUILD_DIR/test-cache).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
JOBS=${JOBS:-$(nproc)}

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libcurl4-openssl-dev rapidjson-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost1.81-dev libsqlite3-dev libssl-dev libjwt-dev
  bubblewrap golang-github-gogo-googleapis-dev golang-grpc-gateway
  clang libclang-rt-14-dev
  curl procps iproute2 chromium
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  # NextJS 16 needs Node.js >= 20.9 inside the sandboxes; Debian 12's own
  # nodejs package is 18, so an existing Node 20+ is used as it is.
  if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a==20&&b>=9)?0:1)'; then
    log "Node.js >= 20.9 with npm is required (found: $(node --version 2>/dev/null || echo none))."
    log "Install it from your distribution's backports or nodejs.org packages, then rerun."
    exit 1
  fi
}

# check_disk GB WHAT: stops early, with the figures, when the build
# directory's file system has less than GB gigabytes free (a full disk
# otherwise shows up much later as failed npm installs or a truncated build).
check_disk() {
  mkdir -p "$BUILD_DIR"
  local free_kb; free_kb=$(df -Pk "$BUILD_DIR" | awk 'NR==2 {print $4}')
  if [ -n "$free_kb" ] && [ "$free_kb" -lt $(($1 * 1024 * 1024)) ]; then
    log "only $((free_kb / 1024)) MB free in $BUILD_DIR; $2 needs about $1 GB"
    exit 1
  fi
}

build() {
  log "configuring in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  log "building with $JOBS jobs"
  cmake --build "$BUILD_DIR" -j"$JOBS"
}

cmd=${1:-}
shift || true
case "$cmd" in
  deps) install_deps ;;
  build) install_deps; check_disk 4 "the build"; build ;;
  run)
    install_deps
    check_disk 6 "the build and a few sandboxes"
    build
    log "starting sandboxd (Ctrl-C to stop)"
    exec "$BUILD_DIR/server/sandboxd" --data_dir="${SANDBOXD_DATA_DIR:-$ROOT/sandboxd-data}" "$@"
    ;;
  test)
    install_deps
    check_disk 8 "the build and the tests"
    build
    export SANDBOXD_TEST_CACHE_DIR=${SANDBOXD_TEST_CACHE_DIR:-$BUILD_DIR/test-cache}
    mkdir -p "$SANDBOXD_TEST_CACHE_DIR"
    log "running the tests (unit, integration, e2e)"
    cd "$BUILD_DIR"
    ctest --output-on-failure --timeout 900 -j1 "$@"
    ;;
  *)
    sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
