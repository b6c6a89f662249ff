package io.levitate.forwarder.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.core.counters.CountersFileReader;
import io.levitate.core.counters.CountersLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CountersFileTest {
    @TempDir
    Path dir;

    @Test
    void headerAndCountersAreReadableByAnotherMapping() throws IOException {
        final Path path = CountersFile.pathOf(dir, "lb1");
        try (CountersFile file = CountersFile.create(path, 8192)) {
            final AtomicCounter rx = file.manager()
                    .newCounter("worker 0: rx packets", CountersLayout.TYPE_WORKER_RX_PACKETS, key -> key.putInt(0, 0));
            rx.setRelease(12345);
            file.state(CountersLayout.STATE_RUNNING);
            file.heartbeat(System.currentTimeMillis());

            // The documented header, read as raw little-endian bytes like a foreign reader would.
            final ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(CountersLayout.MAGIC, raw.getInt(0));
            assertEquals(1, raw.getInt(4));
            assertEquals(8192 * 4, raw.getInt(8));
            assertEquals(8192, raw.getInt(12));
            assertEquals(ProcessHandle.current().pid(), raw.getLong(16));
            assertEquals(128 + 8192 * 4 + 8192, raw.capacity());

            try (CountersFileReader reader = CountersFileReader.open(path)) {
                assertTrue(reader.isAlive(System.currentTimeMillis()));
                assertEquals(
                        12345,
                        reader.counters().getCounterValue(reader.findByType(CountersLayout.TYPE_WORKER_RX_PACKETS)));
                assertEquals(
                        CountersLayout.STATE_RUNNING,
                        reader.counters().getCounterValue(reader.findByType(CountersLayout.TYPE_FORWARDER_STATE)));
                // A heartbeat older than the timeout reads as dead, even with the process alive.
                assertFalse(reader.isAlive(System.currentTimeMillis() + CountersLayout.HEARTBEAT_TIMEOUT_MS + 100));
            }
            // A second forwarder with the same instance is refused while this one lives.
            final IllegalStateException ex =
                    assertThrows(IllegalStateException.class, () -> CountersFile.create(path, 8192));
            assertTrue(ex.getMessage().contains("another forwarder"), ex.getMessage());
        }
        assertFalse(Files.exists(path), "a clean stop removes the file");
    }

    @Test
    void staleOrForeignFilesAreReplacedAndRefusedByReaders() throws IOException {
        final Path path = CountersFile.pathOf(dir, "lb2");
        Files.createDirectories(path.getParent());
        Files.write(path, new byte[4096]);
        assertThrows(
                IllegalStateException.class, () -> CountersFileReader.open(path).close());
        try (CountersFile file = CountersFile.create(path, 4096)) {
            assertTrue(Files.size(file.path()) > 4096);
        }
        assertThrows(
                IOException.class,
                () -> CountersFileReader.open(dir.resolve("absent")).close());
    }
}
