#!/usr/bin/env bash
# Builds the CNCF distribution registry (github.com/distribution/distribution/v3, cmd/registry) at the
# version pinned in go.mod/go.sum, caches it outside the repository and prints the binary's path.
# The webhook's registry-lookup tests and the e2e tier run it on loopback with TLS and htpasswd auth.
#
#   REGISTRY_BIN=/path/to/registry  use that binary instead (printed back unchanged)
#   SSI_CACHE_DIR=dir               cache root (default: ${XDG_CACHE_HOME:-~/.cache}/secrets-store-integration)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../lib/cached-go-build.sh"

cached_go_build registry REGISTRY_BIN registry "$here/go.mod" "$here/go.sum" -- '-s -w' \
  github.com/distribution/distribution/v3/cmd/registry
