package io.levitate.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * install.sh's preflight checks against fixture machines: one that passes everything, then one
 * fixture broken per case, each failing exactly the check it concerns with a reason and a remedy.
 */
class PreflightIT {
    private static final List<String> CHECKS =
            List.of("cpu-flags", "cores", "numa", "iommu", "hugepages", "nic", "java", "dpdk");

    /** What a case breaks in an otherwise healthy machine; it may add arguments. */
    interface Breakage {
        void apply(FixtureMachine m, List<String> args, Map<String, String> env) throws IOException;
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                failure(
                        "CPU without SSE4.2",
                        "cpu-flags",
                        "missing sse4_2",
                        "SSE4.2 and POPCNT",
                        (m, a, e) -> m.cpus(4, "GenuineIntel", FixtureMachine.CPU_FLAGS.replace(" sse4_2", ""))),
                failure(
                        "1G pages on a CPU without pdpe1gb",
                        "cpu-flags",
                        "no pdpe1gb",
                        "--hugepage-size 2M",
                        (m, a, e) -> {
                            m.cpus(4, "GenuineIntel", FixtureMachine.CPU_FLAGS.replace(" pdpe1gb", ""));
                            a.set(a.indexOf("1024"), "2");
                            a.addAll(List.of("--hugepage-size", "1G"));
                        }),
                failure(
                        "too few cores for the workers",
                        "cores",
                        "2 CPUs online; 2 workers need 3",
                        "set instance.workers to 1",
                        (m, a, e) -> {
                            m.cpus(2, "GenuineIntel", FixtureMachine.CPU_FLAGS);
                            FixtureMachine.write(m.sys.resolve("devices/system/node/node0/cpulist"), "0-1\n");
                            a.addAll(List.of("--workers", "2"));
                        }),
                failure(
                        "a configured worker core that is not online",
                        "cores",
                        "lists CPU 7, which is not online",
                        "pick instance.cores from the online CPUs",
                        (m, a, e) ->
                                a.addAll(List.of("--config", config(m, "[1, 7]").toString()))),
                failure(
                        "workers on the other NUMA node than the NIC",
                        "numa",
                        "CPU 1 is not on node 1 of " + FixtureMachine.NIC,
                        "put the workers on the NIC's node",
                        (m, a, e) -> {
                            FixtureMachine.write(m.sys.resolve("devices/system/node/node0/cpulist"), "0-1\n");
                            FixtureMachine.write(m.sys.resolve("devices/system/node/node1/cpulist"), "2-3\n");
                            FixtureMachine.write(
                                    m.sys.resolve("bus/pci/devices/" + FixtureMachine.NIC + "/numa_node"), "1\n");
                            a.addAll(List.of("--config", config(m, "[1]").toString()));
                        }),
                failure(
                        "no IOMMU (Intel)",
                        "iommu",
                        "no IOMMU groups",
                        "boot with 'intel_iommu=on iommu=pt'",
                        (m, a, e) -> deleteTree(m.sys.resolve("kernel/iommu_groups"))),
                failure(
                        "no IOMMU (AMD)",
                        "iommu",
                        "no IOMMU groups",
                        "boot with 'amd_iommu=on iommu=pt'",
                        (m, a, e) -> {
                            deleteTree(m.sys.resolve("kernel/iommu_groups"));
                            m.cpus(4, "AuthenticAMD", FixtureMachine.CPU_FLAGS);
                        }),
                failure(
                        "no vfio-pci module",
                        "iommu",
                        "vfio-pci module is neither loaded nor loadable",
                        "linux-image-amd64",
                        (m, a, e) -> {
                            deleteTree(m.sys.resolve("module/vfio_pci"));
                            Files.writeString(m.dir.resolve("modprobe-fails"), "");
                        }),
                failure(
                        "not enough memory for the hugepages",
                        "hugepages",
                        "needs 2048 MiB more, MemAvailable is 1000 MiB",
                        "reserve fewer (--hugepages N",
                        (m, a, e) -> FixtureMachine.write(
                                m.proc.resolve("meminfo"), "MemTotal: 2000000 kB\nMemAvailable: 1024000 kB\n")),
                failure(
                        "a kernel without 1G pages",
                        "hugepages",
                        "offers no 1G pages",
                        "--hugepage-size 2M",
                        (m, a, e) -> {
                            deleteTree(m.sys.resolve("kernel/mm/hugepages/hugepages-1048576kB"));
                            a.set(a.indexOf("1024"), "2");
                            a.addAll(List.of("--hugepage-size", "1G"));
                        }),
                failure(
                        "a NIC address that does not exist",
                        "nic",
                        "0000:09:00.0: no such PCI device",
                        "dpdk-devbind.py --status-dev net",
                        (m, a, e) -> a.set(a.indexOf(FixtureMachine.NIC), "0000:09:00.0")),
                failure(
                        "a PCI address that is not a NIC",
                        "nic",
                        "class 0x010802 is not a network controller",
                        "fix instance.ports or --nic",
                        (m, a, e) -> m.nic(FixtureMachine.NIC, "0x010802", "nvme", 0)),
                failure(
                        "a NIC driver DPDK has no PMD for",
                        "nic",
                        "kernel driver 'r8169' has no DPDK 22.11 PMD",
                        "doc.dpdk.org/guides-22.11/nics",
                        (m, a, e) -> m.nic(FixtureMachine.NIC, "0x020000", "r8169", 0)),
                failure(
                        "the NIC's PMD library missing",
                        "nic",
                        "librte_net_ixgbe.so.23 is not in",
                        "apt-get install librte-net-ixgbe23",
                        (m, a, e) -> Files.delete(m.lib.resolve("dpdk/pmds-23.0/librte_net_ixgbe.so.23"))),
                failure(
                        "a Java older than 25",
                        "java",
                        "is not Java 25 (openjdk version \"17.0.13\"",
                        "point LEVITATE_JAVA at a JDK 25 java, or unset it",
                        (m, a, e) ->
                                e.put("LEVITATE_JAVA", fakeJava(m, "17.0.13").toString())),
                failure(
                        "DPDK 22.11 libraries missing",
                        "dpdk",
                        "librte_eal.so.23",
                        "apt-get install dpdk",
                        (m, a, e) -> Files.delete(m.lib.resolve("librte_eal.so.23"))));
    }

    @Test
    void aHealthyMachinePassesEveryCheck() throws Exception {
        final FixtureMachine m = new FixtureMachine();
        final Shell.Result r = preflight(m, baseArgs(), m.env());
        assertEquals(0, r.exitCode(), r::toString);
        for (final String check : CHECKS) {
            assertTrue(r.output().matches("(?s).*preflight  ok    " + check + " .*"), check + " ok in\n" + r);
        }
        assertTrue(
                r.output()
                        .contains(
                                "nic        " + FixtureMachine.NIC + ": ixgbe (eth1) -> vfio-pci, DPDK PMD net_ixgbe"),
                r::toString);
        assertTrue(r.output().contains("all checks passed"), r::toString);
        assertFalse(r.output().contains("remedy:"), r::toString);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void eachFailureNamesItsCheckAndARemedy(
            final String why, final String check, final String reason, final String remedy, final Breakage breakage)
            throws Exception {
        final FixtureMachine m = new FixtureMachine();
        final List<String> args = baseArgs();
        final Map<String, String> env = m.env();
        breakage.apply(m, args, env);
        final Shell.Result r = preflight(m, args, env);
        assertEquals(1, r.exitCode(), r::toString);
        final List<String> lines = r.lines();
        final List<String> failed =
                lines.stream().filter(l -> l.startsWith("preflight  FAIL")).toList();
        assertEquals(1, failed.size(), "exactly one failed check in\n" + r);
        assertTrue(failed.get(0).startsWith("preflight  FAIL  " + String.format("%-9s", check)), r::toString);
        assertTrue(failed.get(0).contains(reason), "reason '" + reason + "' in\n" + r);
        final String next = lines.get(lines.indexOf(failed.get(0)) + 1);
        assertTrue(next.startsWith("           remedy: ") && next.contains(remedy), "remedy '" + remedy + "' in\n" + r);
        assertTrue(r.output().contains("install: preflight: 1 check(s) failed"), r::toString);
    }

    @Test
    void aFailedPreflightStopsTheInstallBeforeAnyChange() throws Exception {
        final FixtureMachine m = new FixtureMachine();
        Files.delete(m.lib.resolve("librte_eal.so.23"));
        final Path stage = m.dir.resolve("stage");
        final List<String> args = new ArrayList<>(List.of("install", "--root", stage.toString(), "--live"));
        args.addAll(baseArgs().subList(1, baseArgs().size()));
        final Shell.Result r = Shell.run(m.env(), null, Shell.concat(installSh(), args));
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.output().contains("install: nothing changed; fix the failures above (or --force)"), r::toString);
        try (Stream<Path> files = Files.walk(stage)) {
            assertEquals(List.of(stage), files.toList(), "staging root left empty");
        }
        assertEquals(List.of(), m.commands(), "no command run");
        assertEquals("ixgbe", m.driverOf(FixtureMachine.NIC));

        // dpdk-devbind.py is needed only when something is to be bound; its absence fails "nic".
        final Map<String, String> env = m.env();
        env.put("LEVITATE_DEVBIND", m.dir.resolve("no-such-devbind").toString());
        Files.writeString(m.lib.resolve("librte_eal.so.23"), "");
        final Shell.Result noDevbind = Shell.run(env, null, Shell.concat(installSh(), args));
        assertEquals(1, noDevbind.exitCode(), noDevbind::toString);
        assertTrue(
                noDevbind.output().contains("FAIL  nic        " + m.dir.resolve("no-such-devbind") + " not found"),
                noDevbind::toString);
        assertTrue(
                noDevbind.output().contains("remedy: apt-get install dpdk (it ships dpdk-devbind.py)"),
                noDevbind::toString);
    }

    static List<String> baseArgs() {
        return new ArrayList<>(
                List.of("preflight", "--nic", FixtureMachine.NIC, "--workers", "1", "--hugepages", "1024"));
    }

    static String installSh() throws IOException, InterruptedException {
        return Dist.home().resolve("scripts/deploy/install.sh").toString();
    }

    private static Shell.Result preflight(
            final FixtureMachine m, final List<String> args, final Map<String, String> env)
            throws IOException, InterruptedException {
        return Shell.run(env, null, Shell.concat(installSh(), args));
    }

    private static Arguments failure(
            final String why, final String check, final String reason, final String remedy, final Breakage breakage) {
        return Arguments.of(why, check, reason, remedy, breakage);
    }

    /** A config with the fixture NIC and these worker cores, as install.sh reads it. */
    private static Path config(final FixtureMachine m, final String cores) throws IOException {
        final Path file = m.dir.resolve("levitate.yaml");
        FixtureMachine.write(file, """
            instance:
              name: lb1
              ports:
                - device: "%s"
              workers: %d
              cores: %s
              main_core: 0
            """.formatted(FixtureMachine.NIC, cores.split(",").length, cores));
        return file;
    }

    private static Path fakeJava(final FixtureMachine m, final String version) throws IOException {
        final Path java = m.dir.resolve("old-jdk/bin/java");
        FixtureMachine.write(java, "#!/bin/sh\necho 'openjdk version \"" + version + "\" 2024-10-15' >&2\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return java;
    }

    private static void deleteTree(final Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (final Path p :
                    walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
