#!/usr/bin/env bash
# The JDK AOT cache (JEP 483/514/515) of a node daemon's image, trained on exactly the image's
# runtime and class path (issue 17, docs/images.md). The module's pom builds its image twice with
# Jib: target/jib-image-untrained.tar (no cache), then target/jib-image.tar = the same layers plus
# one layer /app/aot/<name>.aot and -XX:AOTCache=/app/aot/<name>.aot in the entrypoint.
#
#   aot-cache.sh train <target dir> <name> [--env K=V]... [--ready <path>] [-- <app args>]
#       extracts the untrained image into a temporary root, chroots into it and runs the image's
#       entrypoint (its java, flags and class path) with -XX:AOTCacheOutput=/app/aot/<name>.aot and
#       <app args>; with --ready <path> it waits until http://127.0.0.1:@PORT@<path> answers 200
#       and then stops the daemon with SIGTERM (the JVM writes the cache on exit). @PORT@ in the
#       env and args is replaced by a free local port.
#       Writes <target dir>/aot/<name>.aot, the directory the second Jib build adds.
#   aot-cache.sh measure <target dir> <name> [same options] [--socket <glob>] [--runs N]
#       start -> ready of the final image in a chroot, alternating with and without its cache:
#       from the launch until <path> answers 200 and a file matches <glob> (in the root), and
#       VmRSS then and 5 s later. Numbers in docs/memory.md.
#   aot-cache.sh check <target dir> <name> [same options]
#       proves the final image uses its cache: its layers are the untrained image's plus one, and
#       the final entrypoint started the same way with -XX:AOTMode=on (exit 1 on any mismatch)
#       gets ready. Without a cache (not root) it replaces jib-image.tar by the untrained image.
#
# chroot needs root; the script needs jq and curl. Not root, a tool missing, or IMAGE_AOT=false: the
# image is built without a cache, said in the build log; the build does not fail for that.
set -euo pipefail
mode="$1" target="$(readlink -f "$2")" name="$3"
shift 3
envs=() ready="" app_args=() socket="" runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --env) envs+=("$2"); shift 2 ;;
    --ready) ready="$2"; shift 2 ;;
    --socket) socket="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --) shift; app_args=("$@"); break ;;
    *) echo "aot-cache.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
# A free local port for the daemon's HTTP server (nothing answers on it now), below the kernel's
# ephemeral range: an outgoing connection could take a port from that range before the daemon
# binds it (the rule of tools/cluster/cluster.sh and testkit LoopbackPorts).
ephemeral_start="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
[ "$ephemeral_start" -gt 21000 ] || ephemeral_start=32768
port=""
for _ in $(seq 1 50); do
  port=$((20000 + RANDOM % (ephemeral_start - 20000)))
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
done
envs=("${envs[@]//@PORT@/$port}")
app_args=("${app_args[@]//@PORT@/$port}")
untrained="$target/jib-image-untrained.tar"
final="$target/jib-image.tar"
cache_dir="$target/aot"
cache="/app/aot/$name.aot"
log() { echo "[aot-cache] $name: $*" >&2; }

work="" pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  if [ -n "$work" ]; then
    mountpoint -q "$work/root/proc" && umount "$work/root/proc"
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# The manifest of an OCI archive (Jib: index.json -> one manifest), as JSON on stdout.
manifest() { # <oci dir>
  local digest
  digest="$(jq -r '.manifests[0].digest' "$1/index.json")"
  cat "$1/blobs/${digest/://}"
}

