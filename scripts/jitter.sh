#!/usr/bin/env bash
# How often this machine interrupts a busy-polling core, with no Levitate code involved: a small C
# spinner (perf/jitter/jitter.c) pinned to one CPU counts the gaps between consecutive clock reads
# (interrupts, kernel work, other threads, a hypervisor descheduling the vCPU). Run it on a worker
# core before judging the tail of levitate_burst_latency_seconds: with B bursts per second, a burst
# latency quantile q cannot be below X where the gaps above X number more than (1 - q) * B per second.
#
# Usage: scripts/jitter.sh [CPU] [SECONDS]     (defaults: the last allowed CPU, 10 s)
# Environment: LEVITATE_BENCH_DIR (default /var/tmp/levitate-bench), where the binary is built.
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"
cd "$LEVITATE_ROOT"

cpu=${1:-$(awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status | tr ',' '\n' | tail -1 | sed 's/.*-//')}
seconds=${2:-10}
bench_dir=${LEVITATE_BENCH_DIR:-/var/tmp/levitate-bench}
bin=$bench_dir/jitter
mkdir -p "$bench_dir"
if [ ! -x "$bin" ] || [ perf/jitter/jitter.c -nt "$bin" ]; then
  command -v gcc > /dev/null || { echo "jitter: gcc is needed (apt-get install gcc)" >&2; exit 1; }
  gcc -O2 -Wall -Wextra -Werror -o "$bin" perf/jitter/jitter.c
fi
echo "jitter: CPU $cpu, $seconds s"
exec taskset -c "$cpu" "$bin" "$seconds"
