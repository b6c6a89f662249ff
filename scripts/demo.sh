#!/usr/bin/env bash
# The Levitate demo: the whole design in the network-namespace lab (scripts/lab/lab.sh).
#   1. bring up a client, a router doing ECMP (bird2, or FRR with LAB_ROUTER=frr), two Levitates
#      (DPDK forwarder on net_af_packet + BGP announcer with BFD each) and three backends
#      (userspace GRE decapsulator, VIP on lo, a real HTTP server);
#   2. real HTTP requests to the VIP (IPv4 and IPv6): which Levitate the router's ECMP hash picked
#      for each connection, and which backend answered (replies go straight to the client);
#   3. `levitate stat` of both Levitates;
#   4. long-lived connections over both Levitates, then Levitate 1 is killed (forwarder and
#      announcer): the router withdraws its path, and every connection keeps working through
#      Levitate 2, because both compute the same Maglev table;
#   5. a summary; the lab is torn down on exit, Ctrl-C or error.
# Runs from a fresh clone (builds what is missing), as root, in well under 2 minutes.
# The data-plane demo on pcap files without the lab is scripts/demo-pcap.sh.
set -euo pipefail
# shellcheck disable=SC1091 # env.sh is checked on its own
. "$(dirname "$0")/env.sh"
cd "$LEVITATE_ROOT"

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces and DPDK need it)" >&2; exit 1; }
scripts/setup.sh

