package io.levitate.core.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one reader against files written from docs/COUNTERS.md alone (not by the forwarder's
 * writer): what it accepts, and the one-line reason for each file it refuses.
 */
class CountersFileReaderTest {
    private static final int VALUES = 4096;
    private static final int METADATA = VALUES * (CountersManager.METADATA_LENGTH / CountersManager.COUNTER_LENGTH);

    @TempDir
    Path dir;

    @Test
    void readsHeaderCountersKeysAndLiveness() throws IOException {
        final Path file = dir.resolve("counters.dat");
        final byte[] web = CountersLayout.serviceKey(InetAddress.ofLiteral("198.18.0.10"), 6, 80);
        final long now = System.currentTimeMillis();
        write(
                file,
                CountersLayout.MAGIC,
                CountersLayout.VERSION,
                METADATA,
                VALUES,
                ProcessHandle.current().pid(),
                manager -> {
                    manager.newCounter("process heartbeat", CountersLayout.TYPE_PROCESS_HEARTBEAT)
                            .setRelease(now);
                    manager.newCounter("forwarder state", CountersLayout.TYPE_FORWARDER_STATE)
                            .setRelease(CountersLayout.STATE_RUNNING);
                    manager.newCounter(
                                    "service web: healthy backends",
                                    CountersLayout.TYPE_SERVICE_HEALTHY_BACKENDS,
                                    key -> key.putBytes(0, web))
                            .setRelease(3);
                });
        try (CountersFileReader reader = CountersFileReader.open(file)) {
            assertEquals(ProcessHandle.current().pid(), reader.pid());
            assertEquals(1234, reader.startTimeMs());
            final int healthy = reader.findByType(CountersLayout.TYPE_SERVICE_HEALTHY_BACKENDS);
            assertEquals(2, healthy);
            assertEquals(3, reader.counters().getCounterValue(healthy));
            assertTrue(reader.keyStartsWith(healthy, web));
            assertFalse(reader.keyStartsWith(
                    healthy, CountersLayout.serviceKey(InetAddress.ofLiteral("198.18.0.10"), 6, 443)));
            assertEquals(CountersReader.NULL_COUNTER_ID, reader.findByType(CountersLayout.TYPE_BACKEND_HEALTH));
            assertTrue(reader.processAlive());
            assertTrue(reader.isAlive(now + CountersLayout.HEARTBEAT_TIMEOUT_MS - 1));
            assertFalse(reader.isAlive(now + CountersLayout.HEARTBEAT_TIMEOUT_MS), "a heartbeat 500 ms old is dead");
        }
    }

    @Test
    void aDeadPidOrNoHeartbeatIsNotAlive() throws IOException {
        final Path file = dir.resolve("dead.dat");
        write(
                file,
                CountersLayout.MAGIC,
                CountersLayout.VERSION,
                METADATA,
                VALUES,
                999_999_999L,
                manager -> manager.newCounter("process heartbeat", CountersLayout.TYPE_PROCESS_HEARTBEAT)
                        .setRelease(System.currentTimeMillis()));
        try (CountersFileReader reader = CountersFileReader.open(file)) {
            assertFalse(reader.processAlive());
            assertFalse(reader.isAlive(System.currentTimeMillis()));
        }
        final Path silent = dir.resolve("silent.dat");
        write(
                silent,
                CountersLayout.MAGIC,
                CountersLayout.VERSION,
                METADATA,
                VALUES,
                ProcessHandle.current().pid(),
                m -> {});
        try (CountersFileReader reader = CountersFileReader.open(silent)) {
            assertFalse(reader.isAlive(System.currentTimeMillis()), "no heartbeat counter");
        }
    }

    @Test
    void refusesWhatIsNotACountersFileOfThisVersion() throws IOException {
        final IOException absent =
                assertThrows(IOException.class, () -> CountersFileReader.open(dir.resolve("absent")));
        assertTrue(absent.getMessage().startsWith("no counters file at "), absent.getMessage());
        assertThrows(IOException.class, () -> CountersFileReader.open(dir));

        final Path shortFile = Files.write(dir.resolve("short"), new byte[10]);
        assertRefused(shortFile, " is shorter than a counters file header (128 bytes)");
        final Path zeros = Files.write(dir.resolve("zeros"), new byte[4096]);
        assertRefused(zeros, ": bad magic 0x0 (not a Levitate counters file, or still being written)");

        final Path v2 = dir.resolve("v2");
        write(v2, CountersLayout.MAGIC, 2, METADATA, VALUES, 1, m -> {});
        assertRefused(v2, ": counters file layout version 2, this build reads 1");

        final Path longer = dir.resolve("longer");
        write(longer, CountersLayout.MAGIC, CountersLayout.VERSION, METADATA, VALUES, 1, m -> {});
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(longer.toFile(), "test");
        new UnsafeBuffer(mapped).putInt(CountersLayout.VALUES_LENGTH_OFFSET, VALUES * 2);
        IoUtil.unmap(mapped);
        assertRefused(
                longer,
                ": buffer lengths " + METADATA + "+" + VALUES * 2
                        + " in the header are inconsistent with the file's size");
    }

    private static void assertRefused(final Path file, final String reason) {
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> CountersFileReader.open(file));
        assertEquals(file + reason, ex.getMessage());
    }

    /** A counters file laid out from the document, with the magic stored last as a writer must. */
    private static void write(
            final Path file,
            final int magic,
            final int version,
            final int metadataLength,
            final int valuesLength,
            final long pid,
            final java.util.function.Consumer<CountersManager> counters) {
        final MappedByteBuffer mapped =
                IoUtil.mapNewFile(file.toFile(), CountersLayout.HEADER_LENGTH + METADATA + VALUES, true);
        try {
            final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, CountersLayout.HEADER_LENGTH);
            header.putInt(CountersLayout.VERSION_OFFSET, version);
            header.putInt(CountersLayout.METADATA_LENGTH_OFFSET, metadataLength);
            header.putInt(CountersLayout.VALUES_LENGTH_OFFSET, valuesLength);
            header.putLong(CountersLayout.PID_OFFSET, pid);
            header.putLong(CountersLayout.START_TIME_OFFSET, 1234);
            counters.accept(new CountersManager(
                    new UnsafeBuffer(mapped, CountersLayout.HEADER_LENGTH, METADATA),
                    new UnsafeBuffer(mapped, CountersLayout.HEADER_LENGTH + METADATA, VALUES)));
            header.putIntRelease(CountersLayout.MAGIC_OFFSET, magic);
        } finally {
            IoUtil.unmap(mapped);
        }
    }
}
