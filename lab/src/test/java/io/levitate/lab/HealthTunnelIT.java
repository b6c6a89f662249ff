package io.levitate.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Health checks through the tunnel (issue 20) on both Levitate styles at once: lb1 kernel-homed
 * (the kernel owns 10.0.1.2 on the shared veth; its probes enter the forwarder by the probes' own
 * TAP lvh0) and lb2 bare metal (its kernel lives on the exception TAP lvx0). Each has
 * instance.health_prefix 10.0.N.128/28, routed to it by the router. Service web's checks take the
 * default way (tunnel); web-direct checks the same backends with {@code via: direct}.
 *
 * <p>be1's decapsulator stops while its HTTP server on its own address runs on: web/10.0.3.11 goes
 * down on both Levitates within the fall bound, web-direct's stays up; the decapsulator starts
 * again: up within the rise bound.
 */
class HealthTunnelIT {
    /** The lab's checks: interval 300 ms, timeout 250 ms, rise 2, fall 2. */
    private static final long INTERVAL_MS = 300;

    private static final long TIMEOUT_MS = 250;
    private static final int FALL = 2;
    private static final int RISE = 2;
    /**
     * Fall bound: a probe in flight when the decapsulator stops may still pass (it was answered
     * already), then FALL probes fail, each at its timeout, one interval after the previous one
     * ended; plus 1 s for a loaded 2-CPU machine's scheduling and the log line.
     */
    private static final long FALL_BOUND_MS = (FALL + 1) * (INTERVAL_MS + TIMEOUT_MS) + 1_000;
    /** Rise bound: RISE probes pass (each quick), one interval apart, after the one in flight; plus the same 1 s. */
    private static final long RISE_BOUND_MS = (RISE + 1) * (INTERVAL_MS + TIMEOUT_MS) + 1_000;

    private static final String TUNNELLED = "web/10.0.3.11:80";
    private static final String DIRECT = "web-direct/10.0.3.11:80";

    private Lab lab;

    @BeforeEach
    void up() throws Exception {
        lab = new Lab(Map.of("LAB_HEALTH_TUNNEL", "1"));
    }

    @AfterEach
    void down() {
        if (lab != null) {
            lab.close();
        }
    }

    private String log(final int n) {
        try {
            return Files.readString(lab.dir.resolve("forwarder-" + n + ".log"), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            return "";
        }
    }

    private boolean logged(final int n, final String text, final int from) {
        final String log = log(n);
        return log.length() > from && log.indexOf(text, from) >= 0;
    }

    /**
     * Polls both forwarders' logs (past {@code marks}) for {@code text} together, so each one's time
     * is its own; ms after {@code t0} by Levitate (index 1 and 2).
     */
    private long[] both(final long t0, final String text, final int[] marks, final long limitMs) {
        final long[] seen = {0, -1, -1};
        Lab.until(
                Duration.ofMillis(limitMs),
                () -> {
                    for (final int n : new int[] {1, 2}) {
                        if (seen[n] < 0 && logged(n, text, marks[n - 1])) {
                            seen[n] = (System.nanoTime() - t0) / 1_000_000;
                        }
                    }
                    return seen[1] >= 0 && seen[2] >= 0;
                },
                () -> "not both logged '" + text + "':\n--- lb1\n" + log(1) + "\n--- lb2\n" + log(2));
        return seen;
    }

    @Test
    void aBackendThatStopsDecapsulatingIsDownThroughTheTunnelAndUpDirectly() throws Exception {
        // Both Levitates' probes cross their tunnels and pass: counted, and every backend up (a
        // bare-metal kernel's checks fail until lab.sh has moved its address to the TAP).
        for (final int n : new int[] {1, 2}) {
            Lab.until(
                    Duration.ofSeconds(20),
                    () -> {
                        final Map<String, Long> c = lab.stat(n);
                        return c.getOrDefault("worker 0: health probes tunnelled", 0L) > 0
                                && c.getOrDefault("service web: healthy backends", 0L) == 3
                                && c.getOrDefault("service web-direct: healthy backends", 0L) == 3;
                    },
                    () -> "lb" + n + ": probes not tunnelled or backends not all up: " + lab.stat(n) + "\n" + log(n));
        }
        final int[] mark = {log(1).length(), log(2).length()};
        final long t0 = System.nanoTime();
        lab.ok("stop-decap", "1");
        final long[] down = both(t0, TUNNELLED + " is DOWN", mark, FALL_BOUND_MS + 5_000);
        // The direct checks of the same backend kept passing meanwhile (and a little longer).
        Thread.sleep(FALL * (INTERVAL_MS + TIMEOUT_MS));
        for (final int n : new int[] {1, 2}) {
            assertFalse(logged(n, DIRECT + " is DOWN", mark[n - 1]), "lb" + n + ": direct check went down:\n" + log(n));
        }
        final long probes1 = lab.counter(1, "worker 0: health probes tunnelled");
        final int[] mark2 = {log(1).length(), log(2).length()};
        final long t1 = System.nanoTime();
        lab.ok("start-decap", "1");
        final long[] up = both(t1, TUNNELLED + " is UP", mark2, RISE_BOUND_MS + 5_000);
        final String[] style = {"", "kernel-homed (shared veth)", "bare metal (exception TAP)"};
        for (final int n : new int[] {1, 2}) {
            System.out.println("LAB health-tunnel lb" + n + " " + style[n] + ": be1's gre-decap stopped -> "
                    + TUNNELLED + " down after " + down[n] + " ms (bound " + FALL_BOUND_MS + "), " + DIRECT
                    + " stayed up; gre-decap started -> up after " + up[n] + " ms (bound " + RISE_BOUND_MS + ")");
        }
        System.out.println("LAB health-tunnel probes tunnelled by lb1 so far: " + probes1);
        for (final int n : new int[] {1, 2}) {
            assertTrue(down[n] <= FALL_BOUND_MS, "lb" + n + " down after " + down[n] + " ms");
            assertTrue(up[n] <= RISE_BOUND_MS, "lb" + n + " up after " + up[n] + " ms");
            assertFalse(logged(n, DIRECT + " is DOWN", mark[n - 1]), "lb" + n + ": direct check went down");
        }
    }
}