LAB_DIR=$(mktemp -d /tmp/levitate-demo.XXXXXX)
export LAB_DIR
export LAB_PREFIX=lvdemo
# The router's daemons: bird (bird2, the default) or frr (FRR's zebra, bfdd and bgpd).
LAB_ROUTER=${LAB_ROUTER:-bird}
export LAB_ROUTER
lab=scripts/lab/lab.sh
started=$SECONDS
cleanup() {
  local rc=$?
  trap '' INT TERM   # a second Ctrl-C must not interrupt the teardown
  [ -z "${hold_pid:-}" ] || kill "$hold_pid" 2>/dev/null || true
  [ -z "${tshark_pid:-}" ] || kill "$tshark_pid" 2>/dev/null || true
  echo
  echo "=== tearing the lab down"
  if [ $rc -ne 0 ] && [ $rc -ne 130 ]; then
    # Keep the logs of a failed demo: "down" removes LAB_DIR with the namespaces.
    if mkdir -p /tmp/levitate-demo-failed; then
      cp "$LAB_DIR"/*.log "$LAB_DIR"/*.yaml /tmp/levitate-demo-failed/ 2>/dev/null || true
    fi
    echo "demo: failed ($rc); logs kept in /tmp/levitate-demo-failed" >&2
  fi
  "$lab" down || true
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n=== %s\n' "$*"; }
json() { "$(command -v /usr/bin/python3 || command -v python3)" -c "import json,sys; d=json.loads(sys.argv[1]); print($2)" "$1"; }

if [ ! -f forwarder/target/levitate.jar ] || [ ! -f bgp-announcer/target/levitate-announcer.jar ] \
   || [ -n "$(find native-bindings/src forwarder/src bgp-announcer/src packet/src gre/src maglev/src conntrack/src \
               -newer forwarder/target/levitate.jar -print -quit 2>/dev/null)" ]; then
  step "building (mvn package, tests skipped; scripts/test.sh runs them)"
  mvn -B -ntp -q package -DskipTests
fi

step "1. the lab: client -- router ($LAB_ROUTER, ECMP, BFD) -- lb1, lb2 (Levitate) -- be1, be2, be3"
echo "    lb1 shares its veth with its kernel; lb2 is bare-metal style: its kernel (BGP, health checks)"
echo "    reaches the network only through the forwarder's exception path (TAP lvx0)"
"$lab" up
"$lab" status | sed -n '/^router:/,$p' | sed 's/^/    /'

# Which Levitate the router's ECMP hash sent each connection to: tshark in the router sees every
# SYN leave on rl1 (lb1) or rl2 (lb2). (`ip route get` only approximates the kernel's choice for
# forwarded packets.)
syns="$LAB_DIR/syns.txt"
"$lab" exec router tshark -l -n -f 'tcp dst port 80' -i rl1 -i rl2 -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
  -T fields -e frame.interface_name -e tcp.srcport >"$syns" 2>"$LAB_DIR/tshark.log" &
tshark_pid=$!
deadline=$((SECONDS + 20))
until [ "$(grep -c 'Capturing on' "$LAB_DIR/tshark.log" 2>/dev/null)" -ge 1 ]; do
  [ $SECONDS -lt $deadline ] || { echo "demo: tshark did not start: $(cat "$LAB_DIR/tshark.log")" >&2; exit 1; }
  sleep 0.1
done
via() {
  local port=$1 ifc _
  for _ in $(seq 20); do
    ifc=$(awk -v p="$port" '$2 == p { last = $1 } END { print last }' "$syns")   # the newest SYN from that port
    [ -z "$ifc" ] || break
    sleep 0.05
  done
  case $ifc in rl1) echo lb1 ;; rl2) echo lb2 ;; *) echo "?" ;; esac
}

requests() {
  local vip=$1 count=$2 line port backend
  "$lab" client get --vip "$vip" --count "$count" --verbose | while read -r line; do
    if [[ $line =~ source\ port\ ([0-9]+)\ -\>\ (.*)$ ]]; then
      port=${BASH_REMATCH[1]}; backend=${BASH_REMATCH[2]}
      printf '    %-34s via %s, answered by %s\n' "${line%% ->*}" "$(via "$port")" "$backend"
    else
      echo "$line"
    fi
  done
}

step "2. HTTP to the VIP 198.18.0.10 (a new TCP connection each): the Levitate ECMP chose, the backend that answered"
out4=$(requests 198.18.0.10 12)
grep -v '^{' <<<"$out4"
sum4=$(grep '^{' <<<"$out4")
step "   and over IPv6, to 2001:db8:100::10"
out6=$(requests 2001:db8:100::10 6)
grep -v '^{' <<<"$out6"
sum6=$(grep '^{' <<<"$out6")

counter() { "$lab" stat "$1" | awk -v k="$2" 'index($0, k) { gsub(",", "", $NF); print $NF; exit }'; }
step "3. levitate stat of each Levitate (its non-zero traffic counters; the full list has every drop reason)"
for n in 1 2; do
  echo "--- lb$n"
  "$lab" stat "$n" | grep -E 'ALIVE|service web|backend web/.*new flows|conntrack (hits|misses)|rx packets|tx packets|no_service|exception path' \
    | awk '{ v=$NF; gsub(",", "", v); if (v != "0" || /ALIVE/) print "    " $0 }'
done
flows1=$(counter 1 "service web: new flows"); flows2=$(counter 2 "service web: new flows")

step "4. 60 long-lived connections, then Levitate 1 dies (forwarder and announcer killed)"
coproc HOLD { "$lab" client hold --vip 198.18.0.10 --conns 60; }
# shellcheck disable=SC2153 # HOLD_PID is set by coproc
hold_pid=$HOLD_PID
read -r -t 60 opened <&"${HOLD[0]}"
on1=0; on2=0
for port in $(json "$opened" '" ".join(map(str, d["ports"]))'); do
  case $(via "$port") in lb1) on1=$((on1 + 1)) ;; lb2) on2=$((on2 + 1)) ;; esac
done
echo "    opened: $(json "$opened" '"%d connections, backends %s" % (d["opened"], d["backends"])'); ECMP put $on1 on lb1, $on2 on lb2"
kill "$tshark_pid" 2>/dev/null || true
echo round >&"${HOLD[1]}"; read -r -t 60 before <&"${HOLD[0]}"
echo "    a request on each before:  $before"
# Timed at the router: from the SIGKILL to the moment its FIB has lb1's nexthop no more, polled
# with ip alone (a lab.sh call would add its own start-up to the figure).
lb1_pids="$("$lab" pid forwarder-1) $("$lab" pid announcer-1)"
t0=$(date +%s%N)
# shellcheck disable=SC2086 # two pids, split on purpose
kill -KILL $lb1_pids
deadline=$((SECONDS + 10))
until [ "$(ip -n "$LAB_PREFIX-router" route show 198.18.0.10 | grep -c 'nexthop via' || true)" = 0 ]; do
  [ $SECONDS -lt $deadline ] || { echo "demo: the router kept lb1's nexthop for 10 s" >&2; exit 1; }
  sleep 0.005
done
t1=$(date +%s%N)
"$lab" kill-lb 1   # reaps both and forgets their pids
echo "    router: the VIP's route lost lb1's nexthop $(( (t1 - t0) / 1000000 )) ms after SIGKILL (the announcer's TCP session closed):"
"$lab" exec router ip route show 198.18.0.10 | sed 's/^/      /'
echo round >&"${HOLD[1]}"; read -r -t 60 after <&"${HOLD[0]}"
echo "    a request on each after:   $after"
echo quit >&"${HOLD[1]}"
wait "$hold_pid" 2>/dev/null || true
hold_pid=""
out_after=$("$lab" client get --vip 198.18.0.10 --count 8)
echo "    8 new connections after:   $out_after"

step "summary"
echo "IPv4 requests:   $(json "$sum4" '"%d ok, %d failed, backends %s" % (d["ok"], d["errors"], d["backends"])')"
echo "IPv6 requests:   $(json "$sum6" '"%d ok, %d failed, backends %s" % (d["ok"], d["errors"], d["backends"])')"
echo "ECMP split:      new IPv4 flows lb1 $flows1, lb2 $flows2"
echo "lb2 exception:   $(counter 2 "exception path from kernel") packets from its kernel (BGP, health checks) sent out, $(counter 2 "exception path to kernel") handed to it"
echo "lb1 killed:      $(json "$opened" 'd["opened"]') connections open ($on1 through lb1); after the kill $(json "$after" '"%d still answered, %d broken, %d changed backend" % (d["ok"], d["broken"], d["moved"])')"
echo "                 router converged in $(( (t1 - t0) / 1000000 )) ms; new connections after: $(json "$out_after" '"%d ok, %d failed" % (d["ok"], d["errors"])')"
echo "demo time:       $((SECONDS - started)) s"
broken=$(json "$after" 'd["broken"]')
[ "$broken" = 0 ] || { echo "demo: $broken connection(s) broke when lb1 died" >&2; exit 1; }
