#!/usr/bin/env bash
# Idempotent machine setup: checks for JDK 25 and installs the Debian packages Levitate needs.
# Does nothing (and says so) when everything is present.
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"

# --- JDK 25 -------------------------------------------------------------------------------
if ! "${JAVA_HOME:-/nonexistent}/bin/java" -version 2>&1 | grep -q 'version "25'; then
  cat >&2 <<'MSG'
setup: JDK 25 not found. Levitate needs Java 25 (Panama FFM).
  Install Temurin 25 so that /usr/lib/jvm/temurin-25-jdk-amd64/bin/java exists, e.g.
    apt-get install temurin-25-jdk      (with the Adoptium apt repository configured)
  or set JAVA_HOME to a JDK 25 before running this script.
MSG
  exit 1
fi

# --- Debian packages ----------------------------------------------------------------------
# dpdk/dpdk-dev/libdpdk-dev: EAL, PMDs, testpmd, headers for the shim; dpdk-doc: the l3fwd
# example sources the bench builds; libpcap-dev, pkg-config, gcc, make: the shim and l3fwd;
# tshark: independent dissector in tests; bird2/gobgpd/frr: real BGP peers; nftables, ethtool,
# iproute2: the network-namespace lab; maven: the build; python3: DPDK's telemetry client and
# dpdk-devbind.py; systemd: systemd-analyze, which the dist tests verify the units with;
# dnsmasq-base: the real DNS server the dns health checks are tested against (the binary only,
# no service started); and the shellcheck package, with which scripts/test.sh checks every shell
# script in scripts/.
packages=(dpdk dpdk-dev libdpdk-dev dpdk-doc libpcap-dev pkg-config gcc make maven
          tshark bird2 gobgpd frr nftables ethtool iproute2 python3 systemd dnsmasq-base shellcheck)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: JDK 25 at $JAVA_HOME; all ${#packages[@]} Debian packages present; nothing to do"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
