#!/usr/bin/env bash
# A real single-node Kubernetes on this machine, for the e2e tier and the sandbox.
#
#   cluster.sh up [--control-plane-only]   start it (prints the kubeconfig path on stdout)
#   cluster.sh down                        stop it and leave the machine as it was found
#   cluster.sh status                      what runs, one line per component
#   cluster.sh env                         shell exports for KUBECONFIG and the binaries
#   cluster.sh load-image [--name <image>] <oci-or-docker.tar>...   import image tarballs into the
#                                                node's containerd (--name: name for an OCI layout's tags)
#   cluster.sh verify-clean [sysctl-baseline]   fails if any cluster left something on the machine
#
# Everything lives under CLUSTER_DIR (default /var/tmp/secrets-store-cluster): state, logs, PKI,
# the kubelet root, containerd's root. Every port is a free loopback port chosen at start and written
# to $CLUSTER_DIR/cluster.env. Only loopback is used: no bridge, no private-range address.
#
# --control-plane-only starts etcd + kube-apiserver (a few seconds; several may run side by side,
# each with its own CLUSTER_DIR): enough for server-side dry runs, CRD validation, TokenReview.
# The full cluster adds kube-controller-manager, kube-scheduler, containerd (Debian) and the kubelet;
# only one full cluster can run per machine (the kubelet owns cgroups, sysctls, iptables chains).
#
# What `down` undoes: processes (by PID file and by the state directory in their command line),
# every mount under CLUSTER_DIR (deepest first), the sysctls the kubelet changes, the iptables chains
# it adds, the kubepods cgroups, the state directory. `up` runs `down` first when it finds leftovers,
# and runs it when it fails half-way, so a crash never leaves mounts or processes behind for long.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
D="${CLUSTER_DIR:-/var/tmp/secrets-store-cluster}"
NODE="${CLUSTER_NODE_NAME:-e2e-node}"
# The API server's own audience. The store audience (secrets-store) is deliberately not in this list:
# a token minted for the store is not accepted by the API server.
API_AUDIENCE="https://kubernetes.default.svc.cluster.local"
# The kernel settings the kubelet changes at start.
KUBELET_SYSCTLS="vm.overcommit_memory kernel.panic kernel.panic_on_oops vm.panic_on_oom"

log() { echo "cluster: $*" >&2; }
die() { echo "cluster: error: $*" >&2; exit 1; }
now() { date +%s.%N; }
took() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }

# Ports are chosen now and bound seconds later, so they come from below the kernel's ephemeral range
# (where outgoing connections take their local ports; one took the kubelet's once): 20000 up to it.
# The Java harness picks its own from below 20000.
free_port() {
  local p low span
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  span=$(( low - 20000 ))
  [ "$span" -ge 1000 ] || span=25000
  while :; do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % span ))
    grep -qx "$p" "$D/.ports" 2>/dev/null && continue
    ss -Htan "( sport = :$p )" | grep -q . && continue
    echo "$p" >> "$D/.ports"
    echo "$p"
    return
  done
}

wait_for() { # description, timeout seconds, command...
  local what=$1 timeout=$2; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      die "$what not ready after ${timeout}s (logs: $D/logs)"
    fi
    sleep 0.2
  done
}

start_process() { # name, command...
  local name=$1; shift
  # setsid: the process outlives this script (the caller stops it with `down`).
  setsid "$@" > "$D/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$D/run/$name.pid"
}

# ldd exits non-zero for a static binary, so its verdict is read from its output alone.
static_busybox() {
  local bb
  bb=$(command -v busybox) || return 1
  { ldd "$bb" 2>&1 || true; } | grep -q 'not a dynamic'
}

