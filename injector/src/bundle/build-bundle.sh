#!/usr/bin/env bash
# Builds the injector's JVM bundle: a jlink'd runtime with just the modules the injector needs
# (java.base, jdk.unsupported), the injector as one plain jar, glibc and its loader, and (as root)
# an AOT cache from a training run. The bundle only works at the absolute path it is built for (its java's ELF
# interpreter points into it), so it runs in images without glibc: nothing outside it is loaded.
#
#   build-bundle.sh <injector jar> <output root> [install path]
#
# The bundle is written to <output root><install path> (default install path /secrets-store/injector,
# where the webhook mounts the shared in-memory volume). JAVA_HOME must be a JDK 25 (./dev.sh sets it).
# Needs patchelf. The AOT training run uses chroot and therefore root; without root the bundle is
# built without the cache (start-up is slower, everything else the same).
set -euo pipefail

fat_jar="$(readlink -f "$1")"  # the shaded injector jar (target/injector-<version>.jar)
root="$(mkdir -p "$2" && readlink -f "$2")"
home="${3:-/secrets-store/injector}"
out="$root$home"
jdk="${JAVA_HOME:?set JAVA_HOME to a JDK 25}"
command -v patchelf >/dev/null || { echo "error: patchelf is needed (apt-get install patchelf)" >&2; exit 1; }

work="$(mktemp -d)"
trainer_pid=""
trap '[ -n "$trainer_pid" ] && kill "$trainer_pid" 2>/dev/null; rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out/app"

# The injector is one plain jar with only the classes it reaches (maven-shade, minimized).
cp "$fat_jar" "$out/app/injector.jar"
classpath="$home/app/injector.jar"

# java.base has everything the injector uses (HTTP, TLS, FFM); jdk.unsupported has sun.misc.Signal
# for passing signals on in the watch modes. InjectorBundleIT runs the bundle to prove the list.
modules="${BUNDLE_MODULES:-java.base,jdk.unsupported}"
# A store-shaped responder on loopback for the training runs (src/bundle/TrainingStore.java).
# BUNDLE_TRAIN_TLS=true: over TLS with a throwaway RSA key, so that the ~1,100 classes of a handshake
# come from the cache too. Measured (README): an HTTPS start 6-16 % faster, for a 7.4 MiB larger
# cache, ~6 MiB more resident in the watch modes and a slower HTTP start (every cached class is
# loaded at start); most of an HTTPS start is the handshake's arithmetic, not its classes. Off.
"$jdk/bin/keytool" -genkeypair -alias store -keyalg RSA -keysize 2048 -dname CN=127.0.0.1 \
  -ext san=ip:127.0.0.1 -validity 2 -storetype PKCS12 -keystore "$work/store.p12" \
  -storepass training -keypass training >/dev/null 2>&1
"$jdk/bin/keytool" -exportcert -rfc -alias store -keystore "$work/store.p12" -storepass training \
  > "$work/training-ca.pem" 2>/dev/null
tls_training=("$work/store.p12" training)
scheme=https
[ "${BUNDLE_TRAIN_TLS:-false}" = true ] || { tls_training=(); scheme=http; }
"$jdk/bin/java" "$(dirname "$0")/TrainingStore.java" "$work/port" "${tls_training[@]}" &
trainer_pid=$!
for _ in $(seq 1 600); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(cat "$work/port" 2>/dev/null || echo 9)"
printf '%s' 'eyJhbGciOiJub25lIn0.eyJhdWQiOiJzZWNyZXRzLXN0b3JlIn0.x' > "$work/training-token"
training_env=(VAULT_ADDR="$scheme://127.0.0.1:$port" VAULT_ROLE=training VAULT_CLIENT_TIMEOUT=5s
  VAULT_LOG_LEVEL=error DB_USER="secrets-store:secret/data/db#user"
  DB_URL='postgres://${secrets-store:secret/data/db#user}@db'
  API='secrets-store:secret/data/api#${.password | base64encode}')
[ "$scheme" = http ] || training_env+=(VAULT_CACERT=/run/training-ca.pem)

rm -rf "$work/runtime"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-9 --output "$work/runtime"
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
# The JDK starts child processes through jspawnhelper (the AOT assembly step).
for helper in "$out/lib/jspawnhelper"; do
  [ -f "$helper" ] && patchelf --set-interpreter "$home/lib/ld-linux-x86-64.so.2" --set-rpath '$ORIGIN' "$helper"
