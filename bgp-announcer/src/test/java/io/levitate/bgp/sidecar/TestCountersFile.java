package io.levitate.bgp.sidecar;

import io.levitate.bgp.config.ServiceConfig;
import io.levitate.core.counters.CountersLayout;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * A stand-in forwarder for tests: creates a counters file with exactly the layout of
 * docs/COUNTERS.md through Agrona's CountersManager, and drives the heartbeat (every 100 ms, like
 * the forwarder's control thread), the state and per-service healthy-backend counters.
 */
public final class TestCountersFile implements AutoCloseable {
    private static final int VALUES_LENGTH = 64 * 1024;

    private final Path file;
    private final MappedByteBuffer mapped;
    private final CountersManager manager;
    private final AtomicCounter heartbeat;
    private final AtomicCounter state;
    private final Map<String, AtomicCounter> healthy = new HashMap<>();
    private final ScheduledExecutorService beat = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "test-forwarder-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean beating = true;

    public TestCountersFile(final Path file) throws IOException {
        this(file, ProcessHandle.current().pid());
    }

    public TestCountersFile(final Path file, final long pid) throws IOException {
        this.file = file;
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        final int metadataLength = VALUES_LENGTH * (CountersManager.METADATA_LENGTH / CountersManager.COUNTER_LENGTH);
        mapped = IoUtil.mapNewFile(file.toFile(), CountersLayout.HEADER_LENGTH + metadataLength + VALUES_LENGTH, true);
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, CountersLayout.HEADER_LENGTH);
        header.putInt(CountersLayout.VERSION_OFFSET, CountersLayout.VERSION);
        header.putInt(CountersLayout.METADATA_LENGTH_OFFSET, metadataLength);
        header.putInt(CountersLayout.VALUES_LENGTH_OFFSET, VALUES_LENGTH);
        header.putLong(CountersLayout.PID_OFFSET, pid);
        header.putLong(CountersLayout.START_TIME_OFFSET, System.currentTimeMillis());
        manager = new CountersManager(
                new UnsafeBuffer(mapped, CountersLayout.HEADER_LENGTH, metadataLength),
                new UnsafeBuffer(mapped, CountersLayout.HEADER_LENGTH + metadataLength, VALUES_LENGTH));
        heartbeat = manager.newCounter("process heartbeat", CountersLayout.TYPE_PROCESS_HEARTBEAT);
        state = manager.newCounter("forwarder state", CountersLayout.TYPE_FORWARDER_STATE);
        heartbeat.setRelease(System.currentTimeMillis());
        state.setRelease(CountersLayout.STATE_RUNNING);
        header.putIntRelease(CountersLayout.MAGIC_OFFSET, CountersLayout.MAGIC);
        beat.scheduleAtFixedRate(
                () -> {
                    if (beating) {
                        heartbeat.setRelease(System.currentTimeMillis());
                    }
                },
                100,
                100,
                TimeUnit.MILLISECONDS);
    }

    /** Adds (or sets) the healthy-backends counter of a service. */
    public TestCountersFile healthy(final ServiceConfig service, final long backends) {
        healthy.computeIfAbsent(
                        service.name(),
                        n -> manager.newCounter(
                                "service " + n + " healthy backends",
                                CountersLayout.TYPE_SERVICE_HEALTHY_BACKENDS,
                                buffer -> buffer.putBytes(0, service.counterKey())))
                .setRelease(backends);
        return this;
    }

    public void state(final long value) {
        state.setRelease(value);
    }

    /** The forwarder hangs or dies: the heartbeat stops. Returns the wall time of the last beat. */
    public long stopHeartbeat() {
        beating = false;
        return heartbeat.get();
    }

    public void startHeartbeat() {
        beating = true;
        heartbeat.setRelease(System.currentTimeMillis());
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        beat.shutdownNow();
        IoUtil.unmap(mapped);
        Files.deleteIfExists(file);
    }
}
