#!/usr/bin/env bash
# The project's entry point: selects a JDK 25, makes sure the test tools exist, runs Maven.
#
#   ./dev.sh run     build everything (later: start the local sandbox)
#   ./dev.sh test    the whole test suite: unit + integration tests against a real OpenBao
#   ./dev.sh crds    regenerate helm/crds from the Java model
#   ./dev.sh bench provider|driver|injector|webhook   benchmarks (print ratios against an in-run baseline)
#   ./dev.sh fmt     apply the code format
#   ./dev.sh mvn ... any Maven command with the right JDK
set -euo pipefail
cd "$(dirname "$0")"

# Selects a JDK 25 (JAVA_HOME) or stops with a clear message; ./mvnw does the same.
. ./.mvn/jdk25.sh

mvn_cmd=(./mvnw -B -ntp)

case "${1:-}" in
  run)
    shift
    exec "${mvn_cmd[@]}" install -DskipTests "$@"
    ;;
  test)
    shift
    # The tests run a real OpenBao server; build it (cached) before Maven starts.
    OPENBAO_BIN="$(tools/openbao/build.sh)"
    export OPENBAO_BIN
    exec "${mvn_cmd[@]}" verify "$@"
    ;;
  crds)
    shift
    exec "${mvn_cmd[@]}" -pl common-model test -Dtest=CrdYamlInSyncTest -Dcrd.update=true "$@"
    ;;
  bench)
    shift
    # Benchmarks print numbers and ratios against a baseline measured in the same run.
    what="${1:-provider}"
    case "$what" in
      provider) class=ProviderMountBenchmark; module=csi-provider ;;
      # The driver's benchmark runs the real provider from its jar, so both are built.
      driver) class=DriverPublishBenchmark; module=csi-provider,csi-driver ;;
      injector) class=InjectorStartBenchmark; module=injector ;;
      webhook) class=AdmissionBenchmark; module=webhook ;;
      *) echo "unknown benchmark '$what' (known: provider, driver, injector, webhook)" >&2; exit 1 ;;
    esac
    OPENBAO_BIN="$(tools/openbao/build.sh)"
    export OPENBAO_BIN
    exec "${mvn_cmd[@]}" -pl "$module" -am verify -DskipTests=false -Dsurefire.failIfNoSpecifiedTests=false \
      -Dtest=none -Dit.test="$class" -Dfailsafe.failIfNoSpecifiedTests=false
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
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 1
    ;;
esac