done
for elf in "$out"/lib/*.so* "$out"/lib/server/*.so; do
  case "$(basename "$elf")" in ld-linux*) continue ;; esac
  patchelf --set-rpath '$ORIGIN:$ORIGIN/..' "$elf" 2>/dev/null || true
done
# Tools and files the injector does not need: the JDK's other launchers, the class list and the
# jrt file system for other JDKs (a CDS dump of the default archive), jexec. jspawnhelper (the JDK's
# process launcher) only serves the AOT assembly step below and goes after it: the watch modes start
# the application with posix_spawn.
find "$out/bin" -type f ! -name java -delete
rm -f "$out/lib/classlist" "$out/lib/jrt-fs.jar" "$out/lib/jexec"
# The JNI entry for system calls (src/bundle/syscall.c): an FFM downcall costs the start more than
# anything else the injector does. Without a C compiler (or BUNDLE_JNI=false) the injector uses FFM.
if [ "${BUNDLE_JNI:-true}" = true ] && command -v "${CC:-cc}" >/dev/null; then
  "${CC:-cc}" -O2 -fPIC -shared -Wall -Werror -I"$jdk/include" -I"$jdk/include/linux" \
    -o "$out/lib/libinjector-syscall.so" "$(dirname "$0")/syscall.c"
fi
# The JDK ships its libraries with symbols; only the dynamic symbols are needed to run.
if command -v strip >/dev/null; then
  find "$out/lib" -name '*.so' ! -name 'ld-linux*' ! -name 'lib[cm].so*' -exec strip --strip-unneeded {} +
fi

# Start-up flags for a short-lived, single-threaded program: C1 only, the serial collector, a
# small heap (the injector holds a few KiB of secrets), small stacks, compact object headers, no
# performance-data file in /tmp (which a container may not even have).
cat > "$out/launch.args" <<ARGS
-XX:TieredStopAtLevel=1
-XX:+UseSerialGC
-XX:CICompilerCount=1
-Xss512k
-Xmx64m
-XX:MaxMetaspaceSize=64m
-XX:ReservedCodeCacheSize=16m
-XX:+UseCompactObjectHeaders
-XX:-UsePerfData
-XX:AOTCache=$home/injector.aot
-XX:-PrintWarnings
-Dstdout.encoding=UTF-8
-Dstderr.encoding=UTF-8
--enable-native-access=ALL-UNNAMED
-Dsecrets-store.bundle.home=$home
-cp
$classpath
io.secretsstore.injector.Main
ARGS

# Every file dated 1970-01-01T00:00:01Z, Jib's default for image files: the AOT cache records the
# jar's size and time and is ignored when they differ, so the image must keep them.
find "$out" -exec touch -h -d @1 {} +

# BUNDLE_AOT=false: no AOT cache (smaller, slower start).
if [ "$(id -u)" = 0 ] && [ "${BUNDLE_AOT:-true}" = true ]; then
  # Training run at the install path, in a chroot that holds only the bundle, against a
  # store-shaped responder on loopback (src/bundle/TrainingStore.java): the cache records the
  # classes of a whole start (settings, login, two reads, the exec attempt).
  mkdir -p "$root/dev" "$root/proc" "$root/tmp" "$root/run"
  [ -e "$root/dev/null" ] || mknod -m 666 "$root/dev/null" c 1 3
  [ -e "$root/dev/urandom" ] || mknod -m 666 "$root/dev/urandom" c 1 9
  # Without /dev/random the JDK seeds SecureRandom from thread timing, which takes seconds.
  [ -e "$root/dev/random" ] || mknod -m 666 "$root/dev/random" c 1 8
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  cp "$work/training-token" "$root/run/training-token"
  cp "$work/training-ca.pem" "$root/run/training-ca.pem"
  sed 's/^-XX:AOTCache=.*$/-XX:AOTCacheOutput='"${home//\//\\/}"'\/injector.aot/' "$out/launch.args" > "$out/train.args"
  chroot_command="$(command -v chroot)"
  env -i "${training_env[@]}" VAULT_TOKEN_PATH=/run/training-token \
    "$chroot_command" "$root" "$home/bin/java" "@$home/train.args" -- /training/none >"$work/training.log" 2>&1 || { [ -n "${BUNDLE_DEBUG:-}" ] && cat "$work/training.log" >&2; true; }
  umount "$root/proc" || true
  rm -f "$out/train.args" "$root/run/training-token" "$root/run/training-ca.pem"
  [ -f "$out/injector.aot" ] && touch -h -d @1 "$out/injector.aot"
fi
rm -f "$out/lib/jspawnhelper"
[ -f "$out/injector.aot" ] || sed -i '/^-XX:AOTCache=/d' "$out/launch.args"
touch -h -d @1 "$out/launch.args" "$out"
echo "$out"
