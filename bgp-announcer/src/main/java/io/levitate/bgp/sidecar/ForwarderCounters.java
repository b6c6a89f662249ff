package io.levitate.bgp.sidecar;

import io.levitate.core.counters.CountersFileReader;
import io.levitate.core.counters.CountersLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Objects;
import org.agrona.concurrent.status.CountersReader;

/**
 * Watches the forwarder's counters file (docs/COUNTERS.md) through the shared
 * {@link CountersFileReader} and applies its liveness rule, saying why when the forwarder is not
 * alive. Maps the file once and re-maps when it is replaced (a restarted forwarder creates a new
 * one); a deleted or replaced file leaves the old mapping valid, so its heartbeat simply goes stale.
 *
 * <p>{@link #poll} scans the metadata records each time (a few hundred at most) rather than
 * caching counter ids, so a forwarder reconfiguration that frees and reallocates counters is
 * never misread. One thread only.
 */
public final class ForwarderCounters implements AutoCloseable {
    /** How often the file's identity is re-checked while everything looks healthy. */
    private static final long IDENTITY_CHECK_MILLIS = 1_000;

    private final Path file;
    private CountersFileReader mapped;
    private Object fileKey;
    private long lastIdentityCheck;

    // Results of the last poll.
    private boolean alive;
    private String reason = "not read yet";
    private long state = -1;
    private long heartbeatAgeMillis = -1;
    private final byte[][] serviceKeys;
    private final long[] healthy;

    /** @param serviceKeys the 20-byte service keys whose healthy-backend counters {@link #healthyBackends} reports. */
    public ForwarderCounters(final Path file, final byte[][] serviceKeys) {
        this.file = file;
        this.serviceKeys = serviceKeys;
        this.healthy = new long[serviceKeys.length];
    }

    /** Re-reads everything; returns whether the forwarder is alive (then the other getters are current). */
    public boolean poll(final long nowEpochMillis) {
        Arrays.fill(healthy, -1);
        state = -1;
        heartbeatAgeMillis = -1;
        alive = false;
        if (!ensureMapped(nowEpochMillis)) {
            return false;
        }
        if (!mapped.processAlive()) {
            reason = "forwarder pid " + mapped.pid() + " is not running";
            return false;
        }
        long heartbeat = Long.MIN_VALUE;
        final CountersReader reader = mapped.counters();
        final int max = reader.maxCounterId();
        for (int id = 0; id <= max; id++) {
            final int recordState = reader.getCounterState(id);
            if (recordState == CountersReader.RECORD_UNUSED) {
                break; // CountersManager allocates ids in order: nothing after the first unused record.
            }
            if (recordState != CountersReader.RECORD_ALLOCATED) {
                continue;
            }
            final int type = reader.getCounterTypeId(id);
            if (type == CountersLayout.TYPE_PROCESS_HEARTBEAT) {
                heartbeat = reader.getCounterValue(id);
            } else if (type == CountersLayout.TYPE_FORWARDER_STATE) {
                state = reader.getCounterValue(id);
            } else if (type == CountersLayout.TYPE_SERVICE_HEALTHY_BACKENDS) {
                for (int s = 0; s < serviceKeys.length; s++) {
                    if (mapped.keyStartsWith(id, serviceKeys[s])) {
                        healthy[s] = reader.getCounterValue(id);
                    }
                }
            }
        }
        if (heartbeat == Long.MIN_VALUE) {
            reason = "no heartbeat counter in " + file;
            return false;
        }
        heartbeatAgeMillis = nowEpochMillis - heartbeat;
        if (!CountersFileReader.heartbeatFresh(heartbeat, nowEpochMillis)) {
            reason = "heartbeat is " + heartbeatAgeMillis + " ms old";
            // A stale heartbeat may mean a replaced file: look again next time.
            lastIdentityCheck = 0;
            return false;
        }
        alive = true;
        reason = "alive";
        return true;
    }

    private boolean ensureMapped(final long now) {
        if (mapped != null && now - lastIdentityCheck < IDENTITY_CHECK_MILLIS) {
            return true;
        }
        lastIdentityCheck = now;
        final Object key;
        try {
            key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (final NoSuchFileException e) {
            unmap();
            reason = "no counters file " + file + " (forwarder not running?)";
            return false;
        } catch (final IOException e) {
            unmap();
            reason = "cannot stat " + file + ": " + e.getMessage();
            return false;
        }
        if (mapped != null && Objects.equals(key, fileKey)) {
            return true;
        }
        unmap();
        return map(key);
    }

    private boolean map(final Object key) {
        try {
            mapped = CountersFileReader.open(file);
        } catch (final IllegalStateException e) {
            // Not a counters file of this layout (or one still being written): the message says which.
            reason = e.getMessage();
            return false;
        } catch (final IOException e) {
            reason = "cannot map " + file + ": " + e.getMessage();
            return false;
        }
        fileKey = key;
        return true;
    }

    private void unmap() {
        if (mapped != null) {
            mapped.close();
            mapped = null;
            fileKey = null;
        }
    }

    public boolean alive() {
        return alive;
    }

    /** Why the forwarder is not alive (or "alive"). */
    public String reason() {
        return reason;
    }

    /** Forwarder state counter (0 starting, 1 running, 2 draining, 3 stopping), -1 if unknown. */
    public long state() {
        return state;
    }

    public long heartbeatAgeMillis() {
        return heartbeatAgeMillis;
    }

    /** Healthy backends of service {@code index} (in constructor order), or -1 when it has no counter. */
    public long healthyBackends(final int index) {
        return healthy[index];
    }

    @Override
    public void close() {
        unmap();
    }
}
