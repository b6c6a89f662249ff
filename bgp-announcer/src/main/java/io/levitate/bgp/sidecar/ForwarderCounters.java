package io.levitate.bgp.sidecar;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads the forwarder's counters file read-only (docs/COUNTERS.md) and applies its liveness rule.
 * Maps the file once and re-maps when it is replaced (a restarted forwarder creates a new one);
 * a deleted or replaced file leaves the old mapping valid, so its heartbeat simply goes stale.
 *
 * <p>{@link #poll} scans the metadata records each time (a few hundred at most) rather than
 * caching counter ids, so a forwarder reconfiguration that frees and reallocates counters is
 * never misread. One thread only.
 */
public final class ForwarderCounters implements AutoCloseable
{
    /** How often the file's identity is re-checked while everything looks healthy. */
    private static final long IDENTITY_CHECK_MILLIS = 1_000;

    private final Path file;
    private MappedByteBuffer mapped;
    private CountersReader reader;
    private Object fileKey;
    private long lastIdentityCheck;
    private long pid;

    // Results of the last poll.
    private boolean alive;
    private String reason = "not read yet";
    private long state = -1;
    private long heartbeatAgeMillis = -1;
    private final byte[][] serviceKeys;
    private final long[] healthy;

    /** @param serviceKeys the 20-byte service keys whose healthy-backend counters {@link #healthyBackends} reports. */
    public ForwarderCounters(final Path file, final byte[][] serviceKeys)
    {
        this.file = file;
        this.serviceKeys = serviceKeys;
        this.healthy = new long[serviceKeys.length];
    }

    /** Re-reads everything; returns whether the forwarder is alive (then the other getters are current). */
    public boolean poll(final long nowEpochMillis)
    {
        Arrays.fill(healthy, -1);
        state = -1;
        heartbeatAgeMillis = -1;
        alive = false;
        if (!ensureMapped(nowEpochMillis))
        {
            return false;
        }
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        {
            reason = "forwarder pid " + pid + " is not running";
            return false;
        }
        long heartbeat = Long.MIN_VALUE;
        final UnsafeBuffer meta = (UnsafeBuffer)reader.metaDataBuffer();
        final int max = reader.maxCounterId();
        for (int id = 0; id <= max; id++)
        {
            final int recordState = reader.getCounterState(id);
            if (recordState == CountersReader.RECORD_UNUSED)
            {
                break;  // CountersManager allocates ids in order: nothing after the first unused record.
            }
            if (recordState != CountersReader.RECORD_ALLOCATED)
            {
                continue;
            }
            final int type = reader.getCounterTypeId(id);
            if (type == CountersLayout.TYPE_PROCESS_HEARTBEAT)
            {
                heartbeat = reader.getCounterValue(id);
            }
            else if (type == CountersLayout.TYPE_FORWARDER_STATE)
            {
                state = reader.getCounterValue(id);
            }
            else if (type == CountersLayout.TYPE_SERVICE_HEALTHY_BACKENDS)
            {
                final int keyOffset = CountersReader.metaDataOffset(id) + CountersReader.KEY_OFFSET;
                for (int s = 0; s < serviceKeys.length; s++)
                {
                    if (keyMatches(meta, keyOffset, serviceKeys[s]))
                    {
                        healthy[s] = reader.getCounterValue(id);
                    }
                }
            }
        }
        if (heartbeat == Long.MIN_VALUE)
        {
            reason = "no heartbeat counter in " + file;
            return false;
        }
        heartbeatAgeMillis = nowEpochMillis - heartbeat;
        if (heartbeatAgeMillis >= CountersLayout.HEARTBEAT_TIMEOUT_MILLIS)
        {
            reason = "heartbeat is " + heartbeatAgeMillis + " ms old";
            // A stale heartbeat may mean a replaced file: look again next time.
            lastIdentityCheck = 0;
            return false;
        }
        alive = true;
        reason = "alive";
        return true;
    }

    private static boolean keyMatches(final UnsafeBuffer meta, final int offset, final byte[] key)
    {
        for (int i = 0; i < key.length; i++)
        {
            if (meta.getByte(offset + i) != key[i])
            {
                return false;
            }
        }
        return true;
    }

    private boolean ensureMapped(final long now)
    {
        if (mapped != null && now - lastIdentityCheck < IDENTITY_CHECK_MILLIS)
        {
            return true;
        }
        lastIdentityCheck = now;
        final Object key;
        try
        {
            key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        }
        catch (final NoSuchFileException e)
        {
            unmap();
            reason = "no counters file " + file + " (forwarder not running?)";
            return false;
        }
        catch (final IOException e)
        {
            unmap();
            reason = "cannot stat " + file + ": " + e.getMessage();
            return false;
        }
        if (mapped != null && Objects.equals(key, fileKey))
        {
            return true;
        }
        unmap();
        return map(key);
    }

    private boolean map(final Object key)
    {
        final MappedByteBuffer m;
        try
        {
            m = IoUtil.mapExistingFile(file.toFile(), FileChannel.MapMode.READ_ONLY, "levitate counters");
        }
        catch (final RuntimeException e)
        {
            reason = "cannot map " + file + ": " + e.getMessage();
            return false;
        }
        if (m.capacity() < CountersLayout.HEADER_LENGTH)
        {
            IoUtil.unmap(m);
            reason = file + " is shorter than its header";
            return false;
        }
        final UnsafeBuffer header = new UnsafeBuffer(m, 0, CountersLayout.HEADER_LENGTH);
        final int magic = header.getIntVolatile(CountersLayout.MAGIC_OFFSET);
        if (magic != CountersLayout.MAGIC)
        {
            IoUtil.unmap(m);
            reason = file + ": bad magic 0x" + Integer.toHexString(magic) + " (not a Levitate counters file, or still being written)";
            return false;
        }
        final int version = header.getInt(CountersLayout.VERSION_OFFSET);
        final int metaLength = header.getInt(CountersLayout.METADATA_LENGTH_OFFSET);
        final int valuesLength = header.getInt(CountersLayout.VALUES_LENGTH_OFFSET);
        if (version != CountersLayout.VERSION)
        {
            IoUtil.unmap(m);
            reason = file + ": layout version " + version + ", this announcer reads " + CountersLayout.VERSION;
            return false;
        }
        if (metaLength <= 0 || valuesLength <= 0 ||
            (long)CountersLayout.HEADER_LENGTH + metaLength + valuesLength > m.capacity())
        {
            IoUtil.unmap(m);
            reason = file + ": buffer lengths " + metaLength + "+" + valuesLength + " exceed the file";
            return false;
        }
        pid = header.getLong(CountersLayout.PID_OFFSET);
        mapped = m;
        fileKey = key;
        reader = new CountersReader(new UnsafeBuffer(m, CountersLayout.HEADER_LENGTH, metaLength),
            new UnsafeBuffer(m, CountersLayout.HEADER_LENGTH + metaLength, valuesLength));
        return true;
    }

    private void unmap()
    {
        if (mapped != null)
        {
            IoUtil.unmap(mapped);
            mapped = null;
            reader = null;
            fileKey = null;
        }
    }

    public boolean alive()
    {
        return alive;
    }

    /** Why the forwarder is not alive (or "alive"). */
    public String reason()
    {
        return reason;
    }

    /** Forwarder state counter (0 starting, 1 running, 2 draining, 3 stopping), -1 if unknown. */
    public long state()
    {
        return state;
    }

    public long heartbeatAgeMillis()
    {
        return heartbeatAgeMillis;
    }

    /** Healthy backends of service {@code index} (in constructor order), or -1 when it has no counter. */
    public long healthyBackends(final int index)
    {
        return healthy[index];
    }

    @Override
    public void close()
    {
        unmap();
    }
}
