package io.levitate.core.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Another, unprivileged user on this machine, for tests of what such a user can do to root's
 * runtime files. A bare uid with no account (setpriv(1) from util-linux switches to it): nothing
 * to create or remove, and no account that could collide with a real one or another test run.
 * Needs root, as the CI has; tests skip with the reason otherwise. Shared through core's test jar
 * by the forwarder's and the announcer's tests of their runtime directories.
 */
public final class OtherUser {
    /** Outside Debian's ranges of system (0-999) and ordinary (1000-59999) accounts. */
    public static final int UID = 61_733;

    private OtherUser() {}

    public static void assumeRoot() throws IOException {
        Assumptions.assumeTrue(
                RuntimeDirectories.effectiveUid() == 0,
                "needs root: only root can act as another user (setpriv) and own what that user cannot change");
    }

    /** Runs a command as {@link #UID} and fails the test unless it exits 0. */
    public static void run(final String... command) throws IOException, InterruptedException {
        final List<String> argv = command(command);
        final Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        }
    }

    /** {@code command} as {@link #UID} (setpriv execs it: same pid). */
    public static List<String> command(final String... command) {
        final List<String> argv =
                new ArrayList<>(List.of("setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups", "--"));
        argv.addAll(List.of(command));
        return argv;
    }

    /**
     * A scratch tree the other user can reach: {@code base} (root, 0755) holding {@code shm}
     * (root, 1777, like /dev/shm), where the other user can create what root will look for.
     * JUnit's temporary directories are 0700, which no other user can enter.
     */
    public static Path scratch() throws IOException {
        final Path base = Files.createTempDirectory(Path.of("/tmp"), "levitate-other-user-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path shm = Files.createDirectory(base.resolve("shm"));
        Files.setAttribute(shm, "unix:mode", 01777);
        return shm;
    }

    /** Removes a scratch tree (whoever owns what is in it: we are root). */
    public static void remove(final Path shm) throws IOException {
        if (shm == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(shm.getParent())) {
            for (final Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
