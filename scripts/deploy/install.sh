#!/usr/bin/env bash
# Bare-metal installer for Levitate (docs/OPERATIONS.md, "First install"). Idempotent: running it
# again changes nothing that is already in place.
#
#   install.sh [install] [OPTIONS]   preflight, then install (the default subcommand)
#   install.sh preflight [OPTIONS]   the checks only; exit 1 when any fails
#   install.sh uninstall [OPTIONS]   undo: original NIC drivers and hugepages back, files removed
#   install.sh rebind    [OPTIONS]   re-bind the recorded NICs to vfio-pci (levitate.service runs
#                                    this before each start: dpdk-devbind bindings do not survive a
#                                    reboot)
# Options:
#   --dry-run            print every action, change nothing
#   --root DIR           install into a staging root (default /); live actions (reserving
#                        hugepages now, loading vfio-pci, binding NICs, sysctl, systemctl) are then
#                        skipped unless --live is given
#   --live / --no-live   force live actions on or off
#   --nic PCI            a NIC to bind (repeatable); default: the PCI addresses in instance.ports
#   --workers N          default: instance.workers of the config, else 1
#   --hugepages N        pages to reserve (default: as the last install, else 1024 of 2M = 2 GiB,
#                        or 2 of 1G)
#   --hugepage-size 2M|1G
#   --config FILE        the config to read (default ROOT/etc/levitate/levitate.yaml)
#   --force              install even when a preflight check fails
#   --purge              uninstall: remove /etc/levitate too (kept by default)
#
# Where it looks (overridable so every check can be tested against fixture trees):
#   LEVITATE_PROC (/proc)  cpuinfo, meminfo, cmdline, sys/kernel/numa_balancing, sys/vm/stat_interval
#   LEVITATE_SYS  (/sys)   devices/system/{cpu,node}, kernel/iommu_groups, kernel/mm/hugepages,
#                          bus/pci/devices, module/vfio_pci
#   LEVITATE_DPDK_LIBDIR (/usr/lib/x86_64-linux-gnu)   librte_*.so.23 and dpdk/pmds-23.0
#   LEVITATE_JAVA          the java to check (default: the bundled runtime, else JDK 25)
#   LEVITATE_DEVBIND (dpdk-devbind.py), LEVITATE_MODPROBE (modprobe), LEVITATE_SYSCTL (sysctl),
#   LEVITATE_SYSTEMCTL (systemctl), LEVITATE_TMPFILES (systemd-tmpfiles)   the commands live actions run
set -euo pipefail

PROC=${LEVITATE_PROC:-/proc}
SYS=${LEVITATE_SYS:-/sys}
LIBDIR=${LEVITATE_DPDK_LIBDIR:-/usr/lib/x86_64-linux-gnu}
DEVBIND=${LEVITATE_DEVBIND:-dpdk-devbind.py}
MODPROBE=${LEVITATE_MODPROBE:-modprobe}
SYSCTL=${LEVITATE_SYSCTL:-sysctl}
SYSTEMCTL=${LEVITATE_SYSTEMCTL:-systemctl}
TMPFILES=${LEVITATE_TMPFILES:-systemd-tmpfiles}

# DPDK 22.11 as Debian 12 ships it: ABI 23, drivers under dpdk/pmds-23.0.
DPDK_ABI=23
PMD_DIR=dpdk/pmds-23.0
# Debian builds DPDK for the x86-64 "corei7" baseline (DPDK's default for generic builds), and
# EAL refuses to start on a CPU without these (sse3 is "pni" in /proc/cpuinfo).
CPU_FLAGS=(sse sse2 pni ssse3 sse4_1 sse4_2 popcnt)
# Kernel drivers whose devices DPDK drives through its own PMD after a bind to vfio-pci, with
# that PMD's library name (librte_net_NAME.so.23).
declare -A PMD_OF=(
  [ixgbe]=ixgbe [ixgbevf]=ixgbe [i40e]=i40e [iavf]=iavf [ice]=ice [igb]=e1000 [igbvf]=e1000
  [e1000e]=e1000 [e1000]=e1000 [igc]=igc [bnxt_en]=bnxt [virtio-pci]=virtio [vmxnet3]=vmxnet3
  [ena]=ena [enic]=enic [qede]=qede [sfc]=sfc [ionic]=ionic [atlantic]=atlantic [hns3]=hns3
  [gve]=gve [nfp]=nfp [txgbe]=txgbe [ngbe]=ngbe
)
# Bifurcated drivers: the kernel driver stays bound and DPDK's PMD works through it (no vfio).
declare -A BIFURCATED=([mlx5_core]=mlx5 [mlx4_core]=mlx4)
# What sysctl.d/60-levitate.conf sets besides the hugepages, and why (kept in the file too).
SYSCTL_KEYS=(kernel.numa_balancing vm.stat_interval)

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
src=$(cd "$here/../.." && pwd)

