# Sourced by every script: the JDK Levitate needs and the repository root.
# Java 25 (Temurin) is required for the FFM API as Levitate uses it; the machine's default java
# may be older, so JAVA_HOME is set explicitly rather than trusting PATH.
LEVITATE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${JAVA_HOME:-}" ] || ! "${JAVA_HOME}/bin/java" -version 2>&1 | grep -q 'version "25'; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/jdk-25*; do
    if [ -x "$candidate/bin/java" ]; then JAVA_HOME=$candidate; break; fi
  done
fi
export JAVA_HOME LEVITATE_ROOT
export PATH="$JAVA_HOME/bin:$PATH"
# Same flags as levitate.jvm.flags in pom.xml; see the comment there for why each is needed.
LEVITATE_JVM_FLAGS="--enable-native-access=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED"
