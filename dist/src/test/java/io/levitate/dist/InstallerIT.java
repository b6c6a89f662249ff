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
import org.junit.jupiter.api.Test;

/**
 * install.sh from the unpacked artifact: into a staging root against a fixture machine (with its
 * live actions: hugepages, vfio-pci, the NIC bind, sysctl), again (idempotent), uninstalled (the
 * original driver and hugepage count back); and as a dry run, on a fixture and on this machine.
 */
class InstallerIT {
    private static final String NIC = FixtureMachine.NIC;

    @Test
    void installsIntoAStagingRootThenAgainThenUninstalls() throws Exception {
        final FixtureMachine m = new FixtureMachine();
        final Path stage = m.dir.resolve("stage");
        final Path home = Dist.home();
        final Shell.Result first = install(
                m,
                "install",
                "--root",
                stage.toString(),
                "--live",
                "--nic",
                NIC,
                "--workers",
                "2",
                "--hugepages",
                "64");
        assertEquals(0, first.exitCode(), first::toString);

        // The runtime: a versioned directory, "current" pointing at it, commands on the PATH.
        final Path opt = stage.resolve("opt/levitate");
        assertEquals(Path.of(Dist.VERSION), Files.readSymbolicLink(opt.resolve("current")));
        assertEquals(
                Path.of("/opt/levitate/current/bin/levitate"),
                Files.readSymbolicLink(stage.resolve("usr/local/bin/levitate")));
        assertEquals(
                Path.of("/opt/levitate/current/bin/levitate-announcer"),
                Files.readSymbolicLink(stage.resolve("usr/local/bin/levitate-announcer")));
        final Path installed = opt.resolve("current");
        final Shell.Result version = Shell.run(installed.resolve("bin/levitate").toString(), "--version");
        assertEquals("levitate " + Dist.VERSION, version.output().strip(), version::toString);
        assertEquals(Files.size(home.resolve("lib/levitate.jar")), Files.size(installed.resolve("lib/levitate.jar")));

        // The config: written from the template, for the NIC and workers given, and valid.
        final Path config = stage.resolve("etc/levitate/levitate.yaml");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
        final String yaml = Files.readString(config);
        assertTrue(
                yaml.contains("- device: \"" + NIC + "\"")
                        && yaml.contains("workers: 2")
                        && yaml.contains("cores: [1, 2]"),
                yaml);
        final Shell.Result check = Shell.run(installed.resolve("bin/levitate").toString(), "check", config.toString());
        assertEquals(0, check.exitCode(), check::toString);

        // The units: filled in, enabled inside the staging root, and valid for systemd.
        final Path units = stage.resolve("etc/systemd/system");
        final String forwarder = Files.readString(units.resolve("levitate.service"));
        assertTrue(forwarder.contains("\nCPUAffinity=0 1 2\n"), forwarder);
        assertFalse(forwarder.contains("@"), "no placeholder left");
        assertTrue(
                forwarder.contains("\nLimitMEMLOCK=infinity\n")
                        && forwarder.contains("\nExecReload=/bin/kill -HUP $MAINPID\n")
                        && forwarder.contains(
                                "\nCapabilityBoundingSet=CAP_IPC_LOCK CAP_NET_ADMIN CAP_NET_RAW CAP_SYS_RAWIO\n")
                        && forwarder.contains("\nRestart=on-failure\n")
                        && forwarder.contains("\nRuntimeDirectory=levitate\nRuntimeDirectoryMode=0700\n"),
                forwarder);
        final String announcer = Files.readString(units.resolve("levitate-announcer.service"));
        assertTrue(
                announcer.contains("\nBindsTo=levitate.service\n")
                        && announcer.contains("\nPartOf=levitate.service\n")
                        && announcer.contains("\nBefore=levitate.service\n")
                        && !announcer.contains("After=levitate.service"),
                announcer);
        assertEquals(
                Path.of("/etc/systemd/system/levitate.service"),
                Files.readSymbolicLink(units.resolve("multi-user.target.wants/levitate.service")));
        assertEquals(
                Path.of("/etc/systemd/system/levitate-announcer.service"),
                Files.readSymbolicLink(units.resolve("levitate.service.wants/levitate-announcer.service")));
        SystemdVerify.assertValid(stage);

        // Kernel settings: persistent files, and the live state of the fixture machine.
        assertTrue(
                Files.readString(stage.resolve("etc/sysctl.d/60-levitate.conf")).contains("\nvm.nr_hugepages = 64\n"));
        assertTrue(Files.readAllLines(stage.resolve("etc/modules-load.d/levitate.conf"))
                .contains("vfio-pci"));
        assertEquals("64", m.hugepages2M());
        assertEquals("vfio-pci", m.driverOf(NIC));
        // The counters directory: root's 0755 at every boot, before any user could make it (and now).
        assertTrue(Files.readAllLines(stage.resolve("etc/tmpfiles.d/levitate.conf"))
                .contains("d /dev/shm/levitate 0755 root root -"));
        assertEquals(
                List.of(
                        "systemd-tmpfiles --create " + stage.resolve("etc/tmpfiles.d/levitate.conf"),
                        "sysctl -q -p " + stage.resolve("etc/sysctl.d/60-levitate.conf"),
                        "dpdk-devbind.py --bind=vfio-pci " + NIC),
                m.commands());
        final Path state = stage.resolve("var/lib/levitate/install.state");
        final List<String> recorded = Files.readAllLines(state);
        assertTrue(
                recorded.containsAll(List.of(
                        "nic " + NIC + " ixgbe",
                        "hugepages 2048 0",
                        "sysctl kernel.numa_balancing 1",
                        "sysctl vm.stat_interval 1")),
                recorded::toString);

        // Again: nothing to bind, the original driver stays recorded, the edited config is kept.
        Files.writeString(config, yaml + "# edited by the operator\n");
        final Shell.Result second = install(
                m,
                "install",
                "--root",
                stage.toString(),
                "--live",
                "--nic",
                NIC,
                "--workers",
                "2",
                "--hugepages",
                "64");
        assertEquals(0, second.exitCode(), second::toString);
        assertTrue(second.output().contains("keeping the existing " + config), second::toString);
        assertTrue(Files.readString(config).endsWith("# edited by the operator\n"));
        assertTrue(
                second.output()
                        .contains("preflight  ok    nic        " + NIC
                                + ": bound to vfio-pci already (original driver: ixgbe)"),
                second::toString);
        assertEquals(recorded, Files.readAllLines(state));
        assertEquals(
                1,
                m.commands().stream()
                        .filter(c -> c.startsWith("dpdk-devbind.py"))
                        .count(),
                m.commands()::toString);

        // Uninstall with the installed copy of install.sh: everything back, the config kept.
        final Shell.Result removed = Shell.run(
                m.env(),
                null,
                installed.resolve("scripts/deploy/install.sh").toString(),
                "uninstall",
                "--root",
                stage.toString(),
                "--live");
        assertEquals(0, removed.exitCode(), removed::toString);
        assertEquals("ixgbe", m.driverOf(NIC));
        assertEquals("0", m.hugepages2M());
        assertTrue(
                m.commands()
                        .containsAll(List.of(
                                "dpdk-devbind.py --bind=ixgbe " + NIC,
                                "sysctl -q -w kernel.numa_balancing=1",
                                "sysctl -q -w vm.stat_interval=1")),
                m.commands()::toString);
        for (final String gone : List.of(
                "opt/levitate",
                "usr/local/bin/levitate",
                "etc/systemd/system/levitate.service",
                "etc/systemd/system/levitate-announcer.service",
                "etc/systemd/system/multi-user.target.wants/levitate.service",
                "etc/sysctl.d/60-levitate.conf",
                "etc/modules-load.d/levitate.conf",
                "etc/tmpfiles.d/levitate.conf",
                "var/lib/levitate/install.state")) {
            assertFalse(Files.exists(stage.resolve(gone), java.nio.file.LinkOption.NOFOLLOW_LINKS), gone + " removed");
        }
        assertTrue(Files.exists(config), "the configuration is kept");
        assertTrue(removed.output().contains("kept " + stage.resolve("etc/levitate")), removed::toString);

        final Shell.Result purged = install(m, "uninstall", "--root", stage.toString(), "--purge");
        assertEquals(0, purged.exitCode(), purged::toString);
        assertFalse(Files.exists(stage.resolve("etc/levitate")));
    }

