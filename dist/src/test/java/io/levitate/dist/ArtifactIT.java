package io.levitate.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The tarball of {@code mvn -Pdist package}, unpacked and run with nothing but its own runtime:
 * a clean environment (no JAVA_HOME; PATH has the machine's Java 17, which must not be used).
 */
class ArtifactIT {
    @Test
    void holdsOneVersionedDirectoryWithRuntimeJarsShimScriptsAndUnits() throws Exception {
        final Shell.Result list = Shell.run("tar", "-tzf", Dist.TARBALL.toString());
        assertEquals(0, list.exitCode(), list::toString);
        final Set<String> tops = list.lines().stream().map(l -> l.split("/")[0]).collect(Collectors.toSet());
        assertEquals(Set.of(Dist.NAME), tops, "one top directory, named with the version");
        final Path home = Dist.home();
        for (final String file : List.of(
                "bin/levitate",
                "bin/levitate-announcer",
                "runtime/bin/java",
                "scripts/deploy/install.sh",
                "runtime/bin/jcmd")) {
            assertTrue(Files.isExecutable(home.resolve(file)), file + " executable");
        }
        for (final String file : List.of(
                "lib/levitate.jar",
                "lib/levitate-announcer.jar",
                "lib/native/liblevitate_shim.so",
                "scripts/deploy/systemd/levitate.service",
                "scripts/deploy/systemd/levitate-announcer.service",
                "scripts/deploy/levitate.yaml.template",
                "scripts/deploy/launcher.template",
                "share/doc/OPERATIONS.md",
                "share/doc/CONFIG.md",
                "share/doc/levitate.example.yaml")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file + " present");
        }
        assertEquals(Dist.VERSION, Files.readString(home.resolve("VERSION")).strip());
        assertTrue(
                Files.readString(home.resolve("runtime/release")).contains("JAVA_VERSION=\"25"),
                "the runtime is Java 25");
        assertFalse(Files.getPosixFilePermissions(home.resolve("lib/levitate.jar"))
                .contains(PosixFilePermission.OTHERS_WRITE));
    }

    @Test
    void versionComesFromTheProjectAndRunsOnTheBundledRuntime() throws Exception {
        final Path home = Dist.home();
        final Shell.Result version = Shell.run(home.resolve("bin/levitate").toString(), "--version");
        assertEquals(0, version.exitCode(), version::toString);
        assertEquals("levitate " + Dist.VERSION, version.output().strip());

        // The JVM that runs is the bundled one: java.home as the JVM itself reports it.
        final Shell.Result settings = Shell.run(
                Map.of("LEVITATE_JAVA_OPTS", "-XshowSettings:properties"),
                null,
                home.resolve("bin/levitate").toString(),
                "--version");
        assertEquals(0, settings.exitCode(), settings::toString);
        assertTrue(
                settings.output()
                        .contains("java.home = " + home.resolve("runtime").toRealPath()),
                settings::toString);
        assertTrue(settings.output().contains("java.specification.version = 25"), settings::toString);
    }

    @Test
    void checkValidatesAndRejectsWithPositions() throws Exception {
        final Path home = Dist.home();
        final Path example = home.resolve("share/doc/levitate.example.yaml");
        final Shell.Result ok = Shell.run(home.resolve("bin/levitate").toString(), "check", example.toString());
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(ok.output().contains(": OK: 3 services, 7 backends"), ok::toString);

        final Path bad = Dist.tempDir("check-").resolve("bad.yaml");
        Files.writeString(bad, Files.readString(example).replace("weight: 50", "weight: 70000"));
        final Shell.Result rejected = Shell.run(home.resolve("bin/levitate").toString(), "check", bad.toString());
        assertEquals(1, rejected.exitCode(), rejected::toString);
        assertTrue(
                rejected.output()
                        .matches(
                                "(?s).*bad\\.yaml:\\d+:\\d+: services\\[0]\\.backends\\[2]\\.weight: must be 0\\.\\.65535.*"),
                rejected::toString);
    }

    @Test
    void announcerRunsFromTheArtifact() throws Exception {
        final Path home = Dist.home();
        final Path noBgp = Dist.tempDir("announcer-").resolve("no-bgp.yaml");
        Files.writeString(noBgp, "instance:\n  name: lb1\nservices: []\n");
        final Shell.Result r =
                Shell.run(home.resolve("bin/levitate-announcer").toString(), "--config", noBgp.toString());
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.output().contains(noBgp + ":1:1: missing required key 'bgp'"), r::toString);
    }

    @Test
    void runtimeHoldsEveryModuleJdepsFindsInTheJars() throws Exception {
        final Path home = Dist.home();
        final Shell.Result jdeps = Shell.run(
                Dist.BUILD_JDK.resolve("bin/jdeps").toString(),
                "--multi-release",
                "25",
                "--ignore-missing-deps",
                "--print-module-deps",
                home.resolve("lib/levitate.jar").toString(),
                home.resolve("lib/levitate-announcer.jar").toString());
        assertEquals(0, jdeps.exitCode(), jdeps::toString);
        final Set<String> needed =
                new TreeSet<>(Arrays.asList(jdeps.output().strip().split(",")));
        assertTrue(needed.contains("java.base") && needed.size() > 1, needed::toString);

        final Shell.Result list = Shell.run(home.resolve("runtime/bin/java").toString(), "--list-modules");
        assertEquals(0, list.exitCode(), list::toString);
        final Set<String> present =
                list.lines().stream().map(l -> l.split("@")[0]).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(present.containsAll(needed), "runtime " + present + " lacks some of " + needed);
        // Nothing beyond what the jars need, plus jdk.jcmd (kept on purpose) and what those require.
        assertFalse(present.contains("java.desktop") || present.contains("java.sql"), present::toString);
    }

    @Test
    void forwarderRunsOnDpdkWithTheShippedShim() throws Exception {
        final Path home = Dist.home();
        final Path shim = home.resolve("lib/native/liblevitate_shim.so");
        final Shell.Result ldd = Shell.run("ldd", shim.toString());
        assertEquals(0, ldd.exitCode(), ldd::toString);
        assertTrue(ldd.output().contains("librte_ethdev.so.23") && !ldd.output().contains("not found"), ldd::toString);

        // An empty java.io.tmpdir: NativeLibrary would extract the packed shim there if the launcher
        // did not point -Dlevitate.shim at the shipped one.
        final Path work = Dist.tempDir("run-");
        final Path tmp = Files.createDirectories(work.resolve("tmp"));
        final Shell.Result run = Shell.run(
                Map.of("LEVITATE_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp),
                work,
                home.resolve("bin/levitate").toString(),
                "run",
                "--port",
                "net_null0",
                "--port",
                "net_null1",
                "--workers",
                "1",
                "--duration",
                "1",
                "--no-huge",
                "--memory-mb",
                "256",
                "--instance",
                "dist-it",
                "--counters-dir",
                work.resolve("counters").toString(),
                "--file-prefix",
                "levitate-dist-it");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.output().contains("stopped: workers joined"), run::toString);
        assertTrue(run.output().matches("(?s).*worker 0: rx [1-9][0-9]* tx [1-9].*"), "packets forwarded:\n" + run);
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(
                    List.of(),
                    left.filter(p -> p.getFileName().toString().contains("shim"))
                            .toList(),
                    "no shim extracted to java.io.tmpdir");
        }
    }
}
