package io.levitate.bgp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.core.runtime.OtherUser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What another user can do to root's announcer through its runtime directory, with the real
 * launcher: a counters directory made first by another user, or writable by others, stops the
 * announcer with one line; a pid file drain cannot trust (in another user's directory, of another
 * user, naming a program that is not the announcer, or an announcer look-alike of another user)
 * makes drain refuse and signal nothing. The target is a process that blocks SIGUSR1, reports
 * what is pending, then unblocks it: it lives through that only if nothing was sent (the default
 * action of SIGUSR1 ends a process), which is how "it survived" is proven without waiting.
 */
class RuntimeFilesIT {
    private static final Path LAUNCHER =
            Path.of(System.getProperty("user.dir")).resolveSibling("scripts").resolve("levitate-announcer");
    private static final String MAIN_CLASS = "io.levitate.bgp.sidecar.AnnouncerMain";

    private Path shm;
    private Path countersDir;
    private Path instanceDir;
    private Path config;
    private final List<Victim> victims = new ArrayList<>();

    @BeforeEach
    void scratch() throws IOException {
        OtherUser.assumeRoot();
        shm = OtherUser.scratch();
        countersDir = shm.resolve("levitate");
        instanceDir = countersDir.resolve("lb1");
        config = shm.getParent().resolve("lb1.yaml");
        Files.writeString(config, """
            instance:
              name: lb1
              counters_dir: %s
              workers: 1
            services:
              - name: web
                vip: 198.18.7.10
                port: 80
                protocol: tcp
                backends:
                  - address: 10.0.2.11
            bgp:
              local_as: 65001
              router_id: 10.0.0.1
              hold_time: 3s
              connect_retry: 200ms
              metrics_listen: off
              peers:
                - address: 127.0.0.1
                  port: 1
                  remote_as: 65000
            """.formatted(countersDir));
    }

    @AfterEach
    void clean() throws IOException {
        victims.forEach(Victim::close);
        OtherUser.remove(shm);
    }

    @Test
    void announcerRefusesACountersDirectoryAnotherUserMadeFirst() throws Exception {
        OtherUser.run("mkdir", "-m", "0755", countersDir.toString());

        final Shell.Result r = startAnnouncer();
        assertEquals(1, r.exit(), r.err());
        assertEquals(
                List.of("levitate-announcer: cannot start: unsafe runtime directory: " + countersDir
                        + " is owned by uid " + OtherUser.UID
                        + ", not by root or uid 0 that runs this; another user could rename or"
                        + " plant files below it: remove it and start again"),
                r.err().lines().toList());
        assertFalse(Files.exists(instanceDir), "nothing created in the other user's directory");
    }

