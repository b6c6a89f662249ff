/**
 * Tests of the bare-metal artifact and installer: the tarball built by {@code mvn -Pdist package}
 * is unpacked and its launchers run on the bundled runtime only; {@code scripts/deploy/install.sh}
 * runs for real against fixture machines (fixture {@code /proc}, {@code /sys}, DPDK library
 * directory and stand-ins for dpdk-devbind.py, modprobe and sysctl) and as a dry run on this
 * machine. Nothing here touches this machine's drivers, hugepages or systemd.
 */
package io.levitate.dist;