die() { echo "install: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# ------------------------------------------------------------------------------------ arguments
cmd=install
case ${1:-} in
  install|uninstall|preflight|rebind) cmd=$1; shift ;;
  -h|--help|help) usage; exit 0 ;;
esac
hp_size_given=false dry=false root=/ live='' nics=() workers='' hp_count='' hp_size=2M config='' force=false purge=false
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry=true; shift ;;
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    --live) live=true; shift ;;
    --no-live) live=false; shift ;;
    --nic) nics+=("${2:?--nic needs a PCI address}"); shift 2 ;;
    --workers) workers=${2:?}; shift 2 ;;
    --hugepages) hp_count=${2:?}; shift 2 ;;
    --hugepage-size) hp_size=${2:?}; hp_size_given=true; shift 2 ;;
    --config) config=${2:?}; shift 2 ;;
    --force) force=true; shift ;;
    --purge) purge=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install: unknown argument '$1' (see: install.sh --help)" >&2; exit 2 ;;
  esac
done
$dry || mkdir -p "$root" 2>/dev/null || die "cannot create --root $root"
root=$(cd "$root" 2>/dev/null && pwd || echo "$root")
[ -n "$live" ] || { [ "$root" = / ] && live=true || live=false; }
R=${root%/}   # prefix for every installed path ("" for /)
# Re-runs (upgrades) keep the hugepage choice of the last install unless told otherwise.
previous_hp=$(sed -n 's/^# install.sh: --hugepage-size \([0-9]*[MG]\) --hugepages \([0-9]*\)$/\1 \2/p' \
  "${root%/}/etc/sysctl.d/60-levitate.conf" 2>/dev/null || true)
if [ -n "$previous_hp" ] && [ -z "$hp_count" ] && ! $hp_size_given; then
  hp_size=${previous_hp% *}; hp_count=${previous_hp#* }
fi
case $hp_size in
  2M) hp_kb=2048; : "${hp_count:=1024}" ;;
  1G) hp_kb=1048576; : "${hp_count:=2}" ;;
  *) echo "install: --hugepage-size must be 2M or 1G, got '$hp_size'" >&2; exit 2 ;;
esac
[[ $hp_count =~ ^[0-9]+$ ]] || { echo "install: --hugepages must be a number of pages" >&2; exit 2; }
[ -z "$workers" ] || [[ $workers =~ ^[1-9][0-9]*$ ]] || { echo "install: --workers must be >= 1" >&2; exit 2; }
: "${config:=$R/etc/levitate/levitate.yaml}"
state=$R/var/lib/levitate/install.state

# ------------------------------------------------------------------------------------- the source
# Either an unpacked artifact (levitate-VERSION/: runtime/, lib/, bin/) or a built checkout
# (forwarder/target/levitate.jar ...; the runtime is then the JDK 25 found below).
if [ -x "$src/runtime/bin/java" ] && [ -f "$src/lib/levitate.jar" ]; then
  layout=dist
  version=$(cat "$src/VERSION")
  default_java=$src/runtime/bin/java
else
  layout=checkout
  version=$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$src/pom.xml" 2>/dev/null | head -1)
  [ -n "$version" ] || die "$src is neither an unpacked Levitate artifact nor a checkout"
  default_java=
  for j in "${JAVA_HOME:-/nonexistent}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk; do
    if [ -x "$j/bin/java" ] && "$j/bin/java" -version 2>&1 | grep -q 'version "25'; then default_java=$j/bin/java; break; fi
  done
fi
JAVA=${LEVITATE_JAVA:-$default_java}

