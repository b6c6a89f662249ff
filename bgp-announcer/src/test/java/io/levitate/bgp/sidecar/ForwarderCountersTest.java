package io.levitate.bgp.sidecar;

import static org.junit.jupiter.api.Assertions.*;

import io.levitate.bgp.config.ServiceConfig;
import io.levitate.core.counters.CountersLayout;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwarderCountersTest {
    private static final ServiceConfig WEB =
            new ServiceConfig("web", InetAddress.ofLiteral("198.18.0.10"), 80, 6, true);
    private static final ServiceConfig DNS =
            new ServiceConfig("dns", InetAddress.ofLiteral("2001:db8::53"), 53, 17, true);

    @Test
    void livenessStateAndHealthPerServiceKey(@TempDir final Path dir) throws Exception {
        final Path file = dir.resolve("lb1/counters.dat");
        try (ForwarderCounters reader =
                new ForwarderCounters(file, new byte[][] {WEB.counterKey(), DNS.counterKey()})) {
            assertFalse(reader.poll(System.currentTimeMillis()));
            assertTrue(reader.reason().contains("no counters file"), reader.reason());
            try (TestCountersFile fwd = new TestCountersFile(file)) {
                fwd.healthy(WEB, 3);
                assertTrue(reader.poll(System.currentTimeMillis()), reader.reason());
                assertEquals(CountersLayout.STATE_RUNNING, reader.state());
                assertEquals(3, reader.healthyBackends(0));
                assertEquals(-1, reader.healthyBackends(1), "no counter for dns yet");
                fwd.healthy(DNS, 0);
                fwd.state(CountersLayout.STATE_DRAINING);
                assertTrue(reader.poll(System.currentTimeMillis()));
                assertEquals(0, reader.healthyBackends(1));
                assertEquals(CountersLayout.STATE_DRAINING, reader.state());
                final long last = fwd.stopHeartbeat();
                assertFalse(reader.poll(last + CountersLayout.HEARTBEAT_TIMEOUT_MS + 1));
                assertTrue(reader.reason().startsWith("heartbeat is"), reader.reason());
            }
            // A replaced file (forwarder restarted) is picked up again.
            try (TestCountersFile fwd = new TestCountersFile(file)) {
                fwd.healthy(WEB, 1);
                assertTrue(reader.poll(System.currentTimeMillis()), reader.reason());
                assertEquals(1, reader.healthyBackends(0));
            }
        }
    }

    @Test
    void deadPidIsNotAlive(@TempDir final Path dir) throws Exception {
        final Path file = dir.resolve("x/counters.dat");
        try (TestCountersFile fwd = new TestCountersFile(file, 999_999_999L);
                ForwarderCounters reader = new ForwarderCounters(file, new byte[0][])) {
            assertFalse(reader.poll(System.currentTimeMillis()));
            assertTrue(reader.reason().contains("not running"), reader.reason());
        }
    }

    @Test
    void refusesForeignFiles(@TempDir final Path dir) throws Exception {
        final Path file = dir.resolve("counters.dat");
        Files.write(file, new byte[4096]);
        try (ForwarderCounters reader = new ForwarderCounters(file, new byte[0][])) {
            assertFalse(reader.poll(System.currentTimeMillis()));
            assertTrue(reader.reason().contains("bad magic"), reader.reason());
        }
        Files.write(file, new byte[10]);
        try (ForwarderCounters reader = new ForwarderCounters(file, new byte[0][])) {
            assertFalse(reader.poll(System.currentTimeMillis()));
        }
    }
}
