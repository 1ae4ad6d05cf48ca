#!/usr/bin/env bash
# Builds the single-node Kubernetes used by the e2e tier and the sandbox from Go modules at the
# versions pinned in go.mod/go.sum (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubelet, kubectl, pause), caches the binaries outside the repository keyed by everything that
# decides them, and prints the directory holding them on stdout. Progress goes to stderr.
# The first build takes ~12-20 minutes on 2 cores; later runs are instant.
#
#   CLUSTER_BIN_DIR=dir  use binaries already built there (printed back unchanged)
#   SSI_CACHE_DIR=dir    cache root (default: ${XDG_CACHE_HOME:-~/.cache}/secrets-store-integration)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl pause)

if [ -n "${CLUSTER_BIN_DIR:-}" ]; then
  for b in "${binaries[@]}"; do
    [ -x "$CLUSTER_BIN_DIR/$b" ] || { echo "error: CLUSTER_BIN_DIR=$CLUSTER_BIN_DIR has no executable $b" >&2; exit 1; }
  done
  echo "$CLUSTER_BIN_DIR"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "error: the Go toolchain is needed to build the e2e cluster (install Go >= 1.24, e.g." >&2
  echo "       'apt-get install golang-go', or set CLUSTER_BIN_DIR to prebuilt binaries)." >&2
  exit 1
fi

# Kubernetes' version as the binaries report it (clients refuse to parse a missing one).
k8s_version="$(awk '$1 == "k8s.io/kubernetes" {print $2}' "$here/go.mod")"
minor="$(echo "$k8s_version" | cut -d. -f2)"
key="$( (cat "$here/go.mod" "$here/go.sum" "$here/build.sh"; find "$here/cmd" -name '*.go' | sort | xargs cat) | sha256sum | cut -c1-16)"
cache_root="${SSI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secrets-store-integration}"
target="$cache_root/cluster/$key"

if [ -f "$target/.complete" ]; then
  echo "$target"
  exit 0
fi

# Builds running side by side (several checkouts, parallel CI steps) wait for one another.
mkdir -p "$(dirname "$target")"
exec 9> "$target.lock"
flock 9
if [ -f "$target/.complete" ]; then
  echo "$target"
  exit 0
fi

echo "Building the e2e cluster ($k8s_version: ${binaries[*]}) -> $target" >&2
echo "  first time only: ~12-20 min on 2 cores; cached by the hash of go.mod/go.sum afterwards" >&2
mkdir -p "$target"
ldflags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $p.gitVersion=$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  ldflags="$ldflags -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
done
start=$(date +%s)
(
  cd "$here"
  for b in "${binaries[@]}"; do
    one=$(date +%s)
    echo "  building $b ..." >&2
    # go.sum pins every module hash; -mod=readonly refuses to change go.mod/go.sum.
    GOFLAGS=-mod=readonly go build -trimpath -ldflags="$ldflags" -o "$target/$b.tmp.$$" "./cmd/$b"
    mv "$target/$b.tmp.$$" "$target/$b"
    echo "  built $b in $(( $(date +%s) - one ))s" >&2
  done
)
touch "$target/.complete"
echo "Built the e2e cluster in $(( $(date +%s) - start ))s (cached: $target)" >&2
echo "$target"