# ----------------------------------------------------------------- the config, read line by line
# install.sh reads instance.workers, instance.cores, instance.main_core and the PCI addresses of
# instance.ports (block style as in the template; cores may be a flow list). The daemon's own
# parser is the authority (`levitate check`); this only sizes and binds.
cfg_value() { [ -f "$config" ] && sed -n "s/^  $1: *\([^#]*\).*/\1/p" "$config" | head -1 | sed 's/ *$//'; }
cfg_workers=$(cfg_value workers || true)
cfg_main_core=$(cfg_value main_core || true)
cfg_cores=$(cfg_value cores | tr -d '[] ' | tr ',' ' ' || true)
: "${workers:=${cfg_workers:-1}}"
main_core=${cfg_main_core:-0}
PCI_RE='^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$'
if [ ${#nics[@]} -eq 0 ] && [ -f "$config" ]; then
  while read -r dev; do
    dev=${dev%%,*}
    [[ $dev =~ $PCI_RE ]] && nics+=("$dev")
  done < <(sed -n 's/^ *- *device: *"\{0,1\}\([^"# ]*\).*/\1/p' "$config")
fi
for i in "${!nics[@]}"; do
  [[ ${nics[$i]} =~ $PCI_RE ]] || { echo "install: --nic '${nics[$i]}' is not a PCI address (0000:03:00.0)" >&2; exit 2; }
  [[ ${nics[$i]} =~ ^[0-9a-fA-F]{4}: ]] || nics[i]=0000:${nics[$i]}
  nics[i]=${nics[$i],,}
done

# ------------------------------------------------------------------------------------- helpers
# Every change goes through these: --dry-run prints it instead.
run() { if $dry; then echo "would: $*"; else echo "+ $*"; "$@"; fi; }
write_file() { # DEST MODE < content
  local dest=$1 mode=$2 content
  content=$(cat)
  if $dry; then
    echo "would: write $dest (mode $mode):"
    printf '%s\n' "$content" | sed 's/^/    | /'
  else
    mkdir -p "$(dirname "$dest")"
    printf '%s\n' "$content" > "$dest.levitate-new"
    chmod "$mode" "$dest.levitate-new"
    mv -f "$dest.levitate-new" "$dest"
    echo "+ wrote $dest"
  fi
}
state_get() { [ -f "$state" ] && awk -v k="$1" -v a="$2" '$1 == k && $2 == a { print $3; exit }' "$state"; }
state_add() { # KEY ARG VALUE: the first record wins (the original, not what we set)
  if [ -n "$(state_get "$1" "$2" || true)" ]; then return; fi
  if $dry; then echo "would: record '$1 $2 $3' in $state"; return; fi
  mkdir -p "$(dirname "$state")"
  echo "$1 $2 $3" >> "$state"
  echo "+ recorded '$1 $2 $3' in $state"
}
expand_list() { # "0-3,8" -> "0 1 2 3 8"
  local part out=()
  IFS=, read -ra parts <<< "$1"
  for part in "${parts[@]}"; do
    if [[ $part =~ ^([0-9]+)-([0-9]+)$ ]]; then mapfile -t -O "${#out[@]}" out < <(seq "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
    elif [[ $part =~ ^[0-9]+$ ]]; then out+=("$part"); fi
  done
  echo "${out[*]}"
}
driver_of() { local l=$SYS/bus/pci/devices/$1/driver; [ -L "$l" ] && basename "$(readlink "$l")" || echo none; }
needs_vfio() { local d; d=$(driver_of "$1"); [ -z "${BIFURCATED[$d]:-}" ]; }
hp_dir() { echo "$SYS/kernel/mm/hugepages/hugepages-${hp_kb}kB"; }

# ------------------------------------------------------------------------------------ preflight
failures=0
verdict() { # ok|warn|FAIL|skip NAME DETAIL [REMEDY]
  printf 'preflight  %-4s  %-9s  %s\n' "$1" "$2" "$3"
  [ -z "${4:-}" ] || printf '           remedy: %s\n' "$4"
  [ "$1" != FAIL ] || failures=$((failures + 1))
}

check_cpu_flags() {
  local flags missing=() f
  flags=" $(sed -n 's/^flags[[:space:]]*: //p' "$PROC/cpuinfo" 2>/dev/null | head -1) "
  for f in "${CPU_FLAGS[@]}"; do [[ $flags == *" $f "* ]] || missing+=("$f"); done
  if [ "$hp_size" = 1G ] && [[ $flags != *" pdpe1gb "* ]]; then missing+=(pdpe1gb); fi
  if [ ${#missing[@]} -eq 0 ]; then
    verdict ok cpu-flags "${CPU_FLAGS[*]}${hp_size/2M/} present (Debian's DPDK 22.11 needs the corei7 baseline)"
  elif [ "${missing[*]}" = pdpe1gb ]; then
    verdict FAIL cpu-flags "no pdpe1gb: this CPU has no 1G pages" "use --hugepage-size 2M"
  else
    verdict FAIL cpu-flags "missing ${missing[*]} in $PROC/cpuinfo" \
      "Debian's DPDK 22.11 is built for SSE4.2 and POPCNT (corei7 baseline) and EAL will not start without them: use a CPU from 2009 or later; in a VM, pass the host CPU model through (e.g. qemu -cpu host)"
  fi
}

online_cpus() {
  if [ -r "$SYS/devices/system/cpu/online" ]; then expand_list "$(cat "$SYS/devices/system/cpu/online")"
  else seq 0 $(($(grep -c '^processor' "$PROC/cpuinfo") - 1)); fi
}

check_cores() {
  local online n need c bad=()
  online=$(online_cpus)
  n=$(wc -w <<< "$online")
  need=$((workers + 1))
  for c in $cfg_cores; do [[ " $online " == *" $c "* ]] || bad+=("$c"); done
  if [ "$n" -lt "$need" ]; then
    verdict FAIL cores "$n CPUs online; $workers workers need $need (one each, plus the main core)" \
      "set instance.workers to $((n > 1 ? n - 1 : 1)) (or --workers), or use a machine with at least $need cores"
  elif [ ${#bad[@]} -gt 0 ]; then
    verdict FAIL cores "instance.cores lists CPU ${bad[*]}, which is not online (online: $(printf '%s' "$online" | tr -s ' \n' ','))" \
      "pick instance.cores from the online CPUs, not $main_core (the main core)"
  else
    verdict ok cores "$n CPUs online, $workers workers + main core $main_core"
  fi
}

check_numa() {
  local nodes=() node nic nn cpus c bad=() detail=
  for node in "$SYS"/devices/system/node/node[0-9]*; do [ -d "$node" ] && nodes+=("${node##*/node}"); done
  if [ ${#nodes[@]} -le 1 ]; then
    verdict ok numa "${#nodes[@]} NUMA node(s): nothing to align"
    return
  fi
  for nic in "${nics[@]}"; do
    nn=$(cat "$SYS/bus/pci/devices/$nic/numa_node" 2>/dev/null || echo -1)
    if [ "$nn" -lt 0 ]; then detail+="$nic on an unknown node; "; continue; fi
    cpus=" $(expand_list "$(cat "$SYS/devices/system/node/node$nn/cpulist")") "
    for c in $cfg_cores; do [[ $cpus == *" $c "* ]] || bad+=("CPU $c is not on node $nn of $nic (node $nn has $(cat "$SYS/devices/system/node/node$nn/cpulist"))"); done
    detail+="$nic on node $nn; "
  done
  if [ ${#bad[@]} -gt 0 ]; then
    verdict FAIL numa "${#nodes[@]} nodes; ${bad[0]}" \
      "put the workers on the NIC's node (instance.cores); crossing the interconnect for every packet costs 20-40 %. --force accepts it"
  else
    verdict ok numa "${#nodes[@]} nodes; ${detail:-no PCI NIC configured}${cfg_cores:+cores $cfg_cores}"
  fi
}

check_iommu() {
  local vfio=() nic groups cmdline vendor param
  for nic in "${nics[@]}"; do [ -d "$SYS/bus/pci/devices/$nic" ] && needs_vfio "$nic" && vfio+=("$nic"); done
  if [ ${#vfio[@]} -eq 0 ]; then
    verdict skip iommu "no NIC to bind to vfio-pci"
    return
  fi
  groups=$( { find "$SYS/kernel/iommu_groups" -mindepth 1 -maxdepth 1 2>/dev/null || true; } | wc -l)
  cmdline=$(cat "$PROC/cmdline" 2>/dev/null || true)
  vendor=$(sed -n 's/^vendor_id[[:space:]]*: //p' "$PROC/cpuinfo" | head -1)
  param="intel_iommu=on iommu=pt"; [ "$vendor" = AuthenticAMD ] && param="amd_iommu=on iommu=pt"
  if [ ! -d "$SYS/module/vfio_pci" ] && ! $MODPROBE -n -q vfio-pci 2>/dev/null; then
    verdict FAIL iommu "the vfio-pci module is neither loaded nor loadable" \
      "install the distribution kernel's modules (apt-get install linux-image-amd64) and reboot into it"
  elif [ "$groups" -gt 0 ]; then
    verdict ok iommu "$groups IOMMU groups; vfio-pci available"
  elif grep -qs Y "$SYS/module/vfio/parameters/enable_unsafe_noiommu_mode"; then
    verdict warn iommu "no IOMMU groups; vfio runs in unsafe no-IOMMU mode (needs CAP_SYS_ADMIN, no DMA isolation)"
  else
    verdict FAIL iommu "no IOMMU groups in $SYS/kernel/iommu_groups: vfio-pci cannot take ${vfio[*]} (kernel command line: ${cmdline:-empty})" \
      "enable VT-d/AMD-Vi in the firmware and boot with '$param' (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot)"
  fi
}

check_hugepages() {
  local dir cur avail_kb need_kb
  dir=$(hp_dir)
  if [ ! -d "$dir" ]; then
    verdict FAIL hugepages "the kernel offers no $hp_size pages ($dir missing)" \
      "$( [ "$hp_size" = 1G ] && echo "use --hugepage-size 2M, or a CPU and kernel with 1G pages" || echo "boot a kernel with CONFIG_HUGETLBFS (Debian's has it)")"
    return
  fi
  cur=$(cat "$dir/nr_hugepages")
  avail_kb=$(awk '/^MemAvailable:/ { print $2 }' "$PROC/meminfo")
  need_kb=$(( (hp_count - cur) * hp_kb ))
  if [ "$cur" -ge "$hp_count" ]; then
    verdict ok hugepages "$cur x $hp_size reserved (want $hp_count)"
  elif [ "$need_kb" -gt "${avail_kb:-0}" ]; then
    verdict FAIL hugepages "$hp_count x $hp_size needs $((need_kb / 1024)) MiB more, MemAvailable is $(( ${avail_kb:-0} / 1024 )) MiB" \
      "reserve fewer (--hugepages N; conntrack needs 64 MiB per million entries per worker, mbufs about 2 KiB each), add memory, or reserve at boot: default_hugepagesz=$hp_size hugepagesz=$hp_size hugepages=$hp_count on the kernel command line"
  else
    verdict ok hugepages "$cur x $hp_size reserved now; will reserve $hp_count ($(( hp_count * hp_kb / 1024 )) MiB of $(( avail_kb / 1024 )) MiB available)"
  fi
}

check_nics() {
  local nic dev drv pmd cls net failed=0
  if [ ${#nics[@]} -eq 0 ]; then
    verdict skip nic "no PCI port in instance.ports and no --nic (vdev-only configuration): nothing to bind"
    return
  fi
  for nic in "${nics[@]}"; do
    dev=$SYS/bus/pci/devices/$nic
    if [ ! -d "$dev" ]; then
      verdict FAIL nic "$nic: no such PCI device" "list the NICs with 'dpdk-devbind.py --status-dev net' (or lspci -D) and fix instance.ports or --nic"
      failed=1; continue
    fi
    cls=$(cat "$dev/class" 2>/dev/null || echo 0x000000)
    if [[ $cls != 0x02* ]]; then
      verdict FAIL nic "$nic: class $cls is not a network controller" "fix instance.ports or --nic: 'dpdk-devbind.py --status-dev net' lists the NICs"
      failed=1; continue
    fi
    drv=$(driver_of "$nic")
    net=$(find "$dev/net" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort | paste -sd, - || true)
    if [ "$drv" = vfio-pci ]; then
      verdict ok nic "$nic: bound to vfio-pci already (original driver: $(state_get nic "$nic" || echo unrecorded))"
    elif [ -n "${BIFURCATED[$drv]:-}" ]; then
      pmd=${BIFURCATED[$drv]}
      if [ -e "$LIBDIR/$PMD_DIR/librte_net_$pmd.so.$DPDK_ABI" ]; then
        verdict ok nic "$nic: $drv stays bound (bifurcated: DPDK's $pmd PMD works through it, no vfio-pci)"
      else
        verdict FAIL nic "$nic: $drv needs DPDK's $pmd PMD, not found in $LIBDIR/$PMD_DIR" "apt-get install librte-net-$pmd$DPDK_ABI rdma-core"
        failed=1
      fi
    elif [ -n "${PMD_OF[$drv]:-}" ]; then
      pmd=${PMD_OF[$drv]}
      if [ -e "$LIBDIR/$PMD_DIR/librte_net_$pmd.so.$DPDK_ABI" ]; then
        verdict ok nic "$nic: $drv${net:+ ($net)} -> vfio-pci, DPDK PMD net_$pmd${net:+; the kernel loses $net}"
      else
        verdict FAIL nic "$nic: $drv's DPDK PMD librte_net_$pmd.so.$DPDK_ABI is not in $LIBDIR/$PMD_DIR" "apt-get install librte-net-$pmd$DPDK_ABI (or the whole 'dpdk' package)"
        failed=1
      fi
    else
      verdict FAIL nic "$nic: kernel driver '$drv' has no DPDK 22.11 PMD this installer knows" \
        "check https://doc.dpdk.org/guides-22.11/nics/ for the device; if a PMD supports it, bind it yourself (dpdk-devbind.py --bind=vfio-pci $nic) and use --nic only for known drivers"
      failed=1
    fi
  done
  if [ $failed -eq 0 ] && [ "$cmd" != preflight ] && ! command -v "$DEVBIND" >/dev/null 2>&1; then
    for nic in "${nics[@]}"; do
      if needs_vfio "$nic" && [ "$(driver_of "$nic")" != vfio-pci ]; then
        verdict FAIL nic "$DEVBIND not found (needed to bind $nic)" "apt-get install dpdk (it ships dpdk-devbind.py)"
        break
      fi
    done
  fi
}

check_java() {
  local out
  if [ -z "$JAVA" ]; then
    verdict FAIL java "no bundled runtime and no JDK 25" \
      "install the Levitate artifact (it bundles its runtime), or Temurin 25 (apt-get install temurin-25-jdk from the Adoptium repository) or set LEVITATE_JAVA to a JDK 25 java"
    return
  fi
  out=$("$JAVA" -version 2>&1 | head -1 || true)
  if [[ $out == *'version "25'* ]]; then
    verdict ok java "$JAVA: $out"
  else
    local remedy="install Temurin 25 (apt-get install temurin-25-jdk) or point LEVITATE_JAVA at a JDK 25 java"
    if [ -n "${LEVITATE_JAVA:-}" ]; then
      remedy="point LEVITATE_JAVA at a JDK 25 java, or unset it$( [ "$layout" = dist ] && echo " (the artifact's own runtime is used then)")"
    elif [ "$layout" = dist ]; then
      remedy="the bundled runtime is damaged: unpack the artifact again"
    fi
    verdict FAIL java "$JAVA is not Java 25 (${out:-does not run})" "$remedy"
  fi
}

check_dpdk() {
  local lib missing=()
  for lib in eal ethdev mbuf mempool telemetry; do
    [ -e "$LIBDIR/librte_$lib.so.$DPDK_ABI" ] || missing+=("librte_$lib.so.$DPDK_ABI")
  done
  [ -d "$LIBDIR/$PMD_DIR" ] || missing+=("$PMD_DIR/")
  if [ ${#missing[@]} -eq 0 ]; then
    verdict ok dpdk "DPDK 22.11 (ABI $DPDK_ABI) libraries in $LIBDIR"
  else
    verdict FAIL dpdk "missing in $LIBDIR: ${missing[*]}" \
      "apt-get install dpdk (Debian 12 ships DPDK 22.11, ABI $DPDK_ABI, which the native shim is built against)"
  fi
}

preflight() {
  echo "install: preflight of Levitate $version ($layout at $src) for $workers workers, ${#nics[@]} NIC(s), $hp_count x $hp_size hugepages"
  check_cpu_flags
  check_cores
  check_numa
  check_iommu
  check_hugepages
  check_nics
  check_java
  check_dpdk
  if [ $failures -gt 0 ]; then
    echo "install: preflight: $failures check(s) failed"
    return 1
  fi
  echo "install: preflight: all checks passed"
}

# ------------------------------------------------------------------------------------- install
install_runtime() {
  local dest=$R/opt/levitate/$version prev j
  prev=$(readlink "$R/opt/levitate/current" 2>/dev/null || true)
  run mkdir -p "$R/opt/levitate"
  run rm -rf "$dest.levitate-new"
  if [ "$layout" = dist ]; then
    run mkdir -p "$dest.levitate-new"
    for j in bin runtime lib scripts share VERSION MODULES; do
      [ -e "$src/$j" ] && run cp -a "$src/$j" "$dest.levitate-new/"
    done
  else
    if [ ! -f "$src/forwarder/target/levitate.jar" ] || [ ! -f "$src/bgp-announcer/target/levitate-announcer.jar" ]; then
      die "the checkout has no built jars: run mvn -B package -DskipTests (or install from the artifact: mvn -Pdist package)"
    fi
    run mkdir -p "$dest.levitate-new/bin" "$dest.levitate-new/lib/native" "$dest.levitate-new/scripts/deploy/systemd" "$dest.levitate-new/share/doc"
    run cp "$src/forwarder/target/levitate.jar" "$src/bgp-announcer/target/levitate-announcer.jar" "$dest.levitate-new/lib/"
    run cp "$src/native-bindings/target/classes/native/linux-x86_64/liblevitate_shim.so" "$dest.levitate-new/lib/native/"
    run cp "$here/install.sh" "$here/levitate.yaml.template" "$here/launcher.template" "$dest.levitate-new/scripts/deploy/"
    run cp "$here"/systemd/levitate.service "$here"/systemd/levitate-announcer.service "$dest.levitate-new/scripts/deploy/systemd/"
    run cp "$src"/docs/CONFIG.md "$src"/docs/OPERATIONS.md "$src"/docs/COUNTERS.md "$src"/docs/levitate.example.yaml "$dest.levitate-new/share/doc/"
    local flags
    flags=$(sed -n 's/^LEVITATE_JVM_FLAGS="\(.*\)"$/\1/p' "$src/scripts/env.sh")
    for j in "levitate levitate.jar" "levitate-announcer levitate-announcer.jar -Xmx128m"; do
      # shellcheck disable=SC2086 # "name jar [opts]", split on purpose
      set -- $j
      sed -e "s|@NAME@|$1|g" -e "s|@VERSION@|$version|g" -e "s|@WRITER@|scripts/deploy/install.sh from a checkout|g" \
          -e "s|@JAVA_NOTE@|the system JDK 25 (this install has no bundled runtime)|g" -e "s|@JAVA@|$JAVA|g" \
          -e "s|@JVM_FLAGS@|$flags|g" -e "s|@EXTRA_OPTS@|${3:-}|g" -e "s|@JAR@|$2|g" "$here/launcher.template" \
        | write_file "$dest.levitate-new/bin/$1" 0755
    done
    echo "$version" | write_file "$dest.levitate-new/VERSION" 0644
  fi
  run rm -rf "$dest"
  run mv "$dest.levitate-new" "$dest"
  run ln -sfn "$version" "$R/opt/levitate/current"
  [ -z "$prev" ] || [ "$prev" = "$version" ] || echo "install: previous version $prev kept in /opt/levitate/$prev (roll back: ln -sfn $prev /opt/levitate/current; systemctl restart levitate)"
  run mkdir -p "$R/usr/local/bin"
  run ln -sfn /opt/levitate/current/bin/levitate "$R/usr/local/bin/levitate"
  run ln -sfn /opt/levitate/current/bin/levitate-announcer "$R/usr/local/bin/levitate-announcer"
}

install_config() {
  local cores_csv nic0 host
  if [ -f "$R/etc/levitate/levitate.yaml" ]; then
    echo "install: keeping the existing $R/etc/levitate/levitate.yaml (never overwritten)"
    return
  fi
  cores_csv=$(seq -s ', ' "$((main_core + 1))" "$((main_core + workers))")
  nic0=${nics[0]:-0000:03:00.0}
  host=$(hostname -s 2>/dev/null | tr -c 'A-Za-z0-9_.\n-' '-' || true)
  run mkdir -p "$R/etc/levitate"
  run chmod 0750 "$R/etc/levitate"
  cfg_cores=${cores_csv//,/}
  sed -e "s|@HOSTNAME@|${host:-lb1}|" -e "s|@NIC@|$nic0|" -e "s|@WORKERS@|$workers|" -e "s|@CORES@|$cores_csv|" \
      "$here/levitate.yaml.template" | write_file "$R/etc/levitate/levitate.yaml" 0640
  echo "install: wrote $R/etc/levitate/levitate.yaml from the template: edit it, then 'levitate check' it"
}

install_units() {
  local affinity=$main_core c
  # Re-read: the config may just have been written (in a dry run, install_config set them).
  [ -n "$cfg_cores" ] || cfg_cores=$(cfg_value cores | tr -d '[] ' | tr ',' ' ' || true)
  for c in $cfg_cores; do affinity+=" $c"; done
  sed -e "s|^CPUAffinity=@CPU_AFFINITY@$|CPUAffinity=$affinity|" -e "/^CPUAffinity=$main_core$/d" \
      "$here/systemd/levitate.service" \
    | write_file "$R/etc/systemd/system/levitate.service" 0644
  write_file "$R/etc/systemd/system/levitate-announcer.service" 0644 < "$here/systemd/levitate-announcer.service"
  if [ "$root" = / ]; then
    if $live && [ -d /run/systemd/system ]; then run "$SYSTEMCTL" daemon-reload; fi
    run "$SYSTEMCTL" --quiet enable levitate.service levitate-announcer.service
  else
    # Offline enable, even with --live: the same symlinks, made inside the staging root only.
    run "$SYSTEMCTL" --root="$root" --quiet enable levitate.service levitate-announcer.service
  fi
}

install_tmpfiles() {
  # The default counters_dir is in /dev/shm, where any user may create it first and then own what
  # root puts there. systemd-tmpfiles-setup creates it at every boot, before anyone can log in.
  {
    echo "# Written by Levitate's install.sh; removed by 'install.sh uninstall'."
    echo "# instance.counters_dir (default /dev/shm/levitate): root's, readable by all (levitate stat), writable by"
    echo "# root alone; created at boot before any user could create it. The daemons refuse it otherwise."
    echo "d /dev/shm/levitate 0755 root root -"
  } | write_file "$R/etc/tmpfiles.d/levitate.conf" 0644
  if $live; then run "$TMPFILES" --create "$R/etc/tmpfiles.d/levitate.conf"; fi
}

install_sysctl() {
  local key
  for key in "${SYSCTL_KEYS[@]}"; do
    state_add sysctl "$key" "$(cat "$PROC/sys/${key//.//}" 2>/dev/null || echo unset)"
  done
  {
    echo "# Written by Levitate's install.sh; removed by 'install.sh uninstall'. The next line is read back"
    echo "# by install.sh when it runs again without --hugepages."
    echo "# install.sh: --hugepage-size $hp_size --hugepages $hp_count"
    if [ "$hp_size" = 2M ]; then
      echo "# $hp_count x 2M hugepages for DPDK (mbuf pools, conntrack): reserved at every boot."
      echo "vm.nr_hugepages = $hp_count"
    else
      echo "# 1G hugepages are reserved on the kernel command line (see install.sh's advice), not here."
    fi
    echo "# No NUMA balancing: it unmaps pages to sample accesses, stalling the busy-poll workers."
    echo "kernel.numa_balancing = 0"
    echo "# vmstat's per-CPU timer once every 10 s instead of every second: less jitter on worker cores."
    echo "vm.stat_interval = 10"
  } | write_file "$R/etc/sysctl.d/60-levitate.conf" 0644
  if $live; then run "$SYSCTL" -q -p "$R/etc/sysctl.d/60-levitate.conf"; fi
}

reserve_hugepages() {
  local dir got
  dir=$(hp_dir)
  state_add hugepages "$hp_kb" "$(cat "$dir/nr_hugepages" 2>/dev/null || echo 0)"
  if [ "$hp_size" = 1G ]; then
    echo "install: 1G pages must be reserved at boot to be reliable: add"
    echo "install:   default_hugepagesz=1G hugepagesz=1G hugepages=$hp_count"
    echo "install: to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub, reboot"
  fi
  $live || { echo "install: hugepages: live reservation skipped (staging root); sysctl.d reserves them at boot"; return; }
  if $dry; then echo "would: echo $hp_count > $dir/nr_hugepages"; return; fi
  echo "+ echo $hp_count > $dir/nr_hugepages"
  echo "$hp_count" > "$dir/nr_hugepages"
  got=$(cat "$dir/nr_hugepages")
  if [ "$got" -lt "$hp_count" ]; then
    echo "install: warning: only $got of $hp_count $hp_size pages reserved (memory fragmented); they will be at the next boot" >&2
  fi
}

bind_nics() {
  local nic drv any=false
  for nic in "${nics[@]}"; do needs_vfio "$nic" && any=true; done
  $any || return 0
  printf '%s\n' "# vfio-pci: the driver DPDK uses for NICs bound away from the kernel (Levitate install.sh)." \
    vfio-pci | write_file "$R/etc/modules-load.d/levitate.conf" 0644
  for nic in "${nics[@]}"; do
    drv=$(driver_of "$nic")
    needs_vfio "$nic" || continue
    # Recorded before the bind, so a failure half-way still leaves uninstall the original driver.
    state_add nic "$nic" "$drv"
  done
  $live || { echo "install: NIC binding skipped (staging root): 'install.sh rebind' or the first start of levitate.service does it"; return 0; }
  rebind_nics
}

rebind_nics() {
  local nic
  [ -f "$state" ] || { echo "install: rebind: no $state, nothing recorded"; return 0; }
  while read -r key nic _; do
    [ "$key" = nic ] || continue
    if [ "$(driver_of "$nic")" = vfio-pci ]; then
      echo "install: $nic is bound to vfio-pci"
      continue
    fi
    [ -d "$SYS/module/vfio_pci" ] || run "$MODPROBE" vfio-pci
    run "$DEVBIND" --bind=vfio-pci "$nic"
    if ! $dry && [ "$(driver_of "$nic")" != vfio-pci ]; then die "$nic is still on $(driver_of "$nic") after the bind"; fi
  done < "$state"
}

do_install() {
  if ! $dry && [ "$root" = / ] && [ "$(id -u)" -ne 0 ]; then die "installing into / needs root (or: --dry-run, --root DIR)"; fi
  if ! preflight; then
    if $force; then echo "install: --force: going on despite the failed checks"
    else echo "install: nothing changed; fix the failures above (or --force)"; exit 1; fi
  fi
  echo "install: installing Levitate $version into ${root}$($dry && echo ' (dry run: nothing is changed)')$($live || echo ' (no live actions)')"
  install_runtime
  install_config
  install_units
  install_tmpfiles
  install_sysctl
  reserve_hugepages
  bind_nics
  echo "install: done. Next: edit /etc/levitate/levitate.yaml, 'levitate check' it, 'systemctl start levitate'"
}

# ----------------------------------------------------------------------------------- uninstall
do_uninstall() {
  local key a v dir
  if ! $dry && [ "$root" = / ] && [ "$(id -u)" -ne 0 ]; then die "uninstalling from / needs root"; fi
  echo "install: uninstalling Levitate from ${root}$($dry && echo ' (dry run: nothing is changed)')"
  if [ "$root" = / ] && $live; then
    # The announcer first: it withdraws the VIPs before the forwarder stops forwarding.
    run "$SYSTEMCTL" disable --now levitate-announcer.service levitate.service || true
  elif [ -f "$R/etc/systemd/system/levitate.service" ]; then
    run "$SYSTEMCTL" --root="$root" --quiet disable levitate-announcer.service levitate.service
  fi
  if [ -f "$state" ]; then
    while read -r key a v; do
      case $key in
        nic)
          if ! $live; then echo "install: $a: driver restore to $v skipped (no live actions)"; continue; fi
          if [ "$v" = none ]; then run "$DEVBIND" -u "$a"; else run "$DEVBIND" --bind="$v" "$a"; fi ;;
        hugepages)
          dir=$SYS/kernel/mm/hugepages/hugepages-${a}kB
          if $live; then
            if $dry; then echo "would: echo $v > $dir/nr_hugepages"; else echo "+ echo $v > $dir/nr_hugepages"; echo "$v" > "$dir/nr_hugepages"; fi
          fi ;;
        sysctl)
          if $live && [ "$v" != unset ]; then run "$SYSCTL" -q -w "$a=$v"; fi ;;
      esac
    done < "$state"
  else
    echo "install: no $state: no NIC drivers or hugepages to restore"
  fi
  run rm -f "$R/etc/systemd/system/levitate.service" "$R/etc/systemd/system/levitate-announcer.service" \
    "$R/etc/sysctl.d/60-levitate.conf" "$R/etc/modules-load.d/levitate.conf" "$R/etc/tmpfiles.d/levitate.conf" \
    "$R/usr/local/bin/levitate" "$R/usr/local/bin/levitate-announcer"
  run rm -rf "$R/opt/levitate"
  if [ "$root" = / ] && $live && [ -d /run/systemd/system ]; then run "$SYSTEMCTL" daemon-reload; fi
  if $purge; then run rm -rf "$R/etc/levitate"
  elif [ -e "$R/etc/levitate" ]; then echo "install: kept $R/etc/levitate (the configuration); --purge removes it"; fi
  run rm -f "$state"
  echo "install: uninstalled"
}

case $cmd in
  preflight) preflight ;;
  install) do_install ;;
  uninstall) do_uninstall ;;
  rebind) rebind_nics ;;
esac