    @Test
    void anUpgradeInstallsBesideTheOldVersionAndKeepsConfigAndRecords() throws Exception {
        final FixtureMachine m = new FixtureMachine();
        final Path stage = m.dir.resolve("stage");
        assertEquals(
                0,
                install(m, "--root", stage.toString(), "--live", "--nic", NIC, "--hugepages", "64")
                        .exitCode());
        final Path config = stage.resolve("etc/levitate/levitate.yaml");
        final String yaml = Files.readString(config);
        final List<String> recorded = Files.readAllLines(stage.resolve("var/lib/levitate/install.state"));

        // The next release: the same artifact with another version, unpacked elsewhere.
        final Path next = m.dir.resolve("levitate-9.9.9");
        final Shell.Result copy = Shell.run("cp", "-a", Dist.home().toString(), next.toString());
        assertEquals(0, copy.exitCode(), copy::toString);
        Files.writeString(next.resolve("VERSION"), "9.9.9\n");
        final Shell.Result upgrade = Shell.run(
                m.env(),
                null,
                next.resolve("scripts/deploy/install.sh").toString(),
                "--root",
                stage.toString(),
                "--live",
                "--nic",
                NIC);
        assertEquals(0, upgrade.exitCode(), upgrade::toString);
        // Without --hugepages the upgrade keeps the last install's choice, not the default 1024.
        assertTrue(
                Files.readString(stage.resolve("etc/sysctl.d/60-levitate.conf")).contains("\nvm.nr_hugepages = 64\n"));
        assertEquals("64", m.hugepages2M());
        assertEquals(Path.of("9.9.9"), Files.readSymbolicLink(stage.resolve("opt/levitate/current")));
        assertTrue(
                Files.isExecutable(stage.resolve("opt/levitate/" + Dist.VERSION + "/bin/levitate")),
                "old version kept");
        assertTrue(
                upgrade.output()
                        .contains("previous version " + Dist.VERSION + " kept in /opt/levitate/" + Dist.VERSION
                                + " (roll back: ln -sfn " + Dist.VERSION
                                + " /opt/levitate/current; systemctl restart levitate)"),
                upgrade::toString);
        assertEquals(yaml, Files.readString(config));
        assertEquals(recorded, Files.readAllLines(stage.resolve("var/lib/levitate/install.state")));
        assertEquals("vfio-pci", m.driverOf(NIC));
        assertEquals(
                1,
                m.commands().stream()
                        .filter(c -> c.startsWith("dpdk-devbind.py"))
                        .count(),
                m.commands()::toString);

        final Shell.Result removed = install(m, "uninstall", "--root", stage.toString(), "--live");
        assertEquals(0, removed.exitCode(), removed::toString);
        assertFalse(Files.exists(stage.resolve("opt/levitate")), "every version removed");
        assertEquals("ixgbe", m.driverOf(NIC));
    }

