#!/usr/bin/env bash
# The data-plane demo without the lab (scripts/demo.sh runs the lab): a Java busy-poll worker forwarding real
# packets through DPDK on virtual devices.
#   1. exact forwarding: net_pcap reads a generated capture of TCP flows, Levitate forwards it
#      to a second net_pcap port, tshark (an independent dissector) reads the output back;
#   2. throughput: the same capture replayed forever (net_pcap infinite_rx) into net_null, with
#      per-second counters, then stopped with SIGTERM as systemd stops it: ports stopped, EAL
#      cleaned up. (Not SIGINT: bash starts a script's background jobs with SIGINT ignored.)
# Runs from a fresh clone (builds what is missing), as root, in well under 2 minutes. Everything
# it starts is stopped and its files removed on exit, Ctrl-C or error.
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"
cd "$LEVITATE_ROOT"

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (DPDK needs it)" >&2; exit 1; }
scripts/setup.sh

work=$(mktemp -d /tmp/levitate-demo.XXXXXX)
levitate_pid=""
cleanup() {
  if [ -n "$levitate_pid" ] && kill -0 "$levitate_pid" 2>/dev/null; then
    kill -TERM "$levitate_pid" 2>/dev/null || true
    wait "$levitate_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n=== %s\n' "$*"; }

if [ ! -f forwarder/target/levitate.jar ] || [ ! -f perf/target/benchmarks.jar ] \
   || [ -n "$(find native-bindings/src forwarder/src perf/src -newer forwarder/target/levitate.jar -print -quit 2>/dev/null)" ]; then
  step "building (mvn package, tests skipped; scripts/test.sh runs them)"
  mvn -B -ntp -q package -DskipTests
fi

flows=1000
step "generating $flows TCP/IPv4 flows, 64-byte frames (perf's pcap generator)"
"$JAVA_HOME/bin/java" -cp perf/target/benchmarks.jar io.levitate.perf.bench.PcapGenerator \
  --flows "$flows" --packets 4096 --syn-share 0.1 --out "$work/flows.pcap" | tail -1
in_count=$(tshark -r "$work/flows.pcap" 2>/dev/null | wc -l)

step "1. exact forwarding: net_pcap0 (rx $work/flows.pcap) -> Levitate worker -> net_pcap1 (tx out.pcap)"
scripts/levitate run --no-huge --file-prefix "demo-$$-a" \
  --port "net_pcap0,rx_pcap=$work/flows.pcap" --port "net_pcap1,tx_pcap=$work/out.pcap" \
  --duration 2 | grep -v '^  '
out_count=$(tshark -r "$work/out.pcap" 2>/dev/null | wc -l)
echo "tshark: first frames of the output capture:"
tshark -r "$work/out.pcap" -c 3 2>/dev/null | sed 's/^/    /'
if cmp -s <(tshark -r "$work/flows.pcap" -T fields -e frame.len -e ip.src -e tcp.srcport -e tcp.flags 2>/dev/null) \
          <(tshark -r "$work/out.pcap" -T fields -e frame.len -e ip.src -e tcp.srcport -e tcp.flags 2>/dev/null); then
  same=yes
else
  same=NO
fi
echo "input frames $in_count, output frames $out_count, identical per tshark: $same"

step "2. throughput: net_pcap0 (infinite replay) -> Levitate worker on CPU 1 -> net_null0; 8 s, then SIGTERM"
scripts/levitate run --file-prefix "demo-$$-b" --mbufs 16383 \
  --port "net_pcap0,rx_pcap=$work/flows.pcap,infinite_rx=1" --port "net_null0,no-rx=1" \
  --stats-interval 1 >"$work/run.log" 2>&1 &
levitate_pid=$!
deadline=$((SECONDS + 60))
until grep -q 'forwarding (' "$work/run.log" 2>/dev/null; do
  if ! kill -0 "$levitate_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then cat "$work/run.log"; exit 1; fi
  sleep 0.2
done
tail -f "$work/run.log" --pid "$levitate_pid" | grep --line-buffered -v '^  ' &
tail_pid=$!
sleep 8
kill -TERM "$levitate_pid"
rc=0; wait "$levitate_pid" || rc=$?
levitate_pid=""
sleep 0.3; kill "$tail_pid" 2>/dev/null || true

mpps=$(grep -o 'tx [0-9.]* Mpps' "$work/run.log" | tail -n 4 | awk '{s+=$2; n++} END {if (n) printf "%.1f", s/n; else print "?"}')
step "summary"
echo "exact forwarding:  $out_count of $in_count frames, identical: $same"
echo "throughput:        ~$mpps Mpps (last 4 s, one worker; scripts/bench.sh compares it with testpmd and l3fwd)"
echo "shutdown on SIGTERM: exit code $rc, $(grep -o 'ports stopped and closed, EAL cleaned up' "$work/run.log" || echo 'NOT clean')"
[ "$same" = yes ] && [ "$rc" -eq 0 ]
