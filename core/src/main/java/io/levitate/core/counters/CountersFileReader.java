package io.levitate.core.counters;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * A read-only view of a forwarder's counters file: {@code levitate stat}, the forwarder's own check
 * for a live predecessor, and the announcer's heartbeat watch all map it through this class, so
 * they accept and refuse the same files for the same reasons.
 *
 * <p>A mapping stays valid after the forwarder deletes or replaces the file: its heartbeat simply
 * stops. A reader that must follow a restarted forwarder opens the new file itself.
 */
public final class CountersFileReader implements AutoCloseable {
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final CountersReader reader;
    private final UnsafeBuffer metadata;

    private CountersFileReader(final Path file, final MappedByteBuffer mapped) {
        this.mapped = mapped;
        if (mapped.capacity() < CountersLayout.HEADER_LENGTH) {
            throw new IllegalStateException(
                    file + " is shorter than a counters file header (" + CountersLayout.HEADER_LENGTH + " bytes)");
        }
        header = new UnsafeBuffer(mapped, 0, CountersLayout.HEADER_LENGTH);
        // Acquire: the writer stores the magic last with a release store, so seeing it means the header is complete.
        final int magic = header.getIntAcquire(CountersLayout.MAGIC_OFFSET);
        if (magic != CountersLayout.MAGIC) {
            throw new IllegalStateException(file + ": bad magic 0x" + Integer.toHexString(magic)
                    + " (not a Levitate counters file, or still being written)");
        }
        final int version = header.getInt(CountersLayout.VERSION_OFFSET);
        if (version != CountersLayout.VERSION) {
            throw new IllegalStateException(file + ": counters file layout version " + version + ", this build reads "
                    + CountersLayout.VERSION);
        }
        final int metadataLength = header.getInt(CountersLayout.METADATA_LENGTH_OFFSET);
        final int valuesLength = header.getInt(CountersLayout.VALUES_LENGTH_OFFSET);
        if (metadataLength <= 0
                || valuesLength <= 0
                || (long) CountersLayout.HEADER_LENGTH + metadataLength + valuesLength > mapped.capacity()) {
            throw new IllegalStateException(file + ": buffer lengths " + metadataLength + "+" + valuesLength
                    + " in the header are inconsistent with the file's size");
        }
        metadata = new UnsafeBuffer(mapped, CountersLayout.HEADER_LENGTH, metadataLength);
        reader = new CountersReader(
                metadata, new UnsafeBuffer(mapped, CountersLayout.HEADER_LENGTH + metadataLength, valuesLength));
    }

    /**
     * Maps an existing counters file read-only.
     *
     * @throws IOException when it does not exist, is not a regular file, or cannot be mapped.
     * @throws IllegalStateException when it is not a counters file of this layout version (the
     *         message names the file and what is wrong).
     */
    public static CountersFileReader open(final Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(
                    "no counters file at " + file + " (is the forwarder running with this instance name?)");
        }
        final MappedByteBuffer mapped =
                IoUtil.mapExistingFile(file.toFile(), FileChannel.MapMode.READ_ONLY, "counters");
        try {
            return new CountersFileReader(file, mapped);
        } catch (final RuntimeException ex) {
            IoUtil.unmap(mapped);
            throw ex;
        }
    }

    public CountersReader counters() {
        return reader;
    }

    public long pid() {
        return header.getLong(CountersLayout.PID_OFFSET);
    }

    public long startTimeMs() {
        return header.getLong(CountersLayout.START_TIME_OFFSET);
    }

    /**
     * The first counter of a type, or -1 ({@link CountersReader#NULL_COUNTER_ID}). Walks the
     * records without decoding labels, so a reader polling every few milliseconds allocates nothing.
     */
    public int findByType(final int typeId) {
        final int max = reader.maxCounterId();
        for (int id = 0; id <= max; id++) {
            final int state = reader.getCounterState(id);
            if (state == CountersReader.RECORD_UNUSED) {
                break; // CountersManager allocates ids in order: nothing after the first unused record.
            }
            if (state == CountersReader.RECORD_ALLOCATED && reader.getCounterTypeId(id) == typeId) {
                return id;
            }
        }
        return CountersReader.NULL_COUNTER_ID;
    }

    /** Whether counter {@code counterId}'s key starts with {@code prefix} (a service key, say). */
    public boolean keyStartsWith(final int counterId, final byte[] prefix) {
        final int offset = CountersReader.metaDataOffset(counterId) + CountersReader.KEY_OFFSET;
        for (int i = 0; i < prefix.length; i++) {
            if (metadata.getByte(offset + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the pid in the header is a live process (the first half of the liveness rule). */
    public boolean processAlive() {
        return ProcessHandle.of(pid()).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Whether a process heartbeat read at {@code nowMs} is fresh (the second half of the liveness rule). */
    public static boolean heartbeatFresh(final long heartbeatMs, final long nowMs) {
        return nowMs - heartbeatMs < CountersLayout.HEARTBEAT_TIMEOUT_MS;
    }

    /** The liveness rule of docs/COUNTERS.md: the pid lives and the heartbeat is fresh. */
    public boolean isAlive(final long nowMs) {
        final int id = findByType(CountersLayout.TYPE_PROCESS_HEARTBEAT);
        if (id == CountersReader.NULL_COUNTER_ID) {
            return false;
        }
        return processAlive() && heartbeatFresh(reader.getCounterValue(id), nowMs);
    }

    @Override
    public void close() {
        IoUtil.unmap(mapped);
    }
}
