# Sourced by ./mvnw and ./dev.sh (POSIX sh): points JAVA_HOME at a JDK 25, because the machine's
# default java may be older. Keeps JAVA_HOME if it already is a JDK 25; otherwise looks under
# /usr/lib/jvm; exits with a clear message if there is none.
ssi_is_jdk25() {
  [ -x "$1/bin/java" ] && "$1/bin/java" -version 2>&1 | head -n 1 | grep -Eq 'version "25([."]|")'
}
if [ -z "${JAVA_HOME:-}" ] || ! ssi_is_jdk25 "$JAVA_HOME"; then
  ssi_jdk=""
  for ssi_candidate in /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/*-25* /usr/lib/jvm/jdk-25* /opt/java/openjdk; do
    if ssi_is_jdk25 "$ssi_candidate"; then
      ssi_jdk="$ssi_candidate"
      break
    fi
  done
  if [ -z "$ssi_jdk" ]; then
    echo "error: this build needs JDK 25, and none was found (checked \$JAVA_HOME and /usr/lib/jvm/*25*)." >&2
    echo "       Install a JDK 25 (e.g. Temurin 25) or set JAVA_HOME to one." >&2
    exit 1
  fi
  JAVA_HOME="$ssi_jdk"
  export JAVA_HOME
fi
PATH="$JAVA_HOME/bin:$PATH"
export PATH
