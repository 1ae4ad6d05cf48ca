#!/usr/bin/env bash
# Builds the Helm CLI (helm.sh/helm/v3, cmd/helm) at the version pinned in go.mod/go.sum, caches it
# outside the repository and prints the binary's path. The chart tests, the e2e tier and the sandbox
# install the chart with it, exactly as a user would.
#
#   HELM_BIN=/path/to/helm  use that binary instead (printed back unchanged)
#   SSI_CACHE_DIR=dir       cache root (default: ${XDG_CACHE_HOME:-~/.cache}/secrets-store-integration)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ -n "${HELM_BIN:-}" ]; then
  if [ ! -x "$HELM_BIN" ]; then
    echo "error: HELM_BIN=$HELM_BIN is not an executable file" >&2
    exit 1
  fi
  echo "$HELM_BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "error: the Go toolchain is needed to build helm (or set HELM_BIN to an existing helm v3)." >&2
  exit 1
fi

version="$(awk '$1 == "helm.sh/helm/v3" {print $2} $2 == "helm.sh/helm/v3" {print $3}' "$here/go.mod" | head -1)"
key="$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)"
cache_root="${SSI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secrets-store-integration}"
target="$cache_root/helm/$key/helm"

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

echo "Building helm $version (first time only, a few minutes) -> $target" >&2
mkdir -p "$(dirname "$target")"
start=$(date +%s)
(
  cd "$here"
  GOFLAGS=-mod=readonly go build -trimpath \
    -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$version" \
    -o "$target.tmp.$$" helm.sh/helm/v3/cmd/helm
)
mv "$target.tmp.$$" "$target"
echo "Built helm in $(( $(date +%s) - start ))s" >&2
echo "$target"