ensure_debian_packages() {
  local missing=()
  command -v containerd >/dev/null 2>&1 || missing+=(containerd)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v umoci >/dev/null 2>&1 || missing+=(umoci)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v conntrack >/dev/null 2>&1 || missing+=(conntrack)
  static_busybox || missing+=(busybox-static)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# --- PKI ----------------------------------------------------------------------------------------

sign() { # name, subject, extensions
  openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  printf '%b\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -sha256 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

kubeconfig() { # file, user, cert name
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $D/pki/ca.crt
users:
- name: $2
  user:
    client-certificate: $D/pki/$3.crt
    client-key: $D/pki/$3.key
contexts:
- name: e2e
  context: {cluster: e2e, user: $2}
current-context: e2e
EOF
}

make_pki() {
  mkdir -p "$D/pki"
  (
    cd "$D/pki"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=secrets-store-e2e-ca" -out ca.crt 2>/dev/null
    local client='extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature'
    sign apiserver "/CN=kube-apiserver" \
      "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature"
    sign admin "/CN=e2e-admin/O=system:masters" "$client"
    sign apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client/O=system:masters" "$client"
    sign node "/CN=system:node:$NODE/O=system:nodes" "$client"
    sign kcm "/CN=system:kube-controller-manager" "$client"
    sign scheduler "/CN=system:kube-scheduler" "$client"
    sign kubelet-serving "/CN=system:node:$NODE/O=system:nodes" \
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:$NODE\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature"
    openssl ecparam -name prime256v1 -genkey -noout -out sa.key 2>/dev/null
    openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 600 ./*.key
  )
  kubeconfig "$D/kubeconfig" admin admin
  kubeconfig "$D/pki/node.kubeconfig" "system:node:$NODE" node
  kubeconfig "$D/pki/kcm.kubeconfig" kcm kcm
  kubeconfig "$D/pki/scheduler.kubeconfig" scheduler scheduler
}

# --- components ---------------------------------------------------------------------------------

start_control_plane() {
  local t0; t0=$(now)
  start_process etcd "$BIN/etcd" --name e2e --data-dir "$D/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
    --listen-metrics-urls "http://127.0.0.1:$ETCD_METRICS_PORT" \
    --quota-backend-bytes 536870912 --log-level warn
  wait_for etcd 60 curl -sf "http://127.0.0.1:$ETCD_PORT/health"
  local p="$D/pki"
  start_process kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" \
    --client-ca-file="$p/ca.crt" \
    --service-account-issuer="$API_AUDIENCE" \
    --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
    --api-audiences="$API_AUDIENCE" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --enable-admission-plugins=NodeRestriction \
    --service-cluster-ip-range=10.0.0.0/24 \
    --kubelet-client-certificate="$p/apiserver-kubelet-client.crt" --kubelet-client-key="$p/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$p/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --feature-gates=MutatingAdmissionPolicy=true \
    --runtime-config=admissionregistration.k8s.io/v1beta1=true \
    --enable-priority-and-fairness=false --profiling=false
  wait_for kube-apiserver 120 curl -sf --cacert "$p/ca.crt" --cert "$p/admin.crt" --key "$p/admin.key" \
    "https://127.0.0.1:$API_PORT/readyz"
  log "control plane ready in $(took "$t0")s (https://127.0.0.1:$API_PORT)"
}

containerd_config() {
  mkdir -p "$D/containerd" "$D/cni/bin" "$D/cni/net.d"
  # A placeholder CNI config makes the runtime report its network ready, so the node turns Ready;
  # no plugin exists, so only host-network pods can run (manifests/pod-network-policy.yaml.in makes
  # every pod one: the stand-in for a pod network on a loopback-only node).
  cat > "$D/cni/net.d/10-placeholder.conflist" <<'EOF'
{ "cniVersion": "1.0.0", "name": "placeholder", "plugins": [ { "type": "placeholder-not-installed" } ] }
EOF
  cat > "$D/containerd/config.toml" <<EOF
version = 2
root = "$D/containerd/root"
state = "$D/containerd/state"
[grpc]
  address = "$D/containerd/containerd.sock"
[ttrpc]
  address = "$D/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/secrets-store-e2e/pause:1"
  disable_apparmor = true
  # root here lacks CAP_SYS_RESOURCE: without this every sandbox fails in runc.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$D/cni/bin"
    conf_dir = "$D/cni/net.d"
EOF
}

kubelet_config() {
  mkdir -p "$D/kubelet" "$D/podlogs" "$D/manifests"
  cat > "$D/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $D/pki/ca.crt}
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
makeIPTablesUtilChains: false
containerRuntimeEndpoint: unix://$D/containerd/containerd.sock
imageServiceEndpoint: unix://$D/containerd/containerd.sock
clusterDomain: cluster.local
clusterDNS: [10.0.0.10]
podLogsDir: $D/podlogs
staticPodPath: $D/manifests
resolvConf: /etc/resolv.conf
rotateCertificates: false
serverTLSBootstrap: false
syncFrequency: 10s
fileCheckFrequency: 5s
nodeStatusUpdateFrequency: 10s
# kubelet's default of 110 pods is less than the system benchmark needs at once: the files burst's
# 100 pods stay mounted while the outage burst adds 100 more (pods use the host network: no IP limit).
maxPods: 250
evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
tlsCertFile: $D/pki/kubelet-serving.crt
tlsPrivateKeyFile: $D/pki/kubelet-serving.key
EOF
}

start_node() {
  local t0; t0=$(now)
  local p="$D/pki"
  start_process kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$p/kcm.kubeconfig" --authentication-kubeconfig="$p/kcm.kubeconfig" \
    --authorization-kubeconfig="$p/kcm.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
    --service-account-private-key-file="$p/sa.key" --root-ca-file="$p/ca.crt" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file="$p/ca.crt" --cluster-signing-key-file="$p/ca.key"
  start_process kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig="$p/scheduler.kubeconfig" --authentication-kubeconfig="$p/scheduler.kubeconfig" \
    --authorization-kubeconfig="$p/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --leader-elect=false

  containerd_config
  start_process containerd containerd --config "$D/containerd/config.toml"
  wait_for containerd 60 test -S "$D/containerd/containerd.sock"
  # Pause and the test images are built here (umoci), never pulled.
  "$here/images.sh" "$D/images" "$BIN/pause"
  local tar name
  while read -r tar name; do
    ctr --address "$D/containerd/containerd.sock" -n k8s.io images import --base-name "$name" "$D/images/$tar" >/dev/null
  done < "$D/images/images.list"

  # The kubelet changes these; `down` puts them back.
  [ -f "$D/sysctl.orig" ] || sysctl -e $KUBELET_SYSCTLS > "$D/sysctl.orig"
  kubelet_config
  start_process kubelet "$BIN/kubelet" --config="$D/kubelet-config.yaml" \
    --kubeconfig="$p/node.kubeconfig" --root-dir="$D/kubelet" --cert-dir="$D/kubelet/pki" \
    --hostname-override="$NODE" --node-ip=127.0.0.1 --v=1
  wait_for "node registration" 120 "$BIN/kubectl" --kubeconfig "$D/kubeconfig" get node "$NODE"
  # The kubelet publishes no address for a loopback node IP; logs/exec need one.
  "$BIN/kubectl" --kubeconfig "$D/kubeconfig" patch node "$NODE" --subresource=status --type=merge \
    -p '{"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"},{"type":"Hostname","address":"'"$NODE"'"}]}}' >/dev/null
  "$BIN/kubectl" --kubeconfig "$D/kubeconfig" wait --for=condition=Ready "node/$NODE" --timeout=120s >/dev/null
  # The stand-in for a pod network and kube-proxy (see the manifest).
  sed "s/@API_PORT@/$API_PORT/g" "$here/manifests/pod-network-policy.yaml.in" \
    | "$BIN/kubectl" --kubeconfig "$D/kubeconfig" apply -f - >/dev/null
  wait_for "default service account" 60 "$BIN/kubectl" --kubeconfig "$D/kubeconfig" -n default get serviceaccount default
  log "node $NODE ready in $(took "$t0")s"
}

# --- commands -----------------------------------------------------------------------------------

write_env() {
  cat > "$D/cluster.env" <<EOF
CLUSTER_DIR=$D
CLUSTER_MODE=$MODE
CLUSTER_NODE_NAME=$NODE
BIN=$BIN
KUBECONFIG=$D/kubeconfig
API_PORT=$API_PORT
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
ETCD_METRICS_PORT=$ETCD_METRICS_PORT
KUBELET_PORT=${KUBELET_PORT:-}
KUBELET_HEALTHZ_PORT=${KUBELET_HEALTHZ_PORT:-}
KCM_PORT=${KCM_PORT:-}
SCHEDULER_PORT=${SCHEDULER_PORT:-}
KUBELET_ROOT=$D/kubelet
CONTAINERD_SOCKET=$D/containerd/containerd.sock
API_AUDIENCE=$API_AUDIENCE
EOF
}

cmd_up() {
  MODE=full
  [ "${1:-}" = "--control-plane-only" ] && MODE=control-plane
  [ "$(id -u)" = 0 ] || die "needs root (mounts, cgroups, containerd)"
  if [ -e "$D/cluster.env" ] || [ -d "$D/run" ]; then
    log "leftovers of an earlier run in $D: cleaning up first"
    cmd_down >&2
  fi
  if [ "$MODE" = full ]; then
    [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] || log "warning: cgroup v2 host; the kubelet is configured for cgroup v1"
    # A unix socket path holds at most 107 bytes; kubelet cannot reach a CSI driver's registration
    # socket beyond that ("connect: invalid argument"), and every CSI pod waits for a driver that
    # never registers. Say so before anything starts.
    local socket="$D/kubelet/plugins_registry/secrets-store.csi.deckhouse.io-reg.sock"
    [ "${#socket}" -le 107 ] || die "the cluster directory $D is too long for kubelet's plugin sockets (${#socket} bytes, a unix socket path holds 107): use a shorter checkout path or set CLUSTER_DIR (the e2e suite: -De2e.dir=/var/tmp/...)"
    ensure_debian_packages
  fi
  BIN="$("$here/build.sh")"
  mkdir -p "$D/run" "$D/logs"
  : > "$D/.ports"
  # Any failure or interruption from here on tears down what was started (the logs are kept
  # next to the state directory for a look at what went wrong).
  UP_COMPLETE=0
  trap 'on_up_exit' EXIT
  trap 'log "interrupted"; exit 130' INT TERM
  local t0; t0=$(now)
  API_PORT=$(free_port); ETCD_PORT=$(free_port); ETCD_PEER_PORT=$(free_port); ETCD_METRICS_PORT=$(free_port)
  if [ "$MODE" = full ]; then
    KUBELET_PORT=$(free_port); KUBELET_HEALTHZ_PORT=$(free_port); KCM_PORT=$(free_port); SCHEDULER_PORT=$(free_port)
  fi
  write_env
  make_pki
  start_control_plane
  if [ "$MODE" = full ]; then
    start_node
  fi
  UP_COMPLETE=1
  trap - INT TERM
  log "$MODE cluster up in $(took "$t0")s; export KUBECONFIG=$D/kubeconfig"
  echo "$D/kubeconfig"
}

on_up_exit() {
  local status=$?
  [ "${UP_COMPLETE:-1}" = 1 ] && return 0
  log "start failed (exit $status); cleaning up; logs kept in ${D}.failed-logs"
  rm -rf "${D}.failed-logs"
  cp -r "$D/logs" "${D}.failed-logs" 2>/dev/null || true
  cmd_down >&2 || true
  exit "$status"
}

stop_pid_file() {
  local f="$D/run/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# Processes whose command line or working directory names the state directory: shims, containers'
# processes started from files under it, anything whose PID file was lost.
kill_leftover_processes() {
  local pid
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$pid" = $$ ] || [ "$pid" = "$PPID" ] && continue
    if tr "\\0" " " 2>/dev/null < "/proc/$pid/cmdline" | grep -qF -- "$D/"; then
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}

cmd_down() {
  [ -d "$D" ] || { log "nothing to stop in $D"; return 0; }
  local mode=""
  [ -f "$D/cluster.env" ] && mode=$(sed -n 's/^CLUSTER_MODE=//p' "$D/cluster.env")
  local sock="$D/containerd/containerd.sock"
  stop_pid_file kubelet
  if [ -S "$sock" ]; then
    # Containers first, while containerd can still stop them cleanly.
    for t in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
    done
    sleep 0.5
    for t in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks delete -f "$t" >/dev/null 2>&1 || true
    done
  fi
  for c in kube-scheduler kube-controller-manager containerd kube-apiserver etcd; do stop_pid_file "$c"; done
  kill_leftover_processes
  # Mounts under the state directory, deepest first (tmpfs of CSI volumes, overlay rootfs, shm,
  # the kubelet's bind mount of its root dir).
  local m
  for _ in 1 2 3; do
    for m in $(awk -v r="$D/" 'index($5, r) == 1 || $5 == substr(r, 1, length(r) - 1) {print $5}' /proc/self/mountinfo | sort -r); do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
  done
  if [ -f "$D/sysctl.orig" ]; then
    sed 's/ = /=/' "$D/sysctl.orig" | xargs -r sysctl -qw >/dev/null || true
  fi
  if [ "$mode" != control-plane ]; then
    # iptables chains the kubelet may add even with makeIPTablesUtilChains off.
    local ipt tb ch
    for ipt in iptables ip6tables; do
      command -v "$ipt" >/dev/null 2>&1 || continue
      while "$ipt" -D INPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
      # The system benchmark's connection counter (a rule without target) if its JVM died.
      local rule
      while rule=$("$ipt" -w -S INPUT 2>/dev/null | grep -m1 -- '--comment secrets-store-bench-attempts'); do
        # shellcheck disable=SC2086 # the rule's words, as iptables printed them
        "$ipt" -w -D ${rule#-A } || break
      done
      while "$ipt" -D OUTPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
      for tb in mangle nat filter; do
        for ch in KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT KUBE-FIREWALL; do
          "$ipt" -t "$tb" -F "$ch" 2>/dev/null && "$ipt" -t "$tb" -X "$ch" 2>/dev/null || true
        done
      done
    done
    # Container processes that outlived their shim, then the kubepods cgroups (cgroupfs driver,
    # cgroup v1), deepest first.
    local cg
    for pid in $(cat /sys/fs/cgroup/pids/kubepods/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/cgroup.procs \
        /sys/fs/cgroup/pids/kubepods/*/*/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/*/*/cgroup.procs 2>/dev/null); do
      kill -9 "$pid" 2>/dev/null || true
    done
    sleep 0.2
    for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice; do
      [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
  fi
  if awk -v r="$D/" 'index($5, r) == 1' /proc/self/mountinfo | grep -q .; then
    log "warning: mounts still present under $D:"
    awk -v r="$D/" 'index($5, r) == 1 {print "  " $5}' /proc/self/mountinfo >&2
    return 1
  fi
  rm -rf "$D"
  log "stopped; nothing left under $D"
}

cmd_status() {
  [ -f "$D/cluster.env" ] || { echo "no cluster in $D"; return 1; }
  . "$D/cluster.env"
  for f in "$D"/run/*.pid; do
    [ -f "$f" ] || continue
    local name pid state
    name=$(basename "$f" .pid); pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then state="running (pid $pid, rss $(( $(ps -o rss= -p "$pid") / 1024 )) MiB)"; else state="DEAD"; fi
    echo "$name: $state"
  done
  echo "kubeconfig: $KUBECONFIG"
}

cmd_env() {
  [ -f "$D/cluster.env" ] || die "no cluster in $D (run: $0 up)"
  . "$D/cluster.env"
  echo "export KUBECONFIG=$KUBECONFIG"
  echo "export PATH=$BIN:\$PATH"
}

cmd_load_image() {
  [ -f "$D/cluster.env" ] || die "no cluster in $D"
  . "$D/cluster.env"
  [ -S "$CONTAINERD_SOCKET" ] || die "containerd is not running (control-plane-only cluster?)"
  # --name <image name without tag>: the name an OCI layout's tags get (ctr's --base-name).
  local base=()
  if [ "${1:-}" = --name ]; then
    base=(--base-name "${2:?--name needs an image name}"); shift 2
  fi
  for image in "$@"; do
    [ -f "$image" ] || die "no such image tarball: $image"
    ctr --address "$CONTAINERD_SOCKET" -n k8s.io images import "${base[@]}" "$image" >&2
  done
}

# Machine-wide: whatever CLUSTER_DIR a run used, nothing of it may survive `down`. With a file of
# `sysctl` lines taken before the run, the kubelet's sysctls must be back to those values.
cmd_verify_clean() {
  local problems=0 bin pid line
  bin="$("$here/build.sh" 2>/dev/null || true)"
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    line=$(tr "\\0" " " 2>/dev/null < "/proc/$pid/cmdline") || continue
    case "$line" in
      "$bin"/*|containerd\ --config\ */containerd/config.toml*|*containerd-shim-runc-v2\ -namespace\ k8s.io*)
        echo "left over: process $pid: ${line:0:160}"; problems=1 ;;
    esac
  done
  while read -r line; do
    echo "left over: mount $line"; problems=1
  done < <(awk '$5 ~ /\/kubelet\/pods\/|\/containerd\/(root|state)\/|secrets-store-cluster/ {print $5}' /proc/self/mountinfo)
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null 2>&1 || continue
    for tb in filter nat mangle; do
      if "$ipt" -t "$tb" -S 2>/dev/null | grep -q 'secrets-store-bench-attempts'; then
        echo "left over: $ipt $tb rule of the system benchmark (secrets-store-bench-attempts)"; problems=1
      fi
      if "$ipt" -t "$tb" -S 2>/dev/null | grep -q 'KUBE-'; then
        echo "left over: $ipt $tb chains: $("$ipt" -t "$tb" -S | grep -o 'KUBE-[A-Z-]*' | sort -u | tr '\n' ' ')"; problems=1
      fi
    done
  done
  if ls -d /sys/fs/cgroup/*/kubepods >/dev/null 2>&1; then
    echo "left over: cgroups $(ls -d /sys/fs/cgroup/*/kubepods | tr '\n' ' ')"; problems=1
  fi
  if [ -n "${1:-}" ] && [ -f "$1" ]; then
    while read -r line; do
      local key=${line%% = *} want=${line#* = } have
      have=$(sysctl -n "$key" 2>/dev/null || true)
      [ "$have" = "$want" ] || { echo "left over: sysctl $key = $have (was $want)"; problems=1; }
    done < "$1"
  fi
  if [ "$problems" = 0 ]; then
    log "machine is clean: no cluster processes, mounts, iptables chains or kubepods cgroups"
  fi
  return "$problems"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  load-image) shift; cmd_load_image "$@" ;;
  verify-clean) shift; cmd_verify_clean "$@" ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
