package io.levitate.forwarder.counters;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/** A read-only view of a forwarder's counters file, for {@code levitate stat} and exporters. */
public final class CountersFileReader implements AutoCloseable
{
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final CountersReader reader;

    private CountersFileReader(final MappedByteBuffer mapped)
    {
        this.mapped = mapped;
        header = new UnsafeBuffer(mapped, 0, CountersLayout.HEADER_LENGTH);
        final int magic = header.getIntAcquire(CountersLayout.MAGIC_OFFSET);
        if (magic != CountersLayout.MAGIC)
        {
            throw new IllegalStateException("not a Levitate counters file (magic " + Integer.toHexString(magic) + ")");
        }
        final int version = header.getInt(CountersLayout.VERSION_OFFSET);
        if (version != CountersLayout.VERSION)
        {
            throw new IllegalStateException("counters file layout version " + version + ", this tool reads "
                + CountersLayout.VERSION);
        }
        final int metadataLength = header.getInt(CountersLayout.METADATA_LENGTH_OFFSET);
        final int valuesLength = header.getInt(CountersLayout.VALUES_LENGTH_OFFSET);
        if (metadataLength <= 0 || valuesLength <= 0
            || (long)CountersLayout.HEADER_LENGTH + metadataLength + valuesLength > mapped.capacity())
        {
            throw new IllegalStateException("counters file header is inconsistent with its size");
        }
        reader = new CountersReader(
            new UnsafeBuffer(mapped, CountersLayout.HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(mapped, CountersLayout.HEADER_LENGTH + metadataLength, valuesLength));
    }

    /**
     * Maps an existing counters file read-only.
     *
     * @throws IOException when it does not exist or cannot be mapped.
     * @throws IllegalStateException when it is not a counters file of this layout version.
     */
    public static CountersFileReader open(final Path file) throws IOException
    {
        if (!Files.isRegularFile(file) || Files.size(file) < CountersLayout.HEADER_LENGTH)
        {
            throw new IOException("no counters file at " + file + " (is the forwarder running with this instance name?)");
        }
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), FileChannel.MapMode.READ_ONLY, "counters");
        try
        {
            return new CountersFileReader(mapped);
        }
        catch (final RuntimeException ex)
        {
            IoUtil.unmap(mapped);
            throw ex;
        }
    }

    public CountersReader counters()
    {
        return reader;
    }

    public long pid()
    {
        return header.getLong(CountersLayout.PID_OFFSET);
    }

    public long startTimeMs()
    {
        return header.getLong(CountersLayout.START_TIME_OFFSET);
    }

    /** The first counter of a type, or -1 ({@link CountersReader#NULL_COUNTER_ID}). */
    public int findByType(final int typeId)
    {
        final int[] found = {CountersReader.NULL_COUNTER_ID};
        reader.forEach((counterId, type, keyBuffer, label) ->
        {
            if (type == typeId && found[0] == CountersReader.NULL_COUNTER_ID)
            {
                found[0] = counterId;
            }
        });
        return found[0];
    }

    /** The liveness rule of docs/COUNTERS.md: the pid lives and the heartbeat is fresh. */
    public boolean isAlive(final long nowMs)
    {
        final int id = findByType(CountersLayout.TYPE_PROCESS_HEARTBEAT);
        if (id == CountersReader.NULL_COUNTER_ID)
        {
            return false;
        }
        final boolean processLives = ProcessHandle.of(pid()).map(ProcessHandle::isAlive).orElse(false);
        return processLives && nowMs - reader.getCounterValue(id) < CountersLayout.HEARTBEAT_TIMEOUT_MS;
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
