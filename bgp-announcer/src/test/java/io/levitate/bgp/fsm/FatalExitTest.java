package io.levitate.bgp.fsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.sidecar.AnnouncerMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process's fatal handler ({@link AnnouncerMain#HALT_ON_FATAL}) in a JVM of its own: a dead
 * speaker thread ends the process with status 70 (systemd restarts it), after one FATAL line naming
 * the thread and the exception, and without running shutdown hooks (halt, not exit).
 */
class FatalExitTest {
    @Test
    void aDeadSpeakerThreadEndsTheProcessWith70(@TempDir final Path dir) throws Exception {
        final Path err = dir.resolve("stderr");
        final Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Child.class.getName())
                .redirectError(err.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        final boolean ended = p.waitFor(20, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        final String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertTrue(ended, "still running; stderr:\n" + stderr);
        assertEquals(70, p.exitValue(), stderr);
        assertTrue(stderr.contains("FATAL: thread bgp-speaker died: java.lang.IllegalStateException: a bug"), stderr);
        assertFalse(stderr.contains("shutdown hook ran"), "halt runs no shutdown hook:\n" + stderr);
    }

    /** The child JVM: a speaker without peers, with the process's fatal handler, and a command that throws. */
    public static final class Child {
        public static void main(final String[] args) throws IOException, InterruptedException {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("shutdown hook ran"), "hook"));
            final SpeakerConfig config = new SpeakerConfig(
                    65001, (10 << 24) | 2, 3, 200, 1500, 0, new int[0], new int[0], -1, null, List.of());
            final BgpSpeaker speaker = new BgpSpeaker(config, AnnouncerMain.HALT_ON_FATAL).start();
            speaker.submit(now -> {
                throw new IllegalStateException("a bug");
            });
            Thread.sleep(15_000);
            System.exit(0); // not reached when the handler halts
        }
    }
}
