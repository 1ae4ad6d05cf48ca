#!/usr/bin/env bash
# Builds the CNCF distribution registry (github.com/distribution/distribution/v3, cmd/registry) at the
# version pinned in go.mod/go.sum, caches it outside the repository and prints the binary's path.
# The webhook's registry-lookup tests run it on loopback with TLS and htpasswd auth.
#
#   REGISTRY_BIN=/path/to/registry  use that binary instead (printed back unchanged)
#   SSI_CACHE_DIR=dir                    cache root (default: ${XDG_CACHE_HOME:-~/.cache}/secrets-store-integration)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ -n "${REGISTRY_BIN:-}" ]; then
  if [ ! -x "$REGISTRY_BIN" ]; then
    echo "error: REGISTRY_BIN=$REGISTRY_BIN is not an executable file" >&2
    exit 1
  fi
  echo "$REGISTRY_BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "error: the Go toolchain is needed to build the registry (or set REGISTRY_BIN)." >&2
  exit 1
fi

key="$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"
cache_root="${SSI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secrets-store-integration}"
target="$cache_root/registry/$key/registry"

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

echo "Building the registry (first time only) -> $target" >&2
mkdir -p "$(dirname "$target")"
(
  cd "$here"
  GOFLAGS=-mod=readonly go build -trimpath -ldflags='-s -w' -o "$target.tmp.$$" \
    github.com/distribution/distribution/v3/cmd/registry
)
mv "$target.tmp.$$" "$target"
echo "$target"