    @Test
    void aStagingRootWithoutLiveLeavesTheMachineAlone() throws Exception {
        final FixtureMachine m = new FixtureMachine();
        final Path stage = m.dir.resolve("stage");
        final Shell.Result r = install(m, "--root", stage.toString(), "--nic", NIC, "--hugepages", "64");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(Files.isRegularFile(stage.resolve("etc/systemd/system/levitate.service")));
        assertEquals(List.of(), m.commands(), "no live command");
        assertEquals("ixgbe", m.driverOf(NIC));
        assertEquals("0", m.hugepages2M());
        // The driver to restore is recorded all the same: the first start binds it (rebind).
        assertTrue(Files.readAllLines(stage.resolve("var/lib/levitate/install.state"))
                .contains("nic " + NIC + " ixgbe"));
        assertTrue(r.output().contains("NIC binding skipped (staging root)"), r::toString);
    }

    @Test
    void rebindBindsTheRecordedNicsAndNothingElse() throws Exception {
        final FixtureMachine m = new FixtureMachine();
        m.nic("0000:04:00.0", "0x020000", "i40e", 0);
        final Path stage = m.dir.resolve("stage");
        assertEquals(
                0,
                install(m, "--root", stage.toString(), "--nic", NIC, "--hugepages", "64")
                        .exitCode());
        final Shell.Result r = install(m, "rebind", "--root", stage.toString(), "--live");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("vfio-pci", m.driverOf(NIC));
        assertEquals("i40e", m.driverOf("0000:04:00.0"));
        final Shell.Result again = install(m, "rebind", "--root", stage.toString(), "--live");
        assertTrue(again.output().contains(NIC + " is bound to vfio-pci"), again::toString);
        assertEquals(List.of("dpdk-devbind.py --bind=vfio-pci " + NIC), m.commands());
    }

