package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The real launcher's jar (target/levitate.jar, built in "package" before failsafe runs) in its
 * own JVM: each DPDK process can initialise the EAL once, and tests must see exit codes and
 * stderr exactly as an operator does.
 */
final class LevitateProcess implements AutoCloseable {
    static final Path JAR = Path.of("target", "levitate.jar");

    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread outPump;
    private final Thread errPump;

    private LevitateProcess(final List<String> jvmOptions, final List<String> args) throws IOException {
        this(List.of(), jvmOptions, args);
    }

    /** @param prefix run under this command, e.g. {@code ip netns exec NS}. */
    private LevitateProcess(final List<String> prefix, final List<String> jvmOptions, final List<String> args)
            throws IOException {
        if (!Files.exists(JAR)) {
            fail(JAR.toAbsolutePath() + " missing: integration tests run after 'package'");
        }
        final List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("--add-opens");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(args);
        process = new ProcessBuilder(command).start();
        outPump = pump(process.getInputStream(), stdout);
        errPump = pump(process.getErrorStream(), stderr);
    }

    static LevitateProcess start(final String... args) throws IOException {
        return new LevitateProcess(List.of(), List.of(args));
    }

    static LevitateProcess start(final List<String> jvmOptions, final List<String> args) throws IOException {
        return new LevitateProcess(jvmOptions, args);
    }

    /** The launcher inside network namespace {@code netns}. */
    static LevitateProcess startInNamespace(final String netns, final String... args) throws IOException {
        return new LevitateProcess(List.of("ip", "netns", "exec", netns), List.of(), List.of(args));
    }

    /** A {@code levitate stat} line: id, type, label, value (thousands separated). */
    private static final java.util.regex.Pattern STAT_LINE =
            java.util.regex.Pattern.compile("^\\s*\\d+\\s+\\d+\\s+(.*?)\\s+(-?[\\d,]+)\\s*$");

    /** Runs {@code levitate stat} for {@code instance} and returns its counters by label. */
    static java.util.Map<String, Long> stat(final String instance, final Path countersDir, final Duration timeout)
            throws IOException, InterruptedException {
        try (LevitateProcess stat = start("stat", "--instance", instance, "--counters-dir", countersDir.toString())) {
            assertEquals(0, stat.awaitExit(timeout), String.join("\n", stat.stderr()));
            final java.util.Map<String, Long> counters = new java.util.HashMap<>();
            for (final String line : stat.stdout()) {
                final java.util.regex.Matcher m = STAT_LINE.matcher(line);
                if (m.matches()) {
                    counters.put(m.group(1), Long.parseLong(m.group(2).replace(",", "")));
                }
            }
            return counters;
        }
    }

    private static Thread pump(final java.io.InputStream in, final List<String> sink) {
        final Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.add(line);
                }
            } catch (final IOException ignored) {
                // Process gone.
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Polls stdout until a line matches, or fails at the deadline (or if the process exits first). */
    String awaitLine(final Predicate<String> match, final Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (final String line : stdout) {
                if (match.test(line)) {
                    return line;
                }
            }
            if (!process.isAlive()) {
                outPump.join(2000);
                for (final String line : stdout) {
                    if (match.test(line)) {
                        return line;
                    }
                }
                fail("levitate exited (" + process.exitValue() + ") before the expected line; stdout:\n"
                        + String.join("\n", stdout) + "\nstderr:\n" + String.join("\n", stderr));
            }
            Thread.sleep(20);
        }
        fail("timed out waiting for a line; stdout:\n" + String.join("\n", stdout) + "\nstderr:\n"
                + String.join("\n", stderr));
        return null;
    }

    /**
     * SIGTERM, as systemd or kill(1) sends it. (Not Process.destroy(): that also closes this side
     * of the child's pipes, losing the output the test wants to read.)
     */
    void terminate() throws IOException, InterruptedException {
        signal("TERM");
    }

    /** SIGKILL: the process dies at once, closing nothing itself (the kernel closes its sockets). */
    void kill() throws IOException, InterruptedException {
        signal("KILL");
    }

    /** SIGINT, as Ctrl-C sends it. */
    void interrupt() throws IOException, InterruptedException {
        signal("INT");
    }

    private void signal(final String name) throws IOException, InterruptedException {
        assertEquals(
                0,
                new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                        .start()
                        .waitFor());
    }

    int awaitExit(final Duration timeout) throws InterruptedException {
        assertTrue(
                process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS),
                "levitate did not exit; stdout:\n" + String.join("\n", stdout));
        outPump.join(5000);
        errPump.join(5000);
        return process.exitValue();
    }

    List<String> stdout() {
        return List.copyOf(stdout);
    }

    List<String> stderr() {
        return List.copyOf(stderr);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
