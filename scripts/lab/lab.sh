#!/usr/bin/env bash
# The Levitate lab: the whole design on one machine, in network namespaces joined by veths.
#
#   client ──(MTU 1500)── router ─────┬── lb1 (forwarder on net_af_packet + levitate-announcer)
#   10.100.0.2            bird2 or FRR├── lb2 (same)
#                         ECMP, BFD   └── bridge ── be1 be2 be3 (gre-decap → TUN, VIP on lo, httpd)
#
#   * router: bird2 or FRR (LAB_ROUTER) peers with both announcers over BGP with BFD, merges
#     their VIP routes into one kernel route with two nexthops; the L4 multipath hash spreads
#     connections over the two Levitates. The topology is the same for both; only the routing
#     daemons and their configuration differ (bird_config, frr_config).
#   * lbN: the forwarder reads and writes lN through DPDK's af_packet PMD, answers ARP, resolves
#     the router's MAC itself and GRE-encapsulates VIP traffic to the backend Maglev picks, back
#     out through the router (one-armed). The namespace's kernel carries the BGP session and the
#     health checks, in one of two ways:
#       lb1, "shared veth": the kernel owns 10.0.1.2 on l1 itself (af_packet copies frames, it
#       does not steal them); ip_forward=0, so the kernel drops the VIP packets it also sees;
#       lb2, "bare metal" (LAB_EXCEPTION=1, the default): l2 is the forwarder's alone, as a NIC
#       bound to vfio-pci would be (no address; the kernel ignores it); the kernel has 10.0.2.2
#       on lvx0, the TAP of the forwarder's exception path, so its BGP, health checks and ARP
#       cross the forwarder (instance.exception_path: tap).
#   * beN: no kernel GRE here: gre-decap reads GRE from a raw socket and writes the inner packet
#     to a TUN; the VIP sits on lo; httpd answers from the VIP straight to the client (DSR).
#   * MTU: every link is 1500 bytes and the router drops ICMP too-big (no path MTU discovery).
#     The client's segments to the VIP cross a GRE tunnel, so the backends' SYN-ACKs advertise
#     an MSS that leaves room for it (backend_mss): the client sizes its segments by that MSS,
#     and in DSR no Levitate ever sees a SYN-ACK.
#
# Addresses: client 10.100.0.2/24 (router .1); lbN 10.0.N.2/24 (router 10.0.N.1);
# backends 10.0.3.1N/24 (router 10.0.3.1); VIP 198.18.0.10 tcp/80. IPv6 alongside: client
# fd00:100::2/64, lbN fd00:N::2/64, backends fd00:3::1N/64, VIP 2001:db8:100::10.
#
# Usage: lab.sh up | down | status | stat N | kill-lb N | kill-forwarder N | stop-forwarder N |
#        start-lb N | stop-httpd N | start-httpd N | stop-decap N | start-decap N | add-backend N | config N |
#        reload N | drain-backend N |
#        client ARGS... | exec NS CMD... | nexthops [4|6] | wait-nexthops COUNT [4|6] [SECONDS] |
#        backend-mss on|off | router-cli ARGS... (birdc or vtysh -c, whichever runs the router) |
#        wait-bfd N... (until the router's BFD sessions with those Levitates are Up)
# Environment: LAB_ROUTER (bird: bird2; frr: FRR's zebra, bfdd and bgpd; `up` records the choice
# in LAB_DIR and the other commands follow it; default bird), LAB_DIR (state and logs; default
# /tmp/levitate-lab), LAB_PREFIX (namespace name prefix; default lv), LAB_BACKENDS (backends in
# the config; default 3), LAB_V6 (1: add the IPv6 service; default 1), LAB_EXCEPTION (1: lb2 reaches the network through its exception path;
# 0: both share their veth with the kernel; default 1), LAB_JUMBO (1: the links behind the
# router, to the Levitates and the backends, at MTU 9000 and the forwarders' ports with them, the
# client's at 1500, so a client's full-size packet crosses in one 1524-byte tunnel packet; the
# backends count those and any fragment in their table inet lab; default 0), LAB_HEALTH_TUNNEL (1: health
# checks through the tunnel: each Levitate N gets instance.health_prefix 10.0.N.128/28, which the
# router routes to it, so web's checks (via the default, tunnel) reach the backends as client
# traffic does and a service web-direct (VIP 198.18.0.11, via: direct) checks the same backends
# directly; default 0).
# Everything `up` starts lives in the lab's namespaces; `down` kills every process in them and
# deletes them, whatever state they are in.
set -euo pipefail
# shellcheck disable=SC1091 # env.sh is checked on its own
. "$(dirname "$0")/../env.sh"