    @Test
    void dryRunOnAFixturePrintsEveryActionAndDoesNone() throws Exception {
        final FixtureMachine m = new FixtureMachine();
        final Path stage = m.dir.resolve("stage");
        final Shell.Result r =
                install(m, "--dry-run", "--root", stage.toString(), "--live", "--nic", NIC, "--hugepages", "64");
        assertEquals(0, r.exitCode(), r::toString);
        final Path hp = m.sys.resolve("kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
        for (final String action : List.of(
                "would: mv " + stage + "/opt/levitate/" + Dist.VERSION + ".levitate-new " + stage + "/opt/levitate/"
                        + Dist.VERSION,
                "would: ln -sfn " + Dist.VERSION + " " + stage + "/opt/levitate/current",
                "would: write " + stage + "/etc/levitate/levitate.yaml (mode 0640):",
                "would: write " + stage + "/etc/systemd/system/levitate.service (mode 0644):",
                "    | CPUAffinity=0 1",
                "would: write " + stage + "/etc/systemd/system/levitate-announcer.service (mode 0644):",
                "would: systemctl --root=" + stage + " --quiet enable levitate.service levitate-announcer.service",
                "would: write " + stage + "/etc/tmpfiles.d/levitate.conf (mode 0644):",
                "    | d /dev/shm/levitate 0755 root root -",
                "would: " + m.tmpfiles + " --create " + stage + "/etc/tmpfiles.d/levitate.conf",
                "would: write " + stage + "/etc/sysctl.d/60-levitate.conf (mode 0644):",
                "    | vm.nr_hugepages = 64",
                "would: " + m.sysctl + " -q -p " + stage + "/etc/sysctl.d/60-levitate.conf",
                "would: echo 64 > " + hp,
                "would: write " + stage + "/etc/modules-load.d/levitate.conf (mode 0644):",
                "would: record 'nic " + NIC + " ixgbe' in " + stage + "/var/lib/levitate/install.state")) {
            assertTrue(r.lines().contains(action), "'" + action + "' in\n" + r);
        }
        assertFalse(Files.exists(stage), "nothing created, not even the root");
        assertEquals(List.of(), m.commands());
        assertEquals("0", m.hugepages2M());
        assertEquals("ixgbe", m.driverOf(NIC));
        assertEquals(
                List.of(), r.lines().stream().filter(l -> l.startsWith("+ ")).toList(), "no action done");
    }

    @Test
    void dryRunOnThisMachineChangesNothing() throws Exception {
        final List<Path> watched = List.of(
                Path.of("/opt/levitate"),
                Path.of("/etc/levitate"),
                Path.of("/etc/systemd/system/levitate.service"),
                Path.of("/etc/sysctl.d/60-levitate.conf"),
                Path.of("/etc/tmpfiles.d/levitate.conf"),
                Path.of("/var/lib/levitate"),
                Path.of("/usr/local/bin/levitate"));
        final List<Boolean> before = exist(watched);
        final Path nr = Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
        final String hugepages = Files.readString(nr);
        // This machine's /proc, /sys and DPDK; no NIC to bind, so a vdev-only plan.
        final Shell.Result r = Shell.run(Map.of(), null, PreflightIT.installSh(), "--dry-run", "--hugepages", "64");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(
                r.output().contains("preflight  ok    java       " + Dist.home().resolve("runtime/bin/java")),
                r::toString);
        assertTrue(
                r.output()
                        .contains(
                                "preflight  ok    dpdk       DPDK 22.11 (ABI 23) libraries in /usr/lib/x86_64-linux-gnu"),
                r::toString);
        assertTrue(r.lines().contains("would: ln -sfn " + Dist.VERSION + " /opt/levitate/current"), r::toString);
        assertTrue(r.lines().contains("would: write /etc/systemd/system/levitate.service (mode 0644):"), r::toString);
        assertTrue(r.lines().contains("would: echo 64 > " + nr), r::toString);
        assertEquals(before, exist(watched), "nothing created or removed");
        assertEquals(hugepages, Files.readString(nr), "hugepages untouched");
    }

    private static Shell.Result install(final FixtureMachine m, final String... args)
            throws IOException, InterruptedException {
        return Shell.run(m.env(), null, Shell.concat(PreflightIT.installSh(), List.of(args)));
    }

    private static List<Boolean> exist(final List<Path> paths) {
        final List<Boolean> out = new ArrayList<>();
        for (final Path p : paths) {
            out.add(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
        return out;
    }
}