    @Test
    void announcerRefusesACountersDirectoryOthersCanWrite() throws Exception {
        Files.createDirectory(countersDir);
        Files.setPosixFilePermissions(countersDir, PosixFilePermissions.fromString("rwxrwxrwx"));

        final Shell.Result r = startAnnouncer();
        assertEquals(1, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(
                r.err()
                        .startsWith("levitate-announcer: cannot start: unsafe runtime directory: " + countersDir
                                + " is writable by group or others without the sticky bit (mode 0777)"),
                r.err());
    }

    @Test
    void drainRefusesAPidFilePlantedInAnotherUsersDirectory() throws Exception {
        final Victim root = victim(List.of());
        OtherUser.run("mkdir", "-m", "0755", countersDir.toString(), instanceDir.toString());
        OtherUser.run("sh", "-c", "echo " + root.pid() + " > " + instanceDir.resolve("announcer.pid"));

        final Shell.Result r = drain();
        assertEquals(1, r.exit(), r.err());
        assertEquals(
                List.of("levitate-announcer drain: refused, nothing signalled: unsafe runtime directory: " + instanceDir
                        + " is owned by uid " + OtherUser.UID
                        + ", not by uid 0 that runs this; another user could rename or plant"
                        + " files in it: remove it and start again"),
                r.err().lines().toList());
        root.assertSurvivedUnsignalled();
    }

    @Test
    void drainRefusesAPidFileOfAnotherUser() throws Exception {
        final Victim root = victim(List.of());
        final Path pidFile = rootPidFile(root.pid());
        Files.setAttribute(pidFile, "unix:uid", OtherUser.UID);

        final Shell.Result r = drain();
        assertEquals(1, r.exit(), r.err());
        assertEquals(
                List.of("levitate-announcer drain: refused, nothing signalled: unsafe pid file: " + pidFile
                        + " is owned by uid " + OtherUser.UID + ", not by uid 0 that runs this"),
                r.err().lines().toList());
        root.assertSurvivedUnsignalled();
    }

    @Test
    void drainRefusesAPidThatIsNotAnAnnouncer() throws Exception {
        // A stale pid file whose pid now belongs to another of root's programs.
        final Victim root = victim(List.of());
        final Path pidFile = rootPidFile(root.pid());

        final Shell.Result r = drain();
        assertEquals(1, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(
                r.err()
                        .startsWith("levitate-announcer drain: refused, nothing signalled: pid " + root.pid() + " from "
                                + pidFile + " is not a levitate-announcer (its command line: /usr/bin/python3 -c "),
                r.err());
        root.assertSurvivedUnsignalled();
    }

    @Test
    void drainRefusesAnAnnouncerLookAlikeOfAnotherUser() throws Exception {
        final Victim other = victim(OtherUser.command(), MAIN_CLASS);
        final Path pidFile = rootPidFile(other.pid());

        final Shell.Result r = drain();
        assertEquals(1, r.exit(), r.err());
        assertEquals(
                List.of("levitate-announcer drain: refused, nothing signalled: pid " + other.pid() + " from " + pidFile
                        + " runs as uid " + OtherUser.UID
                        + ", not as uid 0 like this drain; only the user the announcer runs as may"
                        + " drain it"),
                r.err().lines().toList());
        other.assertSurvivedUnsignalled();
    }

    @Test
    void drainSignalsAnAnnouncerOfItsOwnUser() throws Exception {
        // The control: the same target with the announcer's name, root's, is signalled, and the
        // report shows it (and the unblocked signal ends it).
        final Victim root = victim(List.of(), MAIN_CLASS);
        rootPidFile(root.pid());

        final Shell.Result r = drain();
        assertEquals(0, r.exit(), r.err());
        assertEquals(
                "drain requested from announcer pid " + root.pid() + " (instance lb1)",
                r.out().strip());
        assertEquals("pending SIGUSR1", root.report());
        assertNull(root.nextLine(), "SIGUSR1 ended it once unblocked");
        assertEquals(128 + 10, root.exitCode());
    }

    @Test
    void theRealAnnouncerCreatesItsDirectoryAndIsDrained() throws Exception {
        final Path log = shm.getParent().resolve("announcer.out");
        final Process announcer = new ProcessBuilder(LAUNCHER.toString(), "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            final Path pidFile = instanceDir.resolve("announcer.pid");
            Poll.until(Duration.ofSeconds(30), () -> Files.exists(pidFile), () -> read(log));
            for (final Path dir : List.of(countersDir, instanceDir)) {
                assertEquals(
                        "rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), dir.toString());
                assertEquals(0, Files.getAttribute(dir, "unix:uid"), dir.toString());
            }
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(pidFile)));
            assertEquals(announcer.pid() + "\n", Files.readString(pidFile));

            final Shell.Result r = drain();
            assertEquals(0, r.exit(), r.err());
            Poll.until(Duration.ofSeconds(10), () -> read(log).contains("(levitate-announcer drain)"), () -> read(log));
            assertTrue(announcer.isAlive(), "drain leaves the announcer running");

            Shell.ok("kill", "-TERM", Long.toString(announcer.pid()));
            assertTrue(announcer.waitFor(30, TimeUnit.SECONDS), read(log));
            assertEquals(0, announcer.exitValue(), read(log));
            assertFalse(Files.exists(pidFile));
        } finally {
            announcer.destroyForcibly();
        }
    }

    /** The announcer as systemd starts it, expected to exit; one that keeps running is stopped at the deadline (exit -1). */
    private Shell.Result startAnnouncer() throws IOException, InterruptedException {
        final Path out = shm.getParent().resolve("start.out");
        final Path err = shm.getParent().resolve("start.err");
        final Process p = new ProcessBuilder(LAUNCHER.toString(), "--config", config.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        final boolean exited = p.waitFor(30, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor();
        }
        return new Shell.Result(exited ? p.exitValue() : -1, Files.readString(out), Files.readString(err));
    }

    private Shell.Result drain() {
        return Shell.run(LAUNCHER.toString(), "drain", "--config", config.toString());
    }

    /** A root-owned instance directory and pid file, as the announcer leaves them. */
    private Path rootPidFile(final long pid) throws IOException {
        Files.createDirectories(instanceDir);
        for (final Path dir : List.of(countersDir, instanceDir)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        final Path pidFile = instanceDir.resolve("announcer.pid");
        Files.writeString(pidFile, pid + "\n");
        Files.setPosixFilePermissions(pidFile, PosixFilePermissions.fromString("rw-r--r--"));
        return pidFile;
    }

    private Victim victim(final List<String> prefix, final String... args) throws IOException {
        final Victim v = new Victim(prefix, args);
        victims.add(v);
        return v;
    }

    private static String read(final Path file) {
        try {
            return Files.readString(file);
        } catch (final IOException e) {
            return e.toString();
        }
    }

    /**
     * A process drain might be tricked into signalling: it blocks SIGUSR1, says "ready", and on a
     * line from us reports the pending signals, unblocks SIGUSR1 and says "alive" (a pending
     * SIGUSR1 ends it first).
     */
    private static final class Victim implements AutoCloseable {
        private static final String CODE = """
            import signal, sys
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
            print("ready", flush=True)
            sys.stdin.readline()
            print("pending " + ",".join(sorted(s.name for s in signal.sigpending())), flush=True)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
            print("alive", flush=True)
            sys.stdin.readline()
            """;

        private final Process process;
        private final BufferedReader out;
        private final Writer in;

        Victim(final List<String> prefix, final String... args) throws IOException {
            final List<String> command = new ArrayList<>(prefix);
            command.addAll(List.of("/usr/bin/python3", "-c", CODE));
            command.addAll(List.of(args));
            process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            assertEquals("ready", out.readLine(), "the target blocks SIGUSR1 before it is named");
        }

        long pid() {
            return process.pid();
        }

        /** The signals pending when asked, with SIGUSR1 then unblocked. */
        String report() throws IOException {
            in.write("report\n");
            in.flush();
            return out.readLine();
        }

        String nextLine() throws IOException {
            return out.readLine();
        }

        int exitCode() throws InterruptedException {
            assertTrue(process.waitFor(10, TimeUnit.SECONDS));
            return process.exitValue();
        }

        void assertSurvivedUnsignalled() throws IOException {
            assertEquals("pending ", report(), "nothing was sent to the target");
            assertEquals("alive", nextLine(), "the target lived through unblocking SIGUSR1");
            assertTrue(process.isAlive());
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
