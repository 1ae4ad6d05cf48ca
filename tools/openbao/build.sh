#!/usr/bin/env bash
# Builds the real OpenBao server used by the tests from its Go module at the version pinned in
# go.mod/go.sum, caches it outside the repository, and prints the binary's path on stdout.
# Progress goes to stderr. The first build takes several minutes on 2 cores; later runs are instant.
#
#   OPENBAO_BIN=/path/to/bao  use that binary instead (printed back unchanged)
#   SSI_CACHE_DIR=dir          cache root (default: ${XDG_CACHE_HOME:-~/.cache}/secrets-store-integration)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../lib/cached-go-build.sh"

# The cache key covers everything that decides the binary.
cached_go_build openbao OPENBAO_BIN bao "$here/go.mod" "$here/go.sum" "$here/main.go" -- '-s -w' .
