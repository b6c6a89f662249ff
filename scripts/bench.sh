#!/usr/bin/env bash
# Throughput bench: Levitate vs dpdk-testpmd (io forwarding, the ceiling) vs DPDK's l3fwd example
# (exact match), one run, same vdevs (net_pcap infinite_rx -> net_null), same forwarding core,
# same packets; Mpps read from outside each process through DPDK telemetry. See
# perf/results/README.md for what the result files hold.
#
# Usage: scripts/bench.sh [--scenario l2fwd] [--rounds 3] [--seconds 10] [other flags]   (as root)
#        scripts/bench.sh --help      all flags (built by the Java runner, io.levitate.perf.bench)
#        scripts/bench.sh --list      scenarios and their contenders
# Flags of this script itself (everything else goes to the runner):
#   --rebuild        rebuild perf/target/benchmarks.jar, forwarder/target/levitate.jar and l3fwd
#   --no-build       build nothing (fail or skip contenders whose binaries are missing)
# Environment: LEVITATE_BENCH_DIR (default /var/tmp/levitate-bench: pcaps, logs, l3fwd build),
#              LEVITATE_JAVA_OPTS (extra JVM options for the Levitate contender, via scripts/levitate).
# The pcap generator alone: java -cp perf/target/benchmarks.jar io.levitate.perf.bench.PcapGenerator --help
# Each result file perf/results/<scenario>-<stamp>.json gets a chart beside it (<same name>.png:
# Mpps per contender, median bar and min-max whisker; a sweep: one line per contender over the flow
# counts). Redraw any result file, older ones included:
#   java -cp perf/target/benchmarks.jar io.levitate.perf.bench.Charts perf/results/<file>.json...
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"
cd "$LEVITATE_ROOT"

bench_dir=${LEVITATE_BENCH_DIR:-/var/tmp/levitate-bench}
perf_jar=perf/target/benchmarks.jar
levitate_jar=forwarder/target/levitate.jar
dpdk_examples=/usr/share/dpdk/examples
l3fwd_dir=$bench_dir/l3fwd
l3fwd_bin=$l3fwd_dir/l3fwd/build/l3fwd
runner=io.levitate.perf.bench.BenchRunner

rebuild=0 build=1 runner_args=() want_help=0 want_info=0
for arg in "$@"; do
  case "$arg" in
    --rebuild) rebuild=1 ;;
    --no-build) build=0 ;;
    -h|--help) want_help=1; runner_args+=("$arg") ;;
    -V|--version|--list) want_info=1; runner_args+=("$arg") ;;
    *) runner_args+=("$arg") ;;
  esac
done

log() { echo "bench.sh: $*" >&2; }

build_perf() {
  if [ "$rebuild" = 1 ] || [ ! -f "$perf_jar" ] || [ -n "$(find perf/src perf/pom.xml -newer "$perf_jar" -print -quit)" ]; then
    log "building $perf_jar"
    if ! mvn -B -ntp -q -pl perf -am package -DskipTests; then
      [ -f "$perf_jar" ] || { log "perf did not build"; exit 1; }
      log "perf did not build (work in progress elsewhere?); using the existing $perf_jar"
    fi
  fi
}

# Levitate is built only when missing (or --rebuild): other modules are work in progress, and a
# failed build only means the Levitate contender is skipped.
build_levitate() {
  if [ "$rebuild" = 1 ] || [ ! -f "$levitate_jar" ]; then
    log "building $levitate_jar"
    mvn -B -ntp -q -pl forwarder -am package -DskipTests || log "Levitate did not build; its contender will be skipped"
  fi
}

# l3fwd is DPDK's example, built from Debian's dpdk-doc sources in a directory outside the
# repository. One line is changed in the copy: l3fwd asks every port for the rx checksum offload
# and refuses ports without it; net_pcap has none. The exact-match path never reads the offload's
# results, so requesting no offload changes nothing it does per packet.
build_l3fwd() {
  if [ "$rebuild" = 0 ] && [ -x "$l3fwd_bin" ]; then return; fi
  [ -d "$dpdk_examples/l3fwd" ] || { log "$dpdk_examples/l3fwd missing: apt-get install dpdk-doc"; return 1; }
  log "building l3fwd in $l3fwd_dir"
  rm -rf "$l3fwd_dir" && mkdir -p "$l3fwd_dir"
  cp -r "$dpdk_examples/l3fwd" "$dpdk_examples/common" "$l3fwd_dir/"
  sed -i 's/\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,/.offloads = 0, \/* levitate bench: net_pcap has no rx checksum offload *\//' \
    "$l3fwd_dir/l3fwd/main.c"
  grep -q 'levitate bench: net_pcap has no rx checksum offload' "$l3fwd_dir/l3fwd/main.c" \
    || { log "could not adapt l3fwd's rx offloads (main.c changed?)"; return 1; }
  make -C "$l3fwd_dir/l3fwd" -j"$(nproc)" >"$l3fwd_dir/build.log" 2>&1 \
    || { log "l3fwd build failed, see $l3fwd_dir/build.log"; return 1; }
}

if [ "$want_help" = 1 ] || [ "$want_info" = 1 ]; then
  if [ "$build" = 1 ]; then build_perf; fi
  if [ "$want_help" = 1 ]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    echo
  fi
  exec "$JAVA_HOME/bin/java" -cp "$perf_jar" "$runner" "${runner_args[@]}"
fi

[ "$(id -u)" = 0 ] || { log "must run as root (DPDK, hugepages)"; exit 1; }
if [ "$build" = 1 ]; then
  build_perf
  build_levitate
  build_l3fwd || log "l3fwd unavailable; its contender will be skipped"
fi

run_id=$$
# Contenders run with --file-prefix lvb<run id>-<contender>-r<round>; the runner removes each
# /var/run/dpdk/<prefix> after each launch and on Ctrl-C, this catches anything left.
cleanup() { rm -rf /var/run/dpdk/lvb"$run_id"-* 2>/dev/null || true; }
trap cleanup EXIT

commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- 2>/dev/null || commit="$commit-dirty"

# shellcheck disable=SC2086 # JVM flag lists, split into words on purpose
"$JAVA_HOME/bin/java" $LEVITATE_JVM_FLAGS -cp "$perf_jar" "$runner" \
  --work-dir "$bench_dir" --results-dir perf/results \
  --l3fwd "$l3fwd_bin" --levitate scripts/levitate --levitate-jar "$levitate_jar" \
  --git-commit "$commit" --dpdk-version "$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)" \
  --run-id "$run_id" "${runner_args[@]}"
