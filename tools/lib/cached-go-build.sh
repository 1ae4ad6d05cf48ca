# Sourced by tools/<tool>/build.sh: the one way a pinned Go tool is built from its go.mod/go.sum,
# cached outside the repository (keyed by the files that decide the binary) and printed.
#
#   cached_go_build NAME OVERRIDE_VAR BINARY KEY_FILE... -- LDFLAGS PACKAGE
#
# Prints the binary's path on stdout (progress on stderr): the value of OVERRIDE_VAR if set (it must
# be executable), else the cached build, else builds it first. Parallel builds (several checkouts,
# CI steps) wait for one another on a lock next to the cache entry.
#   SSI_CACHE_DIR=dir  cache root (default: ${XDG_CACHE_HOME:-~/.cache}/secrets-store-integration)
cached_go_build() {
  local name=$1 override=$2 binary=$3
  shift 3
  local key_files=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    key_files+=("$1")
    shift
  done
  shift
  local ldflags=$1 package=$2
  local given="${!override:-}"
  if [ -n "$given" ]; then
    if [ ! -x "$given" ]; then
      echo "error: $override=$given is not an executable file" >&2
      exit 1
    fi
    echo "$given"
    exit 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "error: the Go toolchain is needed to build $name (install Go >= 1.24, e.g." >&2
    echo "       'apt-get install golang-go', or set $override to an existing binary)." >&2
    exit 1
  fi
  local key cache_root target start
  key="$(cat "${key_files[@]}" | sha256sum | cut -c1-16)"
  cache_root="${SSI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secrets-store-integration}"
  target="$cache_root/$name/$key/$binary"
  if [ -x "$target" ]; then
    echo "$target"
    exit 0
  fi
  mkdir -p "$(dirname "$target")"
  exec 9> "$(dirname "$target").lock"
  flock 9
  if [ -x "$target" ]; then
    echo "$target"
    exit 0
  fi
  echo "Building $name (first time only, several minutes on 2 cores) -> $target" >&2
  start=$(date +%s)
  (
    cd "$(dirname "${key_files[0]}")"
    # go.sum pins every module hash; -mod=readonly refuses to change go.mod/go.sum.
    GOFLAGS=-mod=readonly go build -trimpath -ldflags="$ldflags" -o "$target.tmp.$$" "$package"
  )
  mv "$target.tmp.$$" "$target"
  echo "Built $name in $(( $(date +%s) - start ))s" >&2
  echo "$target"
}