LAB_DIR=${LAB_DIR:-/tmp/levitate-lab}
P=${LAB_PREFIX:-lv}
LAB_BACKENDS=${LAB_BACKENDS:-3}
LAB_V6=${LAB_V6:-1}
LAB_EXCEPTION=${LAB_EXCEPTION:-1}
LAB_JUMBO=${LAB_JUMBO:-0}
LAB_HEALTH_TUNNEL=${LAB_HEALTH_TUNNEL:-0}
VIP4_DIRECT=198.18.0.11
# The router's daemons: a running lab's own (recorded by `up`), so `status` or `wait-nexthops`
# need no LAB_ROUTER; `up` takes the variable.
if [ "${1:-}" != up ] && [ -f "$LAB_DIR/router" ]; then LAB_ROUTER=$(cat "$LAB_DIR/router"); fi
LAB_ROUTER=${LAB_ROUTER:-bird}
case $LAB_ROUTER in
  bird | frr) ;;
  *) printf 'lab: LAB_ROUTER=%s: bird or frr\n' "$LAB_ROUTER" >&2; exit 2 ;;
esac
# BFD between the router and each announcer, tighter than production's 300 ms x 3 (CONFIG.md):
# on this shared 2-CPU machine the route must leave the router's FIB within 1 s of a silent
# failure (a bare-metal forwarder killed); 300 ms x 3 spends 0.9 s of that on detection alone,
# 100 ms x 3 leaves 0.7 s for the router's BGP and its kernel route under load.
BFD_INTERVAL_MS=100
BFD_MULTIPLIER=3
# MTU of the links behind the router, and what af_packet needs for frames of it: ring frames that
# hold a 9000-byte MTU's frame (its default 2048-byte frames hold 1968;
# docs/DEVELOPMENT.md, The lab).
LINK_MTU=1500
AF_PACKET_ARGS=
if [ "$LAB_JUMBO" = 1 ]; then
  LINK_MTU=9000
  AF_PACKET_ARGS=,framesz=10240,blocksz=20480,framecnt=512
fi
LAB_SRC="$LEVITATE_ROOT/scripts/lab"
VIP4=198.18.0.10
VIP6=2001:db8:100::10
PYTHON=$(command -v /usr/bin/python3 || command -v python3)

ns() { echo "$P-$1"; }
inns() { local n; n=$(ns "$1"); shift; ip netns exec "$n" "$@"; }
log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: %s\n' "$*" >&2; exit 1; }

# Starts CMD in namespace NS in the background, output to LAB_DIR/NAME.log, pid to NAME.pid.
# `ip netns exec` and our launchers exec, so the pid is the program's own. A previous run's log
# moves to NAME.log.prev here, before the fork: the background job opens its own redirection only
# when it gets to run, and a wait that read the log meanwhile would read the dead process's lines
# (start-lb returned in 0.1 s on the old forwarder's "forwarding").
spawn() {
  local name=$1 nsname=$2; shift 2
  local logfile="$LAB_DIR/$name.log"
  [ ! -e "$logfile" ] || mv -f "$logfile" "$logfile.prev"
  : >"$logfile"
  ip netns exec "$(ns "$nsname")" "$@" </dev/null >>"$logfile" 2>&1 &
  echo $! >"$LAB_DIR/$name.pid"
}

pid_of() { cat "$LAB_DIR/$1.pid" 2>/dev/null || true; }

# True while process PID runs. A zombie does not: our processes outlive the lab.sh that spawned
# them, and whoever adopts them (a container's init) may reap them only seconds later, while
# kill -0 still succeeds on the zombie.
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  case ${stat##*) } in Z*) return 1 ;; esac
}

# Sends SIGNAL to the processes recorded as NAME... (all at once: a killed JVM takes a couple
# of seconds to be gone) and waits until they are (10 s at most, then SIGKILL).
stop() {
  local signal=$1 name pid pids=()
  shift
  for name in "$@"; do
    pid=$(pid_of "$name")
    [ -z "$pid" ] || { kill -"$signal" "$pid" 2>/dev/null || true; pids+=("$pid"); }
    rm -f "$LAB_DIR/$name.pid"
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 200); do running "$pid" || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# Polls COMMAND until it succeeds or SECONDS pass.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  local rc=0
  until { rc=0; "$@" >/dev/null 2>&1 || rc=$?; [ $rc -eq 0 ]; }; do
    [ $rc -ne 2 ] || return 1
    [ $SECONDS -lt $deadline ] || { log "timed out after ${seconds}s waiting for $what"; return 1; }
    sleep 0.1
  done
}

