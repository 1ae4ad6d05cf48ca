#!/usr/bin/env bash
# Builds the Helm CLI (helm.sh/helm/v3, cmd/helm) at the version pinned in go.mod/go.sum, caches it
# outside the repository and prints the binary's path. The chart tests, the e2e tier and the sandbox
# install the chart with it, exactly as a user would.
#
#   HELM_BIN=/path/to/helm  use that binary instead (printed back unchanged)
#   SSI_CACHE_DIR=dir       cache root (default: ${XDG_CACHE_HOME:-~/.cache}/secrets-store-integration)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../lib/cached-go-build.sh"

# `helm version` prints the pinned version, as a released binary does.
version="$(awk '$1 == "helm.sh/helm/v3" {print $2} $2 == "helm.sh/helm/v3" {print $3}' "$here/go.mod" | head -1)"
# The version stamp is part of the binary, so part of the key (with go.mod/go.sum).
stamp="$(mktemp)"
trap 'rm -f "$stamp"' EXIT
echo "helm.sh/helm/v3/internal/version.version=$version" > "$stamp"
cached_go_build helm HELM_BIN helm "$here/go.mod" "$here/go.sum" "$stamp" -- \
  "-s -w -X helm.sh/helm/v3/internal/version.version=$version" helm.sh/helm/v3/cmd/helm
