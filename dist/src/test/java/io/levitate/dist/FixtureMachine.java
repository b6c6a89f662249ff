package io.levitate.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A machine made of files for install.sh: {@code proc/}, {@code sys/} and a DPDK library
 * directory that pass every preflight check (4 CPUs with SSE4.2, one NUMA node, IOMMU groups,
 * 2M and 1G hugepage pools, an Intel 82599 at {@value #NIC} on ixgbe, DPDK 22.11's libraries and
 * ixgbe PMD), plus stand-ins for dpdk-devbind.py, modprobe, sysctl and systemd-tmpfiles that log their arguments
 * and, for devbind, move the fixture device's driver link as the real one moves the real one. A
 * test breaks one part to make one check fail.
 */
final class FixtureMachine {
    static final String NIC = "0000:03:00.0";
    static final String CPU_FLAGS = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr sse sse2 ht syscall nx pdpe1gb "
            + "rdtscp lm pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx avx2";

    final Path dir;
    final Path proc;
    final Path sys;
    final Path lib;
    final Path log;
    final Path devbind;
    final Path modprobe;
    final Path sysctl;
    final Path tmpfiles;

    FixtureMachine() throws IOException {
        dir = Dist.tempDir("machine-");
        proc = dir.resolve("proc");
        sys = dir.resolve("sys");
        lib = dir.resolve("lib");
        log = dir.resolve("commands.log");
        cpus(4, "GenuineIntel", CPU_FLAGS);
        write(
                proc.resolve("meminfo"),
                "MemTotal:       32000000 kB\nMemFree:        30000000 kB\nMemAvailable:   30000000 kB\n");
        write(
                proc.resolve("cmdline"),
                "BOOT_IMAGE=/vmlinuz-6.1.0-13-amd64 root=/dev/sda1 ro quiet intel_iommu=on iommu=pt\n");
        write(proc.resolve("sys/kernel/numa_balancing"), "1\n");
        write(proc.resolve("sys/vm/stat_interval"), "1\n");
        write(sys.resolve("devices/system/node/node0/cpulist"), "0-3\n");
        Files.createDirectories(sys.resolve("kernel/iommu_groups/0/devices"));
        Files.createDirectories(sys.resolve("kernel/iommu_groups/1/devices"));
        write(sys.resolve("kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), "0\n");
        write(sys.resolve("kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"), "0\n");
        Files.createDirectories(sys.resolve("module/vfio_pci"));
        Files.createDirectories(sys.resolve("bus/pci/drivers/vfio-pci"));
        nic(NIC, "0x020000", "ixgbe", 0);
        for (final String name : List.of("eal", "ethdev", "mbuf", "mempool", "telemetry")) {
            write(lib.resolve("librte_" + name + ".so.23"), "");
        }
        write(lib.resolve("dpdk/pmds-23.0/librte_net_ixgbe.so.23"), "");
        write(log, "");
        devbind = script("dpdk-devbind.py", """
            echo "dpdk-devbind.py $*" >> "%s"
            case $1 in
              --bind=*) drv=${1#--bind=}; mkdir -p "$LEVITATE_SYS/bus/pci/drivers/$drv"
                        ln -sfn "../../drivers/$drv" "$LEVITATE_SYS/bus/pci/devices/$2/driver" ;;
              -u) rm -f "$LEVITATE_SYS/bus/pci/devices/$2/driver" ;;
              *) exit 1 ;;
            esac
            """.formatted(log));
        modprobe = script("modprobe", """
            echo "modprobe $*" >> "%s"
            [ ! -e "%s/modprobe-fails" ]
            """.formatted(log, dir));
        sysctl = script("sysctl", "echo \"sysctl $*\" >> \"" + log + "\"\n");
        tmpfiles = script("systemd-tmpfiles", "echo \"systemd-tmpfiles $*\" >> \"" + log + "\"\n");
    }

    /** The environment that points install.sh at this machine. */
    Map<String, String> env() {
        final Map<String, String> env = new HashMap<>();
        env.put("LEVITATE_PROC", proc.toString());
        env.put("LEVITATE_SYS", sys.toString());
        env.put("LEVITATE_DPDK_LIBDIR", lib.toString());
        env.put("LEVITATE_DEVBIND", devbind.toString());
        env.put("LEVITATE_MODPROBE", modprobe.toString());
        env.put("LEVITATE_SYSCTL", sysctl.toString());
        env.put("LEVITATE_TMPFILES", tmpfiles.toString());
        return env;
    }

    void cpus(final int count, final String vendor, final String flags) throws IOException {
        final StringBuilder cpuinfo = new StringBuilder();
        for (int i = 0; i < count; i++) {
            cpuinfo.append("processor\t: ")
                    .append(i)
                    .append("\nvendor_id\t: ")
                    .append(vendor)
                    .append("\nmodel name\t: Fixture CPU\nflags\t\t: ")
                    .append(flags)
                    .append("\n\n");
        }
        write(proc.resolve("cpuinfo"), cpuinfo.toString());
        write(sys.resolve("devices/system/cpu/online"), count == 1 ? "0\n" : "0-" + (count - 1) + "\n");
    }

    void nic(final String address, final String pciClass, final String driver, final int numaNode) throws IOException {
        final Path dev = sys.resolve("bus/pci/devices/" + address);
        write(dev.resolve("class"), pciClass + "\n");
        write(dev.resolve("numa_node"), numaNode + "\n");
        Files.createDirectories(dev.resolve("net/eth1"));
        Files.createDirectories(sys.resolve("bus/pci/drivers/" + driver));
        Files.deleteIfExists(dev.resolve("driver"));
        Files.createSymbolicLink(dev.resolve("driver"), Path.of("../../drivers/" + driver));
    }

    String driverOf(final String address) throws IOException {
        final Path link = sys.resolve("bus/pci/devices/" + address + "/driver");
        return Files.isSymbolicLink(link)
                ? Files.readSymbolicLink(link).getFileName().toString()
                : "none";
    }

    String hugepages2M() throws IOException {
        return Files.readString(sys.resolve("kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"))
                .strip();
    }

    List<String> commands() throws IOException {
        return Files.readAllLines(log);
    }

    static void write(final Path file, final String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private Path script(final String name, final String body) throws IOException {
        final Path file = dir.resolve("bin").resolve(name);
        write(file, "#!/usr/bin/env bash\nset -eu\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
