#!/usr/bin/env bash
# Builds the real OpenBao server used by the tests from its Go module at the version pinned in
# go.mod/go.sum, caches it outside the repository, and prints the binary's path on stdout.
# Progress goes to stderr. The first build takes several minutes on 2 cores; later runs are instant.
#
#   OPENBAO_BIN=/path/to/bao  use that binary instead (printed back unchanged)
#   SSI_CACHE_DIR=dir          cache root (default: ${XDG_CACHE_HOME:-~/.cache}/secrets-store-integration)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ -n "${OPENBAO_BIN:-}" ]; then
  if [ ! -x "$OPENBAO_BIN" ]; then
    echo "error: OPENBAO_BIN=$OPENBAO_BIN is not an executable file" >&2
    exit 1
  fi
  echo "$OPENBAO_BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "error: the Go toolchain is needed to build the OpenBao test server (install Go >= 1.24," >&2
  echo "       e.g. 'apt-get install golang-go', or set OPENBAO_BIN to an existing bao/vault binary)." >&2
  exit 1
fi

# The cache key covers everything that decides the binary.
key="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)"
cache_root="${SSI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secrets-store-integration}"
target="$cache_root/openbao/$key/bao"

if [ -x "$target" ]; then
  echo "$target"
  exit 0
fi

# Builds running side by side (several checkouts, parallel CI steps) wait for one another.
mkdir -p "$(dirname "$target")"
exec 9> "$(dirname "$target").lock"
flock 9
if [ -x "$target" ]; then
  echo "$target"
  exit 0
fi

echo "Building the OpenBao test server (first time only, several minutes) -> $target" >&2
mkdir -p "$(dirname "$target")"
start=$(date +%s)
(
  cd "$here"
  # go.sum pins every module hash; -mod=readonly refuses to change go.mod/go.sum.
  GOFLAGS=-mod=readonly go build -trimpath -ldflags='-s -w' -o "$target.tmp.$$" .
)
mv "$target.tmp.$$" "$target"
echo "Built OpenBao in $(( $(date +%s) - start ))s" >&2
echo "$target"
