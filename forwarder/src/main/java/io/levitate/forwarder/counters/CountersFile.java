package io.levitate.forwarder.counters;

import io.levitate.core.counters.CountersFileReader;
import io.levitate.core.counters.CountersLayout;
import io.levitate.core.runtime.RuntimeDirectories;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The forwarder's side of the counters file: creates and maps it, hands out counters, and
 * removes it on close. Allocation of counters happens at start-up and on reconfiguration (control
 * thread); workers only update values.
 */
public final class CountersFile implements AutoCloseable {
    private final Path file;
    private final MappedByteBuffer mapped;
    private final CountersManager manager;
    private final AtomicCounter heartbeat;
    private final AtomicCounter state;
    private boolean closed;

    private CountersFile(final Path file, final MappedByteBuffer mapped, final CountersManager manager) {
        this.file = file;
        this.mapped = mapped;
        this.manager = manager;
        heartbeat = manager.newCounter("process heartbeat (epoch ms)", CountersLayout.TYPE_PROCESS_HEARTBEAT);
        state = manager.newCounter(
                "forwarder state (0 starting, 1 running, 2 draining, 3 stopping)", CountersLayout.TYPE_FORWARDER_STATE);
        heartbeat.setRelease(System.currentTimeMillis());
        state.setRelease(CountersLayout.STATE_STARTING);
    }

    /** The counters file of an instance: {@code dir/instance/counters.dat}. */
    public static Path pathOf(final Path directory, final String instance) {
        return directory.resolve(instance).resolve(CountersLayout.FILE_NAME);
    }

    /**
     * Creates (or replaces a stale) counters file.
     *
     * @param valuesLength bytes of counter values, a power of two (128 bytes per counter).
     * @throws IllegalStateException when a live forwarder already owns the file.
     * @throws RuntimeDirectories.UnsafeDirectoryException when another user could change the
     *         directory (or one above it): they could move the live file away or plant their own.
     */
    public static CountersFile create(final Path file, final int valuesLength) throws IOException {
        if (Integer.bitCount(valuesLength) != 1 || valuesLength < 4096) {
            throw new IllegalArgumentException("values length must be a power of two >= 4096: " + valuesLength);
        }
        // The directory first: whatever is in a directory someone else controls is theirs, live file or not.
        RuntimeDirectories.createSecure(file.getParent(), RuntimeDirectories.READABLE);
        refuseIfLive(file);
        Files.deleteIfExists(file);
        final int metadataLength = valuesLength * (CountersManager.METADATA_LENGTH / CountersManager.COUNTER_LENGTH);
        final long total = (long) CountersLayout.HEADER_LENGTH + metadataLength + valuesLength;
        final MappedByteBuffer mapped = IoUtil.mapNewFile(file.toFile(), total, true);
        // 0644 whatever the umask: counters are not secret, and readers (levitate stat) run as any user.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, CountersLayout.HEADER_LENGTH);
        header.putInt(CountersLayout.VERSION_OFFSET, CountersLayout.VERSION);
        header.putInt(CountersLayout.METADATA_LENGTH_OFFSET, metadataLength);
        header.putInt(CountersLayout.VALUES_LENGTH_OFFSET, valuesLength);
        header.putLong(CountersLayout.PID_OFFSET, ProcessHandle.current().pid());
        header.putLong(CountersLayout.START_TIME_OFFSET, System.currentTimeMillis());
        final UnsafeBuffer metadata = new UnsafeBuffer(mapped, CountersLayout.HEADER_LENGTH, metadataLength);
        final UnsafeBuffer values =
                new UnsafeBuffer(mapped, CountersLayout.HEADER_LENGTH + metadataLength, valuesLength);
        final CountersFile countersFile = new CountersFile(file, mapped, new CountersManager(metadata, values));
        // Magic last, with a release store: a reader that sees it sees a complete header.
        header.putIntRelease(CountersLayout.MAGIC_OFFSET, CountersLayout.MAGIC);
        return countersFile;
    }

    private static void refuseIfLive(final Path file) {
        if (!Files.exists(file)) {
            return;
        }
        long livePid = -1;
        try (CountersFileReader existing = CountersFileReader.open(file)) {
            if (existing.isAlive(System.currentTimeMillis())) {
                livePid = existing.pid();
            }
        } catch (final IOException | RuntimeException unreadable) {
            // Unreadable or foreign: stale, replaced below.
        }
        if (livePid >= 0) {
            throw new IllegalStateException("another forwarder (pid " + livePid + ") is running with " + file
                    + "; give this one another instance name");
        }
    }

    /** In-process reader over the same buffers (the metrics exporter's view). */
    public org.agrona.concurrent.status.CountersReader reader() {
        return manager;
    }

    public CountersManager manager() {
        return manager;
    }

    public Path path() {
        return file;
    }

    /** Refreshes the process heartbeat; the control thread calls this every 100 ms. */
    public void heartbeat(final long nowMs) {
        heartbeat.setRelease(nowMs);
    }

    /** Publishes the forwarder state (CountersLayout.STATE_*). */
    public void state(final long value) {
        state.setRelease(value);
    }

    /** Unmaps and deletes the file: a stopped forwarder leaves no counters behind. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        state.setRelease(CountersLayout.STATE_STOPPING);
        IoUtil.unmap(mapped);
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        } catch (final IOException ignored) {
            // A non-empty or vanished directory: nothing to clean.
        }
    }
}
