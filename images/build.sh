#!/usr/bin/env bash
# Builds the OCI images of every service and of the injector with Jib, offline:
#   <module>/target/jib-image.tar   (OCI archive; `ctr images import`, `skopeo copy oci-archive:`)
#
#   images/build.sh [maven args]     e.g. -Dimage.registry=registry.example.com/ssi -Dimage.tag=1.2.3
#
# The base of the Java services is the offline base of build-base.sh unless -Dimage.base=...
# names another (docs/images.md). Needs JAVA_HOME = a JDK 25 (./dev.sh sets it) and patchelf.
set -euo pipefail
cd "$(dirname "$0")/.."
# The services' default base (root pom: image.base) is target/images/base-image.tar. -Dimage.base=...
# names another for the services; -Djib.from.image=... (Jib's own) replaces the base of all five.
mkdir -p target/images
base="$(images/build-base.sh)"
ln -f "$base" target/images/base-image.tar 2>/dev/null || cp "$base" target/images/base-image.tar
start=$(date +%s)
./mvnw -B -ntp -Pimages -pl csi-driver,csi-provider,controller,webhook,injector -am verify \
  -DskipTests -DskipITs "$@"
echo "Images built in $(( $(date +%s) - start ))s:" >&2
ls -l csi-driver/target/jib-image.tar csi-provider/target/jib-image.tar controller/target/jib-image.tar \
  webhook/target/jib-image.tar injector/target/jib-image.tar >&2
