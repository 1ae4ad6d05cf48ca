#!/usr/bin/env bash
# The project's entry point: selects a JDK 25, makes sure the test tools exist, runs Maven.
#
#   ./dev.sh run     the sandbox: a real single-node Kubernetes with the chart installed, the
#                    module's examples run end to end (--keep-running leaves it up)
#   ./dev.sh test    the whole test suite: unit + integration tests against a real OpenBao, then
#                    the e2e suite on a real Kubernetes with the chart and images installed
#   ./dev.sh crds    regenerate helm/crds from the Java model
#   ./dev.sh images  build the OCI images of every service with Jib (<module>/target/jib-image.tar)
#   ./dev.sh bench provider|driver|injector|webhook   benchmarks (print ratios against an in-run baseline)
#   ./dev.sh bench daemons  csi-driver + csi-provider as the chart starts them: memory (NMT), start-up,
#                    first mount (with and without a trained AOT cache), sharing-off mounts and the
#                    store read, a 100-volume burst and rotations, against in-run floors (root)
#   ./dev.sh bench system   the whole system on the real cluster (~20-30 min): docs/benchmarks.md
#   ./dev.sh fmt     apply the code format
#   ./dev.sh mvn ... any Maven command with the right JDK
set -euo pipefail
cd "$(dirname "$0")"

# Selects a JDK 25 (JAVA_HOME) or stops with a clear message; ./mvnw does the same.
. ./.mvn/jdk25.sh

mvn_cmd=(./mvnw -B -ntp)

# The real tools the tests and the sandbox run, each built once from Go modules and cached outside
# the repo (keyed by its go.sum): OpenBao, the cluster's binaries, helm, the registry. A cold build
# mostly waits for module downloads, so they build side by side while Maven starts; OpenBao is
# waited for here (the first integration tests need it), the others by whoever needs them first
# (each build script takes a lock and prints the cached path once the build is complete).
tools_env() {
  local tool
  for tool in cluster helm registry; do
    # Instant when cached; otherwise its progress lines, prefixed with its name.
    "tools/$tool/build.sh" >/dev/null 2> >(sed -u "s/^/[$tool] /" >&2) &
  done
  OPENBAO_BIN="$(tools/openbao/build.sh 2> >(sed -u "s/^/[openbao] /" >&2))"
  export OPENBAO_BIN
}

# The offline base of the service images (cached), where the root pom's image.base looks for it.
base_image() {
  mkdir -p target/images
  local base
  base="$(images/build-base.sh)"
  ln -f "$base" target/images/base-image.tar 2>/dev/null || cp "$base" target/images/base-image.tar
}

case "${1:-}" in
  run)
    shift
    # Everything the sandbox needs, then the sandbox itself (e2e's "sandbox" profile runs
    # io.secretsstore.e2e.sandbox.Sandbox in its own JVM after the images are built).
    tools_env
    base_image
    exec "${mvn_cmd[@]}" -Pimages,sandbox -pl e2e -am verify -DskipTests -DskipITs \
      -Dsandbox.args="$*"
    ;;
  test)
    shift
    # The tests run a real OpenBao server and the e2e tier a real Kubernetes installed with helm;
    # build them (each cached outside the repo, keyed by its go.sum) before Maven starts.
    tools_env
    # The e2e suite installs the chart with the images this build makes (-Pimages, offline base).
    base_image
    exec "${mvn_cmd[@]}" -Pimages verify "$@"
    ;;
  crds)
    shift
    exec "${mvn_cmd[@]}" -pl common-model test -Dtest=CrdYamlInSyncTest -Dcrd.update=true "$@"
    ;;
  images)
    shift
    # Offline base image (cached) + jib:buildTar of every service and the injector; see docs/images.md.
    exec images/build.sh "$@"
    ;;
  bench)
    shift
    # Benchmarks print numbers and ratios against a baseline measured in the same run.
    what="${1:-provider}"
    if [ "$what" = system ]; then
      # Issue 18: pod start, bursts, rotation and memory on the real cluster with our chart
      # (e2e's bench package); writes docs/benchmarks.md and e2e/target/bench/*.json.
      shift
      # The images are built by this reactor (-Pimages: e2e depends on every service module).
      tools_env
      base_image
      exec "${mvn_cmd[@]}" -pl e2e -am verify -Pimages -De2e.withoutChart=false -Dtest=none \
        -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=SystemBenchmark \
        -Dfailsafe.failIfNoSpecifiedTests=false "$@"
    fi
    case "$what" in
      provider) class=ProviderMountBenchmark; module=csi-provider ;;
      # The driver's benchmark runs the real provider from its jar, so both are built.
      driver) class=DriverPublishBenchmark; module=csi-provider,csi-driver ;;
      injector) class=InjectorStartBenchmark; module=injector ;;
      webhook) class=AdmissionBenchmark; module=webhook ;;
      # Issue 17: the helm module renders the chart and starts both daemons' jars as it starts them.
      daemons) class=DaemonsBenchmark; module=helm ;;
      *) echo "unknown benchmark '$what' (known: provider, driver, injector, webhook, daemons, system)" >&2; exit 1 ;;
    esac
    OPENBAO_BIN="$(tools/openbao/build.sh)"
    export OPENBAO_BIN
    "${mvn_cmd[@]}" -pl "$module" -am verify -DskipTests=false -Dsurefire.failIfNoSpecifiedTests=false \
      -Dtest=none -Dit.test="$class" -Dfailsafe.failIfNoSpecifiedTests=false
    # A benchmark that skipped itself (an assumption: not root, a tool missing) printed no numbers:
    # that is a failed run, not a green one.
    reports=$(find ${module//,/ } -path '*-reports/TEST-*'"$class"'.xml' 2>/dev/null)
    if [ -z "$reports" ] || grep -q 'skipped="[1-9]' $reports; then
      echo "benchmark $class did not run (skipped or no report): see the test output above" >&2
      exit 1
    fi
    ;;
  fmt)
    shift
    exec "${mvn_cmd[@]}" spotless:apply "$@"
    ;;
  mvn)
    shift
    exec "${mvn_cmd[@]}" "$@"
    ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 1
    ;;
esac
