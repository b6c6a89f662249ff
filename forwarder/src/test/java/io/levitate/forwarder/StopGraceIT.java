package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.core.counters.CountersFileReader;
import io.levitate.core.counters.CountersLayout;
import io.levitate.forwarder.counters.CountersFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stop grace, as the announcer sees it through the counters file: on SIGTERM the state turns
 * "stopping" at once, and for instance.stop_grace the heartbeat stays fresh and the workers go on
 * receiving; then the forwarder stops cleanly (exit 0). A second signal ends the grace at once.
 */
class StopGraceIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private String instance(final String tag) {
        return "grace-" + tag + "-" + ProcessHandle.current().pid();
    }

    private Path config(final String name, final String grace) throws Exception {
        final Path file = dir.resolve(name + ".yaml");
        // net_null0 receives a packet whenever asked, so a worker that still runs keeps counting.
        Files.writeString(file, """
            instance:
              name: %s
              counters_dir: %s
              ports:
                - device: "net_null0"
                - device: "net_null1,no-rx=1"
              hugepages: "no"
              idle: backoff
              stop_grace: %s
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 7
            control: {socket: %s}
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.11}]
            """.formatted(
                        name, dir.resolve("counters"), grace, dir.resolve("ctl-" + name + "/control.sock")));
        return file;
    }

    private static long value(final CountersFileReader reader, final int type) {
        return reader.counters().getCounterValue(reader.findByType(type));
    }

    @Test
    void aStopPublishesStoppingKeepsTheHeartbeatAndTheWorkersGoingForTheGraceThenStops() throws Exception {
        final String name = instance("one");
        final long graceMs = 1500;
        try (LevitateProcess levitate = LevitateProcess.start(
                "run", "--config", config(name, graceMs + "ms").toString())) {
            levitate.awaitLine(l -> l.startsWith("levitate: forwarding"), TIMEOUT);
            try (CountersFileReader reader =
                    CountersFileReader.open(CountersFile.pathOf(dir.resolve("counters"), name))) {
                assertEquals(CountersLayout.STATE_RUNNING, value(reader, CountersLayout.TYPE_FORWARDER_STATE));
                final long signalled = System.nanoTime();
                levitate.terminate();
                levitate.awaitLine(l -> l.startsWith("levitate: stopping: state 'stopping' published"), TIMEOUT);
                assertEquals(CountersLayout.STATE_STOPPING, value(reader, CountersLayout.TYPE_FORWARDER_STATE));
                final long heartbeat = value(reader, CountersLayout.TYPE_PROCESS_HEARTBEAT);
                final long rx = value(reader, CountersLayout.TYPE_WORKER_RX_PACKETS);
                // Within the grace: a newer heartbeat and more packets received, read while the process lives.
                boolean going = false;
                while (!going
                        && System.nanoTime() - signalled
                                < Duration.ofMillis(graceMs).toNanos()) {
                    going = value(reader, CountersLayout.TYPE_PROCESS_HEARTBEAT) > heartbeat
                            && value(reader, CountersLayout.TYPE_WORKER_RX_PACKETS) > rx;
                    Thread.sleep(10);
                }
                assertTrue(
                        going,
                        "heartbeat " + heartbeat + " -> " + value(reader, CountersLayout.TYPE_PROCESS_HEARTBEAT)
                                + ", rx " + rx + " -> " + value(reader, CountersLayout.TYPE_WORKER_RX_PACKETS)
                                + " during the grace");
                assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
                final long tookMs = (System.nanoTime() - signalled) / 1_000_000;
                assertTrue(
                        tookMs >= graceMs,
                        "stopped " + tookMs + " ms after SIGTERM, before the grace of " + graceMs + " ms");
            }
            final List<String> out = levitate.stdout();
            final int requested = out.indexOf("levitate: stop requested");
            final int stopping = indexOf(out, "levitate: stopping: state 'stopping' published");
            final int cleaned = indexOf(out, "ports stopped and closed, EAL cleaned up");
            assertTrue(requested >= 0 && requested < stopping && stopping < cleaned, String.join("\n", out));
            assertFalse(out.contains("levitate: second stop signal: stopping now"), String.join("\n", out));
        }
    }

    @Test
    void aSecondSignalEndsTheGraceAtOnce() throws Exception {
        final String name = instance("two");
        try (LevitateProcess levitate =
                LevitateProcess.start("run", "--config", config(name, "20s").toString())) {
            levitate.awaitLine(l -> l.startsWith("levitate: forwarding"), TIMEOUT);
            final long signalled = System.nanoTime();
            levitate.terminate();
            levitate.awaitLine(l -> l.startsWith("levitate: stopping: state 'stopping' published"), TIMEOUT);
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
            final long tookMs = (System.nanoTime() - signalled) / 1_000_000;
            assertTrue(tookMs < 15_000, "a second SIGTERM still waited " + tookMs + " ms of the 20 s grace");
            final List<String> out = levitate.stdout();
            final int hurry = out.indexOf("levitate: second stop signal: stopping now");
            assertTrue(
                    hurry > indexOf(out, "levitate: stopping: state 'stopping' published")
                            && hurry < indexOf(out, "ports stopped and closed, EAL cleaned up"),
                    String.join("\n", out));
        }
    }

    private static int indexOf(final List<String> lines, final String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
