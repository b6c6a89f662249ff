#!/usr/bin/env bash
# Builds liblevitate_shim.so against the installed DPDK (pkg-config libdpdk) into $1.
# Called by the Maven build (native-bindings, generate-resources); scripts/setup.sh installs
# libdpdk-dev and pkg-config first.
set -euo pipefail
out=${1:?usage: build-shim.sh OUTDIR}
src=$(cd "$(dirname "$0")" && pwd)
if ! pkg-config --exists libdpdk; then
  echo "build-shim: pkg-config cannot find libdpdk; run scripts/setup.sh (installs libdpdk-dev)" >&2
  exit 1
fi
mkdir -p "$out"
# --no-as-needed keeps the rte_* libraries as DT_NEEDED entries even where the shim calls them
# only through inline functions, so dlopen of the shim makes every binding's symbol visible.
gcc -O3 -fPIC -shared -Wall -Wextra -Werror \
  $(pkg-config --cflags libdpdk) \
  "$src/levitate_shim.c" -o "$out/liblevitate_shim.so" \
  -Wl,--no-as-needed -lrte_ethdev -lrte_mbuf -lrte_mempool -lrte_eal -lrte_telemetry
echo "build-shim: built $out/liblevitate_shim.so against DPDK $(pkg-config --modversion libdpdk)"
