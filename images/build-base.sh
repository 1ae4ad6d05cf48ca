#!/usr/bin/env bash
# Builds the offline base image of the Java services: a jlink'd JDK 25 runtime on a minimal glibc
# root (no shell, no package manager), as a `docker save`-format tarball that Jib reads with
# `tar://` (the root pom's image.base). Cached outside the repository, keyed by this script and the JDK.
#
#   build-base.sh            prints the tarball's path (building it when missing)
#
# Needs JAVA_HOME = a JDK 25 (./dev.sh sets it). Production builds use a maintained base instead
# (e.g. -Dimage.base=eclipse-temurin:25-jre-noble or a distroless Java 25 image): docs/images.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jdk="${JAVA_HOME:?set JAVA_HOME to a JDK 25}"

# Modules the services load (java.desktop without its graphics and sound libraries) (Spring Boot, Tomcat, Netty, fabric8, JOSDK, Micrometer, BouncyCastle):
# java.desktop for java.beans (Spring's property binding), java.sql for Jackson's and Spring's
# optional types, jdk.management for Micrometer's process metrics, jdk.unsupported for Netty,
# jdk.httpserver for the node daemons' health and metrics port (common-daemon, no servlet container).
modules="java.base,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.cryptoki,jdk.httpserver,jdk.management,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs"

jdk_release="$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$jdk/release")"
key="$( (cat "$0"; echo "$jdk_release"; echo "$modules"; ldd --version 2>&1 | sed -n 1p) | sha256sum | cut -c1-16)"
cache_root="${SSI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secrets-store-integration}"
target="$cache_root/base-image/$key/base-image.tar"
if [ -f "$target" ]; then
  echo "$target"
  exit 0
fi

echo "Building the base image (JDK $jdk_release, jlink + glibc; first time only, ~1 min) -> $target" >&2
start=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{etc,tmp,opt,lib64,usr/lib/x86_64-linux-gnu}
chmod 1777 "$root/tmp"
ln -s usr/lib "$root/lib"

"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 \
  --exclude-files='glob:**/lib/libawt*,glob:**/lib/libfontmanager*,glob:**/lib/libfreetype*,glob:**/lib/libjavajpeg*,glob:**/lib/liblcms*,glob:**/lib/libmlib_image*,glob:**/lib/libsplashscreen*,glob:**/lib/libjsound*,glob:**/lib/libjawt*' \
  --output "$root/opt/java"
# Tools a service never runs.
find "$root/opt/java/bin" -type f ! -name java -delete

# glibc and whatever else the runtime links against, from this (Debian) build machine.
for lib in $(ldd "$root/opt/java/bin/java" "$root"/opt/java/lib/*.so "$root"/opt/java/lib/server/libjvm.so 2>/dev/null \
    | awk '/=> \// {print $3}' | sort -u); do
  case "$lib" in "$root"/*) continue ;; esac
  cp -L "$lib" "$root/usr/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"
if command -v strip >/dev/null; then
  find "$root/opt/java/lib" -name '*.so' -exec strip --strip-unneeded {} + 2>/dev/null || true
fi

# The users the images run as (65532 = "nonroot", as in distroless), name lookup from files/DNS.
cat > "$root/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat > "$root/etc/group" <<GROUP
root:x:0:
nonroot:x:65532:
GROUP
echo "hosts: files dns" > "$root/etc/nsswitch.conf"
mkdir -p "$root/home/nonroot"
[ -f /etc/ssl/certs/ca-certificates.crt ] && mkdir -p "$root/etc/ssl/certs" \
  && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"

# One reproducible layer, then the docker-save archive Jib expects (manifest.json, config, layer).
out="$work/image"
mkdir -p "$out"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --xattrs-exclude='*' \
  -C "$root" -cf "$out/layer.tar" .

diff_id="sha256:$(sha256sum "$out/layer.tar" | cut -d' ' -f1)"
cat > "$out/config.json" <<CONFIG
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"User":"65532:65532","WorkingDir":"/home/nonroot",
  "Env":["PATH=/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"],
  "Labels":{"org.opencontainers.image.title":"secrets-store-integration base (jlink'd JDK $jdk_release on glibc)",
            "org.opencontainers.image.description":"Offline base image built by images/build-base.sh"}},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"images/build-base.sh"}]}
CONFIG
echo '[{"Config":"config.json","RepoTags":["secrets-store-integration/base:local"],"Layers":["layer.tar"]}]' > "$out/manifest.json"
mkdir -p "$(dirname "$target")"
tar -C "$out" -cf "$target.tmp" manifest.json config.json layer.tar
mv "$target.tmp" "$target"
echo "Built the base image ($(du -m "$target" | cut -f1) MiB) in $(( $(date +%s) - start ))s" >&2
echo "$target"