# A veth pair A (in namespace NA) -- B (in namespace NB), up, offloads off (docs/DEVELOPMENT.md: the
# kernel's unfinished checksums and 64 KB TSO segments would reach the DPDK ports).
veth() {
  local a=$1 na=$2 b=$3 nb=$4 mtu=$5
  ip link add "$a" netns "$(ns "$na")" type veth peer name "$b" netns "$(ns "$nb")"
  for pair in "$a:$na" "$b:$nb"; do
    local dev=${pair%%:*} n=${pair##*:}
    inns "$n" ip link set "$dev" mtu "$mtu" up
    inns "$n" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null 2>&1 || true
  done
}

addr() { inns "$1" ip addr add "$3" dev "$2"; }
addr6() { inns "$1" ip -6 addr add "$3" dev "$2" nodad; }

sysctls() {
  local n=$1; shift
  for kv in "$@"; do inns "$n" sysctl -q -w "$kv" >/dev/null; done
}

# ------------------------------------------------------------------------------------------
# configuration of Levitate N (both share everything but the instance and BGP identity, so
# their Maglev tables are identical: the point of the lab)

backend_list() {
  local family=$1 count=$2 i
  for i in $(seq 1 "$count"); do
    if [ "$family" = 4 ]; then printf '      - address: 10.0.3.1%d\n' "$i"; else printf '      - address: "fd00:3::1%d"\n' "$i"; fi
  done
}

write_config() {
  local n=$1 count=${2:-$LAB_BACKENDS} states=${3:-}
  local file="$LAB_DIR/lb$n.yaml"
  local v6addr="" v6gw="" v6peer="" v6service="" health_direct=""
  if [ "$LAB_HEALTH_TUNNEL" = 1 ]; then
    # The same backends checked directly, for comparison: a backend that stops decapsulating
    # fails web's checks (through the tunnel) and still passes these.
    health_direct=$(cat <<EOF
  - name: web-direct
    vip: $VIP4_DIRECT
    port: 80
    protocol: tcp
    health_check:
      type: http
      via: direct
      port: 80
      path: /healthz
      expect_status: 200
      interval: 300ms
      timeout: 250ms
      rise: 2
      fall: 2
    backends:
$(backend_list 4 "$count")
EOF
)
  fi
  if [ "$LAB_V6" = 1 ]; then
    v6addr="    ipv6: \"fd00:$n::2\""
    v6gw="    ipv6: \"fd00:$n::1\""
    v6peer="      next_hop_v6: \"fd00:$n::2\""
    v6service=$(cat <<EOF
  - name: web6
    vip: "$VIP6"
    port: 80
    protocol: tcp
    health_check: *check
    backends:
$(backend_list 6 "$count")
EOF
)
  fi
  cat >"$file.tmp" <<EOF
# Levitate $n of the lab (written by scripts/lab/lab.sh)
instance:
  name: lb$n
  counters_dir: $LAB_DIR/lb$n
  ports:
    - device: "net_af_packet0,iface=l$n$AF_PACKET_ARGS"
      mtu: $LINK_MTU
  workers: 1
  cores: [1]
  main_core: 0
  hugepages: "no"
  memory_mb: 256
  mbufs: 4095
  idle: backoff                 # two forwarders share this machine's CPUs with everything else
$(! bare_metal "$n" || printf '  exception_path: tap           # the kernel reaches the network through the forwarder')
$([ "$LAB_HEALTH_TUNNEL" != 1 ] || printf '  health_prefix: 10.0.%s.128/28   # probes through the tunnel, from here' "$n")
  addresses:
    ipv4: 10.0.$n.2
$v6addr
  gateways:
    ipv4: 10.0.$n.1
$v6gw
hash_seed: 0x6c6576697461     # the same on both Levitates: same tables
conntrack:
  capacity: 65536
services:
  - name: web
    vip: $VIP4
    port: 80
    protocol: tcp
    health_check: &check
      type: http
      port: 80
      path: /healthz
      expect_status: 200
      interval: 300ms
      timeout: 250ms
      rise: 2
      fall: 2
    backends:
$(backend_list 4 "$count")
$v6service
$health_direct
metrics:
  listen: 127.0.0.1:9100
control:
  socket: $LAB_DIR/lb$n/control.sock
bgp:
  local_as: 65001
  router_id: 10.0.$n.2
  hold_time: 3s
  connect_retry: 500ms
  graceful_shutdown_wait: 1s
  announce_delay: 300ms
  metrics_listen: 127.0.0.1:9101
  peers:
    - address: 10.0.$n.1
      remote_as: 65000
      local_address: 10.0.$n.2
      next_hop: 10.0.$n.2
$v6peer
      bfd:
        min_tx: ${BFD_INTERVAL_MS}ms
        min_rx: ${BFD_INTERVAL_MS}ms
        multiplier: $BFD_MULTIPLIER
EOF
  if [ -n "$states" ]; then
    # states: "ADDRESS=STATE,..." e.g. 10.0.3.12=drain: add a state line under that backend.
    local IFS=,
    for s in $states; do
      local a=${s%%=*} st=${s##*=}
      sed -i "s|^\(      - address: \"\{0,1\}$a\"\{0,1\}\)\$|\1\n        state: $st|" "$file.tmp"
    done
  fi
  mv "$file.tmp" "$file"
  echo "$file"
}

# ------------------------------------------------------------------------------------------

start_backend() {
  local i=$1
  local be="be$i"
  ip netns add "$(ns "$be")"
  inns "$be" ip link set lo up
  veth "b$i" "$be" "rb$i" router "$LINK_MTU"
  inns router ip link set "rb$i" master brb
  addr "$be" "b$i" "10.0.3.1$i/24"
  addr6 "$be" "b$i" "fd00:3::1$i/64"
  inns "$be" ip route add default via 10.0.3.1
  inns "$be" ip -6 route add default via fd00:3::1
  addr "$be" lo "$VIP4/32"
  addr6 "$be" lo "$VIP6/128"
  # The inner packet arrives on the TUN from a client reached through b$i: no reverse-path check.
  sysctls "$be" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  start_decap "$i"
  # With no decapsulator the kernel would answer GRE with ICMP protocol-unreachable.
  inns "$be" nft -f - <<EOF
table inet lab {
  chain silence_gre_unreachable {
    type filter hook output priority 0;
    icmp type destination-unreachable icmp code prot-unreachable drop
  }
}
EOF
  # Jumbo links carry a full-size client packet plus the tunnel: no MSS to lower there.
  if [ "$LAB_JUMBO" = 1 ]; then jumbo_counters "$i"; else backend_mss "$i" on; fi
  start_httpd "$i"
}

# Backend I's decapsulator: gre-decap and its TUN (which goes with it when it stops).
start_decap() {
  local i=$1 be="be$1"
  spawn "gre-decap-$i" "$be" "$LAB_DIR/bin/gre-decap" --tun gre0 --stats "$LAB_DIR/gre-decap-$i.stats"
  wait_for 5 "be$i's TUN" inns "$be" ip link show gre0
  sysctls "$be" net.ipv4.conf.gre0.rp_filter=0
  inns "$be" ip link set gre0 up
}

# Backend I's SYN-ACKs from a VIP advertise at most the MSS whose segments still fit a 1500-byte
# link once tunnelled (on: 1500 - 24 (IPv4 outer + GRE) - 20 - 20 = 1436; 1500 - 44 (IPv6 outer +
# GRE) - 40 - 20 = 1396), or whatever the kernel advertises (off: 1460 and 1440, too big).
backend_mss() {
  local i=$1 on=$2 mss4=$((1500 - 24 - 20 - 20)) mss6=$((1500 - 44 - 40 - 20))
  inns "be$i" nft delete table inet lab_mss 2>/dev/null || true
  [ "$on" = on ] || return 0
  inns "be$i" nft -f - <<EOF
table inet lab_mss {
  chain clamp_syn_ack {
    type filter hook output priority mangle;
    ip saddr $VIP4 tcp flags & (syn | ack) == syn | ack tcp option maxseg size > $mss4 tcp option maxseg size set $mss4
    ip6 saddr $VIP6 tcp flags & (syn | ack) == syn | ack tcp option maxseg size > $mss6 tcp option maxseg size set $mss6
  }
}
EOF
}

# LAB_JUMBO: backend I counts the tunnel packets it receives that carry a full-size client packet
# (1500 + 24 bytes of outer IPv4 and GRE, DF, whole) and every GRE fragment, before any
# reassembly could hide one (prerouting, ahead of defragmentation's -400).
jumbo_counters() {
  inns "be$1" nft -f - <<EOF
table inet lab {
  counter gre_1524_df { }
  counter gre_fragments { }
  chain count_tunnel {
    type filter hook prerouting priority -450;
    ip protocol gre ip length 1524 ip frag-off 0x4000 counter name "gre_1524_df"
    ip protocol gre ip frag-off & 0x3fff != 0 counter name "gre_fragments"
  }
}
EOF
}

start_httpd() {
  local i=$1
  spawn "httpd-$i" "be$i" "$PYTHON" "$LAB_SRC/httpd.py" --name "be$i" --port 80
  wait_for 10 "be$i's HTTP server" inns "be$i" "$PYTHON" -c "import socket; socket.create_connection(('10.0.3.1$i', 80), 1)"
}

# True when the process recorded as NAME is running.
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && running "$pid"; }

# Starts Levitate N's forwarder and announcer, each unless it already runs.
start_lb() {
  local n=$1
  [ -f "$LAB_DIR/lb$n.yaml" ] || write_config "$n" >/dev/null
  mkdir -p "$LAB_DIR/lb$n"
  if alive "forwarder-$n"; then
    log "forwarder $n already runs (pid $(pid_of "forwarder-$n"))"
  else
    start_forwarder "$n"
  fi
  alive "announcer-$n" || spawn "announcer-$n" "lb$n" env LEVITATE_JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1" \
    "$LEVITATE_ROOT/scripts/levitate-announcer" --config "$LAB_DIR/lb$n.yaml"
}

start_forwarder() {
  local n=$1
  spawn "forwarder-$n" "lb$n" env LEVITATE_JAVA_OPTS="-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1" \
    "$LEVITATE_ROOT/scripts/levitate" run --config "$LAB_DIR/lb$n.yaml" --file-prefix "$P-lab-lb$n"
  wait_for 60 "forwarder $n to forward" forwarding "$n" \
    || { tail -20 "$LAB_DIR/forwarder-$n.log" >&2; return 1; }
  ! bare_metal "$n" || kernel_on_tap "$n"
  [ "$LAB_HEALTH_TUNNEL" != 1 ] || health_routes "$n"
}

# LAB_HEALTH_TUNNEL: Levitate N's kernel may send from any address of its health prefix (a local
# route, added with the namespace: no address per backend to add or remove), and its probes to a VIP enter the forwarder
# through a TAP: bare metal, its exception TAP carries the default route already; kernel-homed,
# the probes' own TAP (lvh0), chosen by source address, NOARP (the forwarder rewrites the
# Ethernet header anyway). The answers come back to lN by the router's route to the prefix.
health_routes() {
  local n=$1
  if ! bare_metal "$n"; then
    wait_for 10 "lb$n's health TAP" inns "lb$n" ip link show lvh0
    inns "lb$n" ip link set lvh0 arp off up
    inns "lb$n" ip route replace default dev lvh0 table 100
    inns "lb$n" ip rule del from "10.0.$n.128/28" lookup 100 2>/dev/null || true
    inns "lb$n" ip rule add from "10.0.$n.128/28" lookup 100
    # The answers arrive on lN, whose reverse route (for a probe address) is lvh0.
    sysctls "lb$n" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 "net.ipv4.conf.l$n.rp_filter=0"
  fi
}

# True once forwarder N forwards; fails the wait at once if it exited.
forwarding() {
  grep -q 'levitate: forwarding' "$LAB_DIR/forwarder-$1.log" && return 0
  running "$(pid_of "forwarder-$1")" || { log "forwarder $1 exited"; return 2; }
  return 1
}

# True when Levitate N runs like a bare-metal machine whose NIC DPDK owns (see the header).
bare_metal() { [ "$LAB_EXCEPTION" = 1 ] && [ "$1" = 2 ]; }

start_lb_namespace() {
  local n=$1
  ip netns add "$(ns "lb$n")"
  inns "lb$n" ip link set lo up
  veth "l$n" "lb$n" "rl$n" router "$LINK_MTU"
  addr router "rl$n" "10.0.$n.1/24"
  addr6 router "rl$n" "fd00:$n::1/64"
  # Backends' answers to Levitate N's health probes (a production network announces or routes it).
  [ "$LAB_HEALTH_TUNNEL" != 1 ] || inns router ip route add "10.0.$n.128/28" via "10.0.$n.2"
  sysctls "lb$n" net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
  # Before the forwarder starts its checks: they bind to these addresses (health_routes).
  [ "$LAB_HEALTH_TUNNEL" != 1 ] || inns "lb$n" ip route add local "10.0.$n.128/28" dev lo
  if bare_metal "$n"; then
    # The veth is the forwarder's alone, as a NIC bound to vfio-pci would be: no address, and
    # the kernel ignores what arrives on it (af_packet still sees every frame: its tap is ahead
    # of these hooks). The kernel's address lives on the exception path's TAP (kernel_on_tap).
    sysctls "lb$n" "net.ipv6.conf.l$n.disable_ipv6=1"
    inns "lb$n" nft -f - <<EOF
table netdev dpdk_owns_l$n {
  chain ingress { type filter hook ingress device "l$n" priority 0; drop; }
}
EOF
    return
  fi
  addr "lb$n" "l$n" "10.0.$n.2/24"
  addr6 "lb$n" "l$n" "fd00:$n::2/64"
  # The kernel here carries BGP and health checks only; VIP packets are the forwarder's.
  inns "lb$n" ip route add default via "10.0.$n.1"
  inns "lb$n" ip -6 route add default via "fd00:$n::1"
}

# Bare-metal Levitate N: once the forwarder made its exception TAP (lvx0, the veth's MAC), the
# kernel's address and routes go there; BGP and health checks then cross the forwarder.
kernel_on_tap() {
  local n=$1
  wait_for 10 "lb$n's exception interface" inns "lb$n" ip link show lvx0
  inns "lb$n" ip addr add "10.0.$n.2/24" dev lvx0
  inns "lb$n" ip -6 addr add "fd00:$n::2/64" dev lvx0 nodad
  inns "lb$n" ip link set lvx0 up
  inns "lb$n" ip route replace default via "10.0.$n.1" dev lvx0
  inns "lb$n" ip -6 route replace default via "fd00:$n::1" dev lvx0
}

# The router's daemons, either kind: same peers, same timers, BFD toward both Levitates, and
# the two Levitates' VIP routes merged into one kernel route with two nexthops.
# BGP: keepalive 1 s, hold 3 s, reconnect after 1 s (both daemons' defaults take minutes to
# notice and recover); BFD: the announcers' interval (BFD_INTERVAL_MS), and 300 ms between
# packets while a session is not Up (bird's default, 1 s, would add seconds to a rejoin).
bird_config() {
  cat <<EOF
# the lab's router (written by scripts/lab/lab.sh)
router id 10.100.0.1;
protocol device { }
protocol direct { ipv4; ipv6; }
# merge paths: one kernel route with a nexthop per Levitate announcing the VIP (ECMP).
protocol kernel k4 { ipv4 { export filter { if source = RTS_BGP then accept; reject; }; }; merge paths on; }
protocol kernel k6 { ipv6 { export filter { if source = RTS_BGP then accept; reject; }; }; merge paths on; }
protocol bfd {
  interface "rl*" {
    min rx interval $BFD_INTERVAL_MS ms; min tx interval $BFD_INTERVAL_MS ms; idle tx interval 300 ms;
    multiplier $BFD_MULTIPLIER;
  };
}
template bgp levitate {
  local as 65000;
  hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 2;
  bfd on;
  ipv4 { import all; export none; };
  ipv6 { import all; export none; };
}
protocol bgp lb1 from levitate { neighbor 10.0.1.2 as 65001; source address 10.0.1.1; }
protocol bgp lb2 from levitate { neighbor 10.0.2.2 as 65001; source address 10.0.2.1; }
EOF
}

# FRR: zebra (the kernel FIB), bfdd and bgpd, one configuration file each.
# - no bgp ebgp-requires-policy: else FRR 8 neither accepts nor sends eBGP routes without a
#   policy; the route-map levitate-out denies everything outbound instead (bird: export none);
# - maximum-paths 2 in both families: else FRR installs one best path, not the ECMP route;
# - graceful restart off (FRR is a helper by default): a dead Levitate's routes must go at once,
#   not linger as stale (the announcers do not ask for it; this keeps it that way);
# - zebra without kernel nexthop groups, so `ip route` shows the nexthops in the route itself,
#   as it does for bird's.
frr_config() {
  local dir=$1 n
  cat >"$dir/zebra.conf" <<EOF
! the lab's router, zebra (written by scripts/lab/lab.sh)
hostname lab-router
no zebra nexthop kernel enable
EOF
  cat >"$dir/bfdd.conf" <<EOF
! the lab's router, bfdd (written by scripts/lab/lab.sh)
hostname lab-router
bfd
 profile levitate
  transmit-interval $BFD_INTERVAL_MS
  receive-interval $BFD_INTERVAL_MS
  detect-multiplier $BFD_MULTIPLIER
 exit
exit
EOF
  {
    cat <<EOF
! the lab's router, bgpd (written by scripts/lab/lab.sh)
frr defaults traditional
hostname lab-router
route-map levitate-out deny 10
exit
router bgp 65000
 bgp router-id 10.100.0.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 bgp graceful-restart-disable
 timers bgp 1 3
 neighbor levitate peer-group
 neighbor levitate remote-as 65001
 neighbor levitate timers connect 1
 neighbor levitate bfd
 neighbor levitate bfd profile levitate
EOF
    for n in 1 2; do
      printf ' neighbor 10.0.%d.2 peer-group levitate\n neighbor 10.0.%d.2 update-source 10.0.%d.1\n' "$n" "$n" "$n"
    done
    local family
    for family in ipv4 ipv6; do
      cat <<EOF
 address-family $family unicast
  maximum-paths 2
  neighbor levitate activate
  neighbor levitate route-map levitate-out out
 exit-address-family
EOF
    done
    echo "exit"
  } >"$dir/bgpd.conf"
}

# Starts the router's daemons in its namespace and waits until they answer.
start_router() {
  if [ "$LAB_ROUTER" = bird ]; then
    command -v bird >/dev/null || die "bird2 missing: run scripts/setup.sh"
    bird_config >"$LAB_DIR/bird.conf"
    spawn bird router bird -f -c "$LAB_DIR/bird.conf" -s "$LAB_DIR/bird.ctl" -P "$LAB_DIR/bird.pidfile"
    wait_for 10 "bird" birdc -s "$LAB_DIR/bird.ctl" show status
    return
  fi
  [ -x /usr/lib/frr/bgpd ] || die "FRR missing: run scripts/setup.sh"
  # FRR's daemons drop to user frr: their directory is frr's, and LAB_DIR (a mktemp -d
  # directory, mode 0700, in the tests) must let it through.
  local dir="$LAB_DIR/frr" daemon
  mkdir -p "$dir"
  chmod a+x "$LAB_DIR"
  frr_config "$dir"
  chown -R frr:frr "$dir"
  # zebra first: bfdd and bgpd connect to its socket at start. Foreground (no -d), so the pid
  # spawn records is the daemon's and `down` finds them all in the namespace.
  for daemon in zebra bfdd bgpd; do
    local extra=()
    [ "$daemon" != bfdd ] || extra=(--bfdctl "$dir/bfdd.sock")
    spawn "frr-$daemon" router "/usr/lib/frr/$daemon" -u frr -g frr --log stdout -z "$dir/zserv.api" \
      --vty_socket "$dir" -i "$dir/$daemon.pid" -f "$dir/$daemon.conf" "${extra[@]}"
    wait_for 10 "FRR's $daemon" test -S "$dir/$daemon.vty"
  done
  wait_for 10 "FRR" vtysh --vty_socket "$dir" -c "show bgp summary"
}

# The router's own command line: birdc ARGS, or vtysh -c "ARGS".
router_cli() {
  if [ "$LAB_ROUTER" = bird ]; then
    birdc -s "$LAB_DIR/bird.ctl" "$@"
  else
    vtysh --vty_socket "$LAB_DIR/frr" -c "$*"
  fi
}

# True when the router's BFD session with Levitate N is Up.
router_bfd_up() {
  local n=$1
  if [ "$LAB_ROUTER" = bird ]; then
    router_cli show bfd sessions | grep -Eq "^10\.0\.$n\.2 +[^ ]+ +Up "
  else
    router_cli show bfd peer "10.0.$n.2" json | tr -d ' ' | grep -q '"status":"up"'
  fi
}

# Waits until the router's BFD sessions with Levitates N... are Up: BGP does not wait for BFD,
# and a router acts on a session only once it has been Up (a bare-metal Levitate killed before
# then is noticed only by the BGP hold timer).
cmd_wait_bfd() {
  local seconds=$1 n; shift
  for n in "$@"; do
    wait_for "$seconds" "the router's BFD session with lb$n" router_bfd_up "$n" || { router_status >&2 || true; return 1; }
  done
}

# The router's view of its peers: BGP sessions and BFD sessions.
router_status() {
  if [ "$LAB_ROUTER" = bird ]; then
    router_cli show protocols
    router_cli show bfd sessions
  else
    router_cli show bgp summary
    router_cli show bfd peers brief
  fi
}

cmd_up() {
  [ "$(id -u)" -eq 0 ] || die "run as root (namespaces, DPDK)"
  if [ ! -f "$LEVITATE_ROOT/forwarder/target/levitate.jar" ] || [ ! -f "$LEVITATE_ROOT/bgp-announcer/target/levitate-announcer.jar" ]; then
    die "not built: (cd $LEVITATE_ROOT && mvn -B -q package -DskipTests)"
  fi
  if ip netns list | grep -q "^$P-"; then
    log "namespaces $P-* exist: tearing the previous lab down first"
    cmd_down
  fi
  mkdir -p "$LAB_DIR/bin"
  gcc -O2 -Wall -Wextra -o "$LAB_DIR/bin/gre-decap" "$LAB_SRC/gre-decap.c"

  ip netns add "$(ns client)"
  ip netns add "$(ns router)"
  inns client ip link set lo up
  inns router ip link set lo up
  # Every link is 1500 bytes, the client's too: its full-size segments do not fit a GRE tunnel
  # on the 1500-byte links behind the router, and the router drops ICMP too-big (below), so
  # path MTU discovery cannot rescue them either; the MSS must leave room for the tunnel.
  veth c0 client rc router 1500
  addr client c0 10.100.0.2/24
  addr6 client c0 fd00:100::2/64
  addr router rc 10.100.0.1/24
  addr6 router rc fd00:100::1/64
  inns client ip route add default via 10.100.0.1
  # No MTU probing either (the default, made explicit): a black hole stays one.
  sysctls client net.ipv4.tcp_mtu_probing=0
  # Counters of the client's packets to and from the VIPs: the tests compare them with the
  # Levitates' counters (every packet to the VIP crossed a Levitate; none of the replies did).
  inns client nft -f - <<EOF
table inet lab {
  counter to_vip4 { }
  counter from_vip4 { }
  counter to_vip6 { }
  counter from_vip6 { }
  chain count_egress {
    type filter hook output priority 0;
    ip daddr $VIP4 counter name "to_vip4"
    ip6 daddr $VIP6 counter name "to_vip6"
  }
  chain count_ingress {
    type filter hook input priority 0;
    ip saddr $VIP4 counter name "from_vip4"
    ip6 saddr $VIP6 counter name "from_vip6"
  }
}
EOF
  inns client ip -6 route add default via fd00:100::1
  # Router: forwards; L4 multipath hash (else every flow takes one nexthop); no
  # reverse-path filter (replies from the VIP arrive from the backends, not from the nexthops).
  sysctls router net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
    net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  # Where the backends' answers (source: a VIP) go: to the client, never towards a Levitate (DSR).
  # And the new connections the ECMP hash gave each Levitate (the client's SYNs to a VIP, by the
  # interface they leave on): the tests read these, which cost no levitate stat.
  inns router nft -f - <<EOF
table inet lab {
  counter vip_replies_to_client { }
  counter vip_replies_to_levitate { }
  counter syn_to_lb1 { }
  counter syn_to_lb2 { }
  chain count_forward {
    type filter hook forward priority 0;
    ip daddr $VIP4 tcp flags & (syn | ack) == syn oifname "rl1" counter name "syn_to_lb1"
    ip6 daddr $VIP6 tcp flags & (syn | ack) == syn oifname "rl1" counter name "syn_to_lb1"
    ip daddr $VIP4 tcp flags & (syn | ack) == syn oifname "rl2" counter name "syn_to_lb2"
    ip6 daddr $VIP6 tcp flags & (syn | ack) == syn oifname "rl2" counter name "syn_to_lb2"
    ip saddr $VIP4 oifname "rc" counter name "vip_replies_to_client"
    ip6 saddr $VIP6 oifname "rc" counter name "vip_replies_to_client"
    ip saddr $VIP4 oifname "rl*" counter name "vip_replies_to_levitate"
    ip6 saddr $VIP6 oifname "rl*" counter name "vip_replies_to_levitate"
  }
}
EOF
  # No path MTU discovery across the router: it drops the ICMP too-big errors it would forward
  # (a Levitate's to the client included), as many networks on the Internet do.
  inns router nft -f - <<EOF
table inet lab {
  counter too_big_dropped { }
  chain drop_too_big {
    type filter hook forward priority -10;
    icmp type destination-unreachable icmp code frag-needed counter name "too_big_dropped" drop
    icmpv6 type packet-too-big counter name "too_big_dropped" drop
  }
}
EOF
  inns router ip link add brb type bridge
  inns router ip link set brb up
  addr router brb 10.0.3.1/24
  addr6 router brb fd00:3::1/64
  start_lb_namespace 1
  start_lb_namespace 2
  for i in $(seq 1 "$LAB_BACKENDS"); do start_backend "$i"; done
  if [ "$LAB_JUMBO" = 1 ]; then
    # A bridge made without ports stays at 1500 until told; the client's link is a 1500 one.
    inns router ip link set brb mtu "$LINK_MTU"
    inns client ip link set c0 mtu 1500
    inns router ip link set rc mtu 1500
  fi

  echo "$LAB_ROUTER" >"$LAB_DIR/router"
  start_router

  write_config 1 >/dev/null
  write_config 2 >/dev/null
  start_lb 1 &
  local s1=$!
  start_lb 2 || { wait "$s1" || true; return 1; }
  wait "$s1"
  cmd_wait_nexthops 2 4 60
  [ "$LAB_V6" != 1 ] || cmd_wait_nexthops 2 6 30
  cmd_wait_bfd 30 1 2
  log "up: client -> router ($LAB_ROUTER, ECMP over lb1, lb2) -> backends be1..be$LAB_BACKENDS; VIP $VIP4${LAB_V6:+ and $VIP6}"
}

cmd_down() {
  local n
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-" || true); do
    local pids
    pids=$(ip netns pids "$n" 2>/dev/null || true)
    # shellcheck disable=SC2086 # a list of pids, split on purpose
    [ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
  done
  for _ in $(seq 50); do
    local left=""
    for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-" || true); do
      left+=$(ip netns pids "$n" 2>/dev/null || true)
    done
    [ -n "$left" ] || break
    sleep 0.1
  done
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-" || true); do
    local pids
    pids=$(ip netns pids "$n" 2>/dev/null || true)
    # shellcheck disable=SC2086 # a list of pids, split on purpose
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    ip netns del "$n" 2>/dev/null || true
  done
  # DPDK runtime directories of the lab's forwarders (a killed one leaves its own behind).
  rm -rf /var/run/dpdk/"$P"-lab-lb* 2>/dev/null || true
  rm -f "$LAB_DIR"/*.pid
}

# Nexthops the router's kernel has for the VIP of FAMILY (4 or 6).
cmd_nexthops() {
  local family=${1:-4} vip=$VIP4 route
  [ "$family" = 4 ] || vip=$VIP6
  route=$(inns router ip -"$family" route show "$vip" 2>/dev/null || true)
  if [ -z "$route" ]; then echo 0; return; fi
  local multi
  multi=$(grep -c 'nexthop via' <<<"$route" || true)
  if [ "$multi" -gt 0 ]; then echo "$multi"; else echo 1; fi
}

cmd_wait_nexthops() {
  local count=$1 family=${2:-4} seconds=${3:-30}
  local deadline=$((SECONDS + seconds))
  until [ "$(cmd_nexthops "$family")" = "$count" ]; do
    if [ $SECONDS -ge $deadline ]; then
      log "router: IPv$family VIP has $(cmd_nexthops "$family") nexthop(s), not $count, after ${seconds}s"
      router_status >&2 || true
      return 1
    fi
    sleep 0.05
  done
}

cmd_stat() {
  local n=$1
  "$LEVITATE_ROOT/scripts/levitate" stat --instance "lb$n" --counters-dir "$LAB_DIR/lb$n"
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down; rm -rf "$LAB_DIR" ;;
  status)
    ip netns list | grep "^$P-" || true
    echo "router: $LAB_ROUTER"
    router_status 2>/dev/null || true
    inns router ip route show "$VIP4" 2>/dev/null || true
    inns router ip -6 route show "$VIP6" 2>/dev/null || true ;;
  stat) cmd_stat "$2" ;;
  kill-lb) stop KILL "forwarder-$2" "announcer-$2" ;;
  kill-forwarder) stop KILL "forwarder-$2" ;;
  stop-forwarder) stop TERM "forwarder-$2" ;;
  kill-announcer) stop KILL "announcer-$2" ;;
  start-lb) start_lb "$2" ;;
  stop-httpd) stop TERM "httpd-$2" ;;
  start-httpd) start_httpd "$2" ;;
  stop-decap) stop TERM "gre-decap-$2" ;;
  start-decap) start_decap "$2" ;;
  add-backend) start_backend "$2" ;;
  config) shift; write_config "$@" ;;
  reload) "$LEVITATE_ROOT/scripts/levitate" reload --socket "$LAB_DIR/lb$2/control.sock" ;;
  client) shift; inns client "$PYTHON" "$LAB_SRC/client.py" "$@" ;;
  exec) shift; n=$1; shift; exec ip netns exec "$(ns "$n")" "$@" ;;
  nexthops) cmd_nexthops "${2:-4}" ;;
  wait-nexthops) cmd_wait_nexthops "$2" "${3:-4}" "${4:-30}" ;;
  pid) pid_of "$2" ;;
  router-cli) shift; router_cli "$@" ;;
  wait-bfd) shift; cmd_wait_bfd 30 "$@" ;;
  backend-mss)
    for n in $(ip netns list | awk '{print $1}' | sed -n "s/^$P-be\([0-9]*\)\$/\1/p"); do backend_mss "$n" "$2"; done ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
