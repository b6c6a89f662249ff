#!/usr/bin/env bash
# Sourced by every script: the JDK Levitate needs and the repository root.
# Java 25 (Temurin) is required for the FFM API as Levitate uses it; the machine's default java
# may be older, so JAVA_HOME is set explicitly rather than trusting PATH.
LEVITATE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# A JDK's release file names its version: reading it costs nothing, where `java -version` starts a
# JVM (about 0.3 s, paid by every script and every lab.sh call); only a JAVA_HOME without one is asked.
java_is_25() {
  if [ -f "$1/release" ]; then grep -q '^JAVA_VERSION="25' "$1/release"
  else "$1/bin/java" -version 2>&1 | grep -q 'version "25'; fi
}
if [ -z "${JAVA_HOME:-}" ] || ! java_is_25 "$JAVA_HOME"; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/jdk-25*; do
    if [ -x "$candidate/bin/java" ]; then JAVA_HOME=$candidate; break; fi
  done
fi
export JAVA_HOME LEVITATE_ROOT
export PATH="$JAVA_HOME/bin:$PATH"
# Same flags as levitate.jvm.flags in pom.xml; see the comment there for why each is needed.
# shellcheck disable=SC2034 # read by the scripts that source this file
LEVITATE_JVM_FLAGS="--enable-native-access=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED"
