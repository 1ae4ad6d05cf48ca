#!/usr/bin/env bash
# Builds the injector's JVM bundle: a jlink'd runtime with just the modules the injector needs, the
# injector and its libraries as plain jars, glibc and its loader, and (as root) an AOT cache from a
# training run (as root). The bundle only works at the absolute path it is built for (its java's ELF
# interpreter points into it), so it runs in images without glibc: nothing outside it is loaded.
#
#   build-bundle.sh <injector fat jar> <output root> [install path]
#
# The bundle is written to <output root><install path> (default install path /secrets-store/injector,
# where the webhook mounts the shared in-memory volume). JAVA_HOME must be a JDK 25 (./dev.sh sets it).
# Needs patchelf. The AOT training run uses chroot and therefore root; without root the bundle is
# built without the cache (start-up is slower, everything else the same).
set -euo pipefail

fat_jar="$(readlink -f "$1")"
root="$(mkdir -p "$2" && readlink -f "$2")"
home="${3:-/secrets-store/injector}"
out="$root$home"
jdk="${JAVA_HOME:?set JAVA_HOME to a JDK 25}"
command -v patchelf >/dev/null || { echo "error: patchelf is needed (apt-get install patchelf)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out/app" "$work/fat"
(cd "$work/fat" && "$jdk/bin/jar" --extract --file "$fat_jar")

# The application as plain jars: the Spring Boot nested-jar loader is slow and CDS needs real jars.
"$jdk/bin/jar" --create --file "$out/app/injector.jar" -C "$work/fat/BOOT-INF/classes" .
for lib in "$work"/fat/BOOT-INF/lib/*.jar; do
  case "$(basename "$lib")" in
    spring-boot-jarmode-*) ;;  # only used by "java -Djarmode=..." on the fat jar
    *) cp "$lib" "$out/app/" ;;
  esac
done
classpath="$(cd "$out/app" && ls ./*.jar | sed "s#^\./#$home/app/#" | sort | paste -sd: -)"

# jdeps names every module any class of the libraries refers to (java.desktop for java.beans,
# java.sql, java.scripting, jdk.jfr, ...: 14 MiB more); the injector's code paths load only these
# (java.xml because Spring's HTTP client probes for XML support). InjectorBundleIT runs the bundle
# to prove it. BUNDLE_MODULES=jdeps uses jdeps' full list instead.
modules="${BUNDLE_MODULES:-java.base,java.logging,java.naming,java.net.http,java.xml,jdk.unsupported}"
if [ "$modules" = jdeps ]; then
  modules="$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
    --class-path "$out/app/*" "$out/app/injector.jar")"
fi
rm -rf "$work/runtime"
# Should java.desktop be in the list (BUNDLE_MODULES=jdeps), its graphics and sound libraries are not.
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-9 --exclude-files='glob:**/lib/libawt*,glob:**/lib/libfontmanager*,glob:**/lib/libfreetype*,glob:**/lib/libjavajpeg*,glob:**/lib/liblcms*,glob:**/lib/libmlib_image*,glob:**/lib/libsplashscreen*,glob:**/lib/libjsound*,glob:**/lib/libjawt*' \
  --output "$work/runtime"
cp -a "$work/runtime/." "$out/"

# glibc and its loader, from the build machine, next to the JDK's own libraries.
loader=/lib64/ld-linux-x86-64.so.2
for lib in $(ldd "$out/bin/java" "$out"/lib/*.so "$out"/lib/server/libjvm.so 2>/dev/null \
    | awk '/=> \// {print $3}' | sort -u); do
  case "$lib" in "$out"/*) continue ;; esac
  cp -L "$lib" "$out/lib/"
done
cp -L "$loader" "$out/lib/ld-linux-x86-64.so.2"

# Point every ELF at the bundle: the launcher's interpreter, and library search paths.
patchelf --set-interpreter "$home/lib/ld-linux-x86-64.so.2" --set-rpath '$ORIGIN/../lib' "$out/bin/java"
# The JDK starts child processes through jspawnhelper (the watch modes, the AOT assembly step).
for helper in "$out/lib/jspawnhelper" "$out/lib/jexec"; do
  [ -f "$helper" ] && patchelf --set-interpreter "$home/lib/ld-linux-x86-64.so.2" --set-rpath '$ORIGIN' "$helper"
done
for elf in "$out"/lib/*.so* "$out"/lib/server/*.so; do
  case "$(basename "$elf")" in ld-linux*) continue ;; esac
  patchelf --set-rpath '$ORIGIN:$ORIGIN/..' "$elf" 2>/dev/null || true
done
# Tools the injector does not need.
find "$out/bin" -type f ! -name java -delete
# The JDK ships its libraries with symbols; the bundle is copied into every pod's memory.
if command -v strip >/dev/null; then
  find "$out/lib" -name '*.so' ! -name 'ld-linux*' ! -name 'lib[cm].so*' -exec strip --strip-unneeded {} +
fi

cat > "$out/launch.args" <<ARGS
-XX:TieredStopAtLevel=1
-XX:+UseSerialGC
-Xss512k
-XX:AOTCache=$home/injector.aot
-XX:-PrintWarnings
--enable-native-access=ALL-UNNAMED
-Dsecrets-store.bundle.home=$home
-cp
$classpath
io.secretsstore.injector.Main
ARGS

# BUNDLE_AOT=false: no AOT cache (30 MiB less in every pod, ~0.35 s more per start).
if [ "$(id -u)" = 0 ] && [ "${BUNDLE_AOT:-true}" = true ]; then
  # Training run at the install path (in a chroot that holds only the bundle): the cache records
  # the classes a start loads, up to a login attempt.
  mkdir -p "$root/dev" "$root/proc" "$root/tmp"
  [ -e "$root/dev/null" ] || mknod -m 666 "$root/dev/null" c 1 3
  [ -e "$root/dev/urandom" ] || mknod -m 666 "$root/dev/urandom" c 1 9
  # Without /dev/random the JDK seeds SecureRandom from thread timing, which takes seconds.
  [ -e "$root/dev/random" ] || mknod -m 666 "$root/dev/random" c 1 8
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  sed 's/^-XX:AOTCache=.*$/-XX:AOTCacheOutput='"${home//\//\\/}"'\/injector.aot/' "$out/launch.args" > "$out/train.args"
  chroot_command="$(command -v chroot)"
  env -i VAULT_ADDR=http://127.0.0.1:9 VAULT_ROLE=training VAULT_CLIENT_TIMEOUT=300ms \
    VAULT_TOKEN_PATH=/proc/self/cmdline VAULT_LOG_LEVEL=error \
    "$chroot_command" "$root" "$home/bin/java" "@$home/train.args" -- /bin/true >/dev/null 2>&1 || true
  umount "$root/proc" || true
  rm -f "$out/train.args"
fi
[ -f "$out/injector.aot" ] || sed -i '/^-XX:AOTCache=/d' "$out/launch.args"
echo "$out"