# Unpacks the OCI archive <tar> into <dir>/oci and its file system into <dir>/root (layers in
# order, gzip or not; Jib writes no whiteouts), keeping Jib's file times and modes.
unpack() { # <tar> <dir>
  mkdir -p "$2/oci" "$2/root"
  tar --warning=no-unknown-keyword -xf "$1" -C "$2/oci"
  local layer
  for layer in $(manifest "$2/oci" | jq -r '.layers[].digest'); do
    tar --warning=no-unknown-keyword -xpf "$2/oci/blobs/${layer/://}" -C "$2/root"
  done
  # What a container runtime provides: /proc, /dev/null and the random devices, /tmp.
  mkdir -p "$2/root/proc" "$2/root/dev" "$2/root/tmp"
  mknod -m 666 "$2/root/dev/null" c 1 3
  mknod -m 666 "$2/root/dev/random" c 1 8
  mknod -m 666 "$2/root/dev/urandom" c 1 9
  mount -t proc proc "$2/root/proc"
}

# The image's entrypoint and environment (JSON arrays of its config).
config() { # <oci dir> <jq filter>
  local digest
  digest="$(manifest "$1" | jq -r '.config.digest')"
  jq -c "$2" "$1/blobs/${digest/://}"
}

# Runs the image's entrypoint in the chroot <root>, -XX:AOTCache=... replaced by <jvm flag...>
# (inserted before -cp), then the app args; waits for exit, or for readiness then SIGTERM.
run() { # <root> <oci dir> <log> <jvm flag>...
  local root="$1" oci="$2" out="$3"
  shift 3
  local -a entry env_list cmd
  mapfile -t entry < <(config "$oci" '.config.Entrypoint[]' | jq -r .)
  mapfile -t env_list < <(config "$oci" '.config.Env // [] | .[]' | jq -r .)
  local arg
  for arg in "${entry[@]}"; do
    case "$arg" in
      -XX:AOTCache=*) ;;
      -cp) cmd+=("$@" -cp) ;;
      *) cmd+=("$arg") ;;
    esac
  done
  cmd+=("${app_args[@]}")
  local workdir
  workdir="$(config "$oci" '.config.WorkingDir // "/"' | jq -r .)"
  mkdir -p "$root$workdir" "$root/tmp/aot-training"
  echo "chroot <image root> ${cmd[*]}" >"$out"
  local start=$SECONDS
  # chroot looks the command name ("java") up through the image's PATH inside the new root.
  (cd / && exec env -i "${env_list[@]}" "${envs[@]}" "$(command -v chroot)" "$root" "${cmd[@]}") \
    >>"$out" 2>&1 &
  pid=$!
  if [ -n "$ready" ]; then
    until curl -fsS -o /dev/null "http://127.0.0.1:$port$ready" 2>/dev/null; do
      if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" || true
        pid=""
        log "exited before it was ready; its output:"; cat "$out" >&2
        return 1
      fi
      if [ $((SECONDS - start)) -gt 120 ]; then
        log "not ready after 120 s; its output:"; cat "$out" >&2
        return 1
      fi
      sleep 0.2
    done
    log "ready after $((SECONDS - start)) s; stopping it (SIGTERM)"
    kill -TERM "$pid"
  fi
  local rc=0
  wait "$pid" || rc=$?
  pid=""
  # 143 = stopped by our SIGTERM.
  if [ "$rc" != 0 ] && { [ -z "$ready" ] || [ "$rc" != 143 ]; }; then
    log "exit $rc; its output:"; cat "$out" >&2
    return 1
  fi
}

