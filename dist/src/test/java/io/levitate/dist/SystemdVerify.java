package io.levitate.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code systemd-analyze verify} of the units a staging root holds. The units name
 * {@code /opt/levitate/current/...}, which exists only inside the root, so a copy of each unit with
 * that prefix pointed into the root is verified: directives, dependencies, and that every Exec
 * command of the staged install exists and is executable. Any output is a finding (systemd
 * prints unknown keys as warnings and still exits 0).
 */
final class SystemdVerify {
    static final List<String> UNITS = List.of("levitate.service", "levitate-announcer.service");

    private SystemdVerify() {}

    static void assertValid(final Path stage) throws IOException, InterruptedException {
        final Path dir = Dist.tempDir("verify-");
        for (final String unit : UNITS) {
            final String text =
                    Files.readString(stage.resolve("etc/systemd/system").resolve(unit));
            Files.writeString(
                    dir.resolve(unit), text.replace("/opt/levitate/current/", stage + "/opt/levitate/current/"));
        }
        final Shell.Result r = Shell.run(Shell.concat(
                "systemd-analyze",
                List.of(
                        "verify",
                        dir.resolve(UNITS.get(0)).toString(),
                        dir.resolve(UNITS.get(1)).toString())));
        if (r.exitCode() != 0 || !r.output().isBlank()) {
            throw new AssertionError("systemd-analyze verify: " + r);
        }
    }
}
