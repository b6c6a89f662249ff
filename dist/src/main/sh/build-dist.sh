#!/usr/bin/env bash
# Builds the versioned bare-metal artifact OUT/levitate-VERSION.tar.gz (called by dist/pom.xml in
# "package" with -Pdist). Layout of the tarball, one top directory levitate-VERSION/:
#   bin/levitate, bin/levitate-announcer   launchers that use runtime/ only (no JDK on the host)
#   runtime/                               a jlink image holding the JDK modules the jars need
#   lib/levitate.jar, lib/levitate-announcer.jar, lib/native/liblevitate_shim.so
#   scripts/deploy/                        install.sh, the systemd units, the config template
#   share/doc/                             CONFIG.md, OPERATIONS.md, COUNTERS.md, levitate.example.yaml
#   VERSION, MODULES                       the version, and the runtime's modules with why
set -euo pipefail

version='' jvm_flags='' java_home='' jars='' repo='' out=''
while [ $# -gt 0 ]; do
  case $1 in
    --version) version=$2; shift 2 ;;
    --jvm-flags) jvm_flags=$2; shift 2 ;;
    --java-home) java_home=$2; shift 2 ;;
    --jars) jars=$2; shift 2 ;;
    --repo) repo=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "build-dist: unknown argument $1" >&2; exit 2 ;;
  esac
done
for v in version jvm_flags java_home jars repo out; do
  [ -n "${!v}" ] || { echo "build-dist: --${v//_/-} is required" >&2; exit 2; }
done
repo=$(cd "$repo" && pwd)
name=levitate-$version
stage=$out/dist-stage
top=$stage/$name
fwd=$jars/levitate-forwarder-all.jar
ann=$jars/levitate-bgp-announcer-all.jar
nb=$jars/levitate-native-bindings.jar
for f in "$fwd" "$ann" "$nb"; do
  [ -f "$f" ] || { echo "build-dist: $f missing (dependency copy failed?)" >&2; exit 1; }
done

rm -rf "$stage"
mkdir -p "$top/bin" "$top/lib/native" "$top/scripts/deploy/systemd" "$top/share/doc"
cp "$fwd" "$top/lib/levitate.jar"
cp "$ann" "$top/lib/levitate-announcer.jar"
# The shim is also packed in the jar (NativeLibrary extracts it to /tmp per start); shipping it as
# a file lets the launcher pass -Dlevitate.shim, so a production start writes nothing to /tmp and
# `ldd lib/native/liblevitate_shim.so` shows the DPDK libraries it needs.
(cd "$top/lib/native" && "$java_home/bin/jar" xf "$nb" native/linux-x86_64/liblevitate_shim.so \
  && mv native/linux-x86_64/liblevitate_shim.so . && rm -r native)
[ -s "$top/lib/native/liblevitate_shim.so" ] || { echo "build-dist: no shim in $nb" >&2; exit 1; }

# --- the runtime: exactly the modules jdeps finds in the jars, plus one kept on purpose ----------
deps=$("$java_home/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps \
  "$top/lib/levitate.jar" "$top/lib/levitate-announcer.jar")
# jdeps finds (JDK 25, today's jars): java.base; java.compiler (Agrona's class generation);
# jdk.httpserver (the Prometheus endpoints); jdk.management (GC and thread MXBeans in run and the
# metrics); jdk.unsupported (sun.misc.Signal for SIGHUP/SIGUSR1 handling).
# Extra, not needed by the code: jdk.jcmd gives the image jcmd/jstack/jmap, so an operator can take
# a thread dump or a GC summary of a live daemon without installing a JDK (about 1 MB).
extra=jdk.jcmd
modules=$(printf '%s\n' "$deps" "$extra" | tr -s ', ' '\n' | sed '/^$/d' | sort -u | paste -sd, -)
echo "build-dist: jdeps: $deps; runtime modules: $modules"
# --strip-debug etc. keep the image small; the JDK 25 JMOD-less linking ("linkable run-time image",
# JEP 493) works from the running JDK itself, so no jmods directory is needed.
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$top/runtime"
{
  echo "# JDK modules in runtime/ (jlink from $("$java_home/bin/java" -version 2>&1 | head -1))"
  echo "jdeps: $deps"
  echo "extra: $extra"
  echo "modules: $modules"
} > "$top/MODULES"
echo "$version" > "$top/VERSION"

# --- launchers: the JVM flags of the parent POM (levitate.jvm.flags), the bundled runtime ---------
template=$repo/scripts/deploy/launcher.template
launcher() { # NAME JAR EXTRA_JVM_OPTS
  sed -e "s|@NAME@|$1|g" -e "s|@VERSION@|$version|g" -e "s|@WRITER@|dist/src/main/sh/build-dist.sh|g" \
      -e "s|@JAVA_NOTE@|the jlink runtime next to this script, nothing else|g" \
      -e "s|@JAVA@|\"\$home/runtime/bin/java\"|g" -e "s|@JVM_FLAGS@|$jvm_flags|g" \
      -e "s|@EXTRA_OPTS@|$3|g" -e "s|@JAR@|$2|g" "$template" > "$top/bin/$1"
  chmod 0755 "$top/bin/$1"
  if grep -q '@[A-Z_]*@' "$top/bin/$1"; then echo "build-dist: unfilled placeholder in bin/$1" >&2; exit 1; fi
}
launcher levitate levitate.jar ""
# A small heap is plenty for the BGP sidecar (as scripts/levitate-announcer).
launcher levitate-announcer levitate-announcer.jar "-Xmx128m"

# --- deployment scripts and docs -----------------------------------------------------------------
cp "$repo/scripts/deploy/install.sh" "$top/scripts/deploy/"
cp "$repo/scripts/deploy/levitate.yaml.template" "$repo/scripts/deploy/launcher.template" "$top/scripts/deploy/"
cp "$repo"/scripts/deploy/systemd/*.service "$top/scripts/deploy/systemd/"
chmod 0755 "$top/scripts/deploy/install.sh"
cp "$repo"/docs/*.md "$repo/docs/levitate.example.yaml" "$top/share/doc/"

tarball=$out/$name.tar.gz
# Reproducible-ish: fixed owner and sorted names; mtimes are the build's.
tar -C "$stage" --owner=0 --group=0 --numeric-owner --sort=name -czf "$tarball" "$name"
echo "build-dist: built $tarball ($(du -h "$tarball" | cut -f1); runtime $(du -sh "$top/runtime" | cut -f1))"
