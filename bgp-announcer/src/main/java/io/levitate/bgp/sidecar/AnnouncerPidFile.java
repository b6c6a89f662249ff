package io.levitate.bgp.sidecar;

import io.levitate.core.runtime.RuntimeDirectories;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The running announcer's pid file ({@code <counters_dir>/<instance>/announcer.pid}) and what
 * {@code levitate-announcer drain} checks before it signals the pid written there.
 *
 * <p>Why so careful: drain runs as root and sends SIGUSR1, which ends any process that does not
 * handle it. A pid file another user could write, or a stale one whose pid now belongs to another
 * program, would turn drain into "kill any process". So drain signals only when the directory
 * passes {@link RuntimeDirectories#verify}, the file is a regular file of drain's own user that
 * no one else can write (both {@link RuntimeDirectories#verifyFile}), and the process runs as that
 * same user with the announcer's jar or main class on its command line.
 */
final class AnnouncerPidFile {
    /** What the announcer's command line holds: the main class (java -cp) or the jar (java -jar, the launchers). */
    static final String MAIN_CLASS = AnnouncerMain.class.getName();

    static final String JAR = "levitate-announcer.jar";

    /** The command line quoted in a refusal is cut here: one line for the operator. */
    private static final int QUOTED_COMMAND_LINE = 120;

    private AnnouncerPidFile() {}

    /**
     * Writes this process's pid: a new file (ours, 0644) moved over whatever was there, so an
     * older file's owner or mode never carries over.
     */
    static void write(final Path file) throws IOException {
        final Path tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, ProcessHandle.current().pid() + "\n");
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The pid in the file, once its directory and the file itself pass the checks.
     *
     * @throws NoSuchFileException when there is no pid file (no announcer running).
     * @throws RuntimeDirectories.UnsafeDirectoryException when the directory or the file could be another user's doing.
     * @throws NumberFormatException when the file holds no pid.
     */
    static long read(final Path file) throws IOException {
        RuntimeDirectories.verifyFile(file, "pid file");
        return Long.parseLong(Files.readString(file).trim());
    }

    /**
     * Checks that {@code pid} is a levitate-announcer of this user.
     *
     * @throws NoSuchFileException when the process is gone.
     * @throws NotTheAnnouncerException when it is another program, or another user's.
     */
    static void verifyProcess(final long pid, final Path file) throws IOException {
        final Path proc = Path.of("/proc", Long.toString(pid));
        final int us = RuntimeDirectories.effectiveUid();
        final int owner = RuntimeDirectories.effectiveUid(proc.resolve("status"));
        final String[] argv =
                new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
        if (!namesTheAnnouncer(argv)) {
            String quoted = String.join(" ", argv).replaceAll("\\p{Cntrl}", "?");
            if (quoted.length() > QUOTED_COMMAND_LINE) {
                quoted = quoted.substring(0, QUOTED_COMMAND_LINE) + "...";
            }
            throw new NotTheAnnouncerException(
                    "pid " + pid + " from " + file + " is not a levitate-announcer (its command" + " line: " + quoted
                            + "); a stale or planted pid file: remove it");
        }
        if (owner != us) {
            throw new NotTheAnnouncerException("pid " + pid + " from " + file + " runs as uid " + owner
                    + ", not as uid " + us + " like this drain; only the user the announcer runs as may drain it");
        }
    }

    private static boolean namesTheAnnouncer(final String[] argv) {
        for (final String arg : argv) {
            if (arg.equals(MAIN_CLASS)) {
                return true;
            }
            try {
                final Path name = Path.of(arg).getFileName();
                if (name != null && name.toString().equals(JAR)) {
                    return true;
                }
            } catch (final InvalidPathException notAPath) {
                // An argument that is no path names no jar.
            }
        }
        return false;
    }

    /** The pid file names a process drain must not signal; the message is one line. */
    static final class NotTheAnnouncerException extends IOException {
        private static final long serialVersionUID = 1L;

        NotTheAnnouncerException(final String message) {
            super(message);
        }
    }
}