case "$mode" in
  train)
    rm -rf "$cache_dir"
    mkdir -p "$cache_dir"
    if [ "$(id -u)" != 0 ] || [ "${IMAGE_AOT:-true}" != true ]; then
      log "NOT root (or IMAGE_AOT=false): the image is built WITHOUT an AOT cache (slower start)"
      exit 0
    fi
    for tool in jq curl chroot mknod; do
      command -v "$tool" >/dev/null || {
        log "no $tool on this machine: the image is built WITHOUT an AOT cache (slower start)"
        exit 0
      }
    done
    work="$(mktemp -d)"
    unpack "$untrained" "$work"
    mkdir -p "$work/root/app/aot"
    start=$SECONDS
    run "$work/root" "$work/oci" "$target/aot-training.log" "-XX:AOTCacheOutput=$cache"
    cp "$work/root$cache" "$cache_dir/$name.aot"
    log "trained in $((SECONDS - start)) s: $(du -m "$cache_dir/$name.aot" | cut -f1) MiB (log: $target/aot-training.log)"
    ;;
  check)
    if [ ! -f "$cache_dir/$name.aot" ]; then
      cp "$untrained" "$final"
      log "no AOT cache was trained: target/jib-image.tar is the image without a cache"
      exit 0
    fi
    work="$(mktemp -d)"
    mkdir -p "$work/u"
    tar --warning=no-unknown-keyword -xf "$untrained" -C "$work/u" index.json blobs
    unpack "$final" "$work"
    # The application's layers byte-identical to the untrained image's (the cache records each
    # jar's size and time), then the cache's one layer.
    before="$(manifest "$work/u" | jq -c '[.layers[].digest]')"
    after="$(manifest "$work/oci" | jq -c '[.layers[].digest]')"
    if [ "$(jq -c '.[:-1]' <<<"$after")" != "$before" ]; then
      log "FAILED: the final image's layers are not the untrained image's plus one: $before vs $after"
      exit 1
    fi
    config "$work/oci" '.config.Entrypoint' | grep -qF -- "\"-XX:AOTCache=$cache\"" \
      || { log "FAILED: -XX:AOTCache=$cache is not in the final entrypoint"; exit 1; }
    [ -f "$work/root$cache" ] || { log "FAILED: $cache is not in the final image"; exit 1; }
    start=$SECONDS
    if ! run "$work/root" "$work/oci" "$target/aot-check.log" "-XX:AOTCache=$cache" -XX:AOTMode=on; then
      log "FAILED: the final image does not start with its AOT cache (-XX:AOTMode=on)"
      exit 1
    fi
    log "the final image starts with its AOT cache (-XX:AOTMode=on), $((SECONDS - start)) s"
    ;;
  measure)
    work="$(mktemp -d)"
    unpack "$final" "$work"
    mapfile -t entry < <(config "$work/oci" '.config.Entrypoint[]' | jq -r .)
    mapfile -t env_list < <(config "$work/oci" '.config.Env // [] | .[]' | jq -r .)
    for i in $(seq 1 "$runs"); do
      for variant in cache none; do
        cmd=()
        for arg in "${entry[@]}"; do
          [ "$variant" = none ] && [[ "$arg" == -XX:AOTCache=* ]] && continue
          cmd+=("$arg")
        done
        cmd+=("${app_args[@]}")
        rm -rf "$work/root/tmp/aot-training"
        mkdir -p "$work/root/tmp/aot-training"
        t0=$(date +%s%N)
        (cd / && exec env -i "${env_list[@]}" "${envs[@]}" "$(command -v chroot)" "$work/root" "${cmd[@]}") \
          >"$target/aot-measure-$variant.log" 2>&1 &
        pid=$!
        until curl -fsS -o /dev/null "http://127.0.0.1:$port$ready" 2>/dev/null \
            && { [ -z "$socket" ] || compgen -G "$work/root$socket" >/dev/null; }; do
          kill -0 "$pid" 2>/dev/null || { log "exited; see $target/aot-measure-$variant.log"; exit 1; }
          [ $(($(date +%s%N) - t0)) -lt 60000000000 ] || { log "not ready in 60 s"; exit 1; }
          sleep 0.02
        done
        t1=$(date +%s%N)
        rss0=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
        sleep 5
        rss5=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
        kill -TERM "$pid"; wait "$pid" || true; pid=""
        printf '%s run %d %-5s start->ready %d ms  VmRSS at ready %d MiB, +5 s %d MiB\n' \
          "$name" "$i" "$variant" $(((t1 - t0) / 1000000)) "$rss0" "$rss5"
      done
    done
    ;;
  *)
    echo "usage: aot-cache.sh train|check <target dir> <name> [--env K=V]... [--ready <path>] [-- args]" >&2
    exit 2
    ;;
esac
