#!/usr/bin/env bash
# Builds the node's local images as OCI image-layout tarballs with umoci (no registry, no Docker):
#   localhost/secrets-store-e2e/pause:1     the pod sandbox (our pause binary, built by build.sh)
#   docker.io/library/alpine:3.20           stands in for the image the module's examples name:
#                                           Debian's static busybox with its applets, /bin/sh as CMD
#   localhost/secrets-store-e2e/busybox:1   the same content under a neutral name for our own tests
#   localhost/secrets-store-e2e/entrypoint:1  busybox with an ENTRYPOINT and CMD and no shell default:
#                                           the e2e suite pushes it to a loopback registry for pods
#                                           without `command` (the webhook looks the command up)
# Writes <out-dir>/<name>.tar and <out-dir>/images.list ("<tar> <image name without tag>").
#
#   images.sh <out-dir> <pause-binary>
set -euo pipefail
out=${1:?usage: images.sh <out-dir> <pause-binary>}
pause=${2:?usage: images.sh <out-dir> <pause-binary>}
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && { ldd "$busybox" 2>&1 || true; } | grep -q 'not a dynamic' \
  || { echo "images: a static busybox is needed (apt-get install busybox-static)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$out/images.list"

# image <tar name> <image name> <tag> <populate function> <umoci config args...>
image() {
  local tar=$1 name=$2 tag=$3 populate=$4; shift 4
  local layout="$work/$tar-layout" bundle="$work/$tar-bundle"
  umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci unpack --rootless --image "$layout:$tag" "$bundle" >/dev/null
  "$populate" "$bundle/rootfs"
  umoci repack --image "$layout:$tag" "$bundle"
  umoci config --image "$layout:$tag" --os linux --architecture amd64 "$@"
  umoci gc --layout "$layout"
  (cd "$layout" && tar -cf "$out/$tar.tar" .)
  echo "$tar.tar $name" >> "$out/images.list"
}

pause_rootfs() {
  install -m 0755 "$pause" "$1/pause"
}

busybox_rootfs() {
  mkdir -p "$1/bin" "$1/tmp" "$1/etc" "$1/root" "$1/mnt"
  chmod 1777 "$1/tmp"
  install -m 0755 "$busybox" "$1/bin/busybox"
  local applet
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$1/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$1/etc/passwd"
  # Debian's static busybox has no printenv applet; the module's examples print with it.
  cat > "$1/bin/printenv" <<'SCRIPT'
#!/bin/sh
# printenv [NAME...]: the whole environment, or each NAME's value (exit 1 if one is unset).
[ "$#" -eq 0 ] && exec env
status=0
for name in "$@"; do
  awk -v name="$name" 'BEGIN { if (name in ENVIRON) print ENVIRON[name]; else exit 1 }' || status=1
done
exit "$status"
SCRIPT
  chmod 0755 "$1/bin/printenv"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$1/etc/group"
}

entrypoint_rootfs() {
  busybox_rootfs "$1"
  cat > "$1/bin/e2e-entrypoint" <<'SCRIPT'
#!/bin/sh
# The image's ENTRYPOINT: shows its arguments (the image's CMD) and what the injector resolved.
echo "args=$*"
echo "GREETING=$GREETING"
exec sleep 36000
SCRIPT
  chmod 0755 "$1/bin/e2e-entrypoint"
}

image pause localhost/secrets-store-e2e/pause 1 pause_rootfs --config.entrypoint /pause
image alpine docker.io/library/alpine 3.20 busybox_rootfs --config.cmd /bin/sh \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
image busybox localhost/secrets-store-e2e/busybox 1 busybox_rootfs --config.cmd /bin/sh \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
image entrypoint localhost/secrets-store-e2e/entrypoint 1 entrypoint_rootfs \
  --config.entrypoint /bin/e2e-entrypoint --config.cmd from-image-cmd \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
echo "images: built $(wc -l < "$out/images.list") images in $out" >&2
