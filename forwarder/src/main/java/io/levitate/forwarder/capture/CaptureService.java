package io.levitate.forwarder.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;
import org.agrona.concurrent.MessageHandler;

/**
 * The control side of {@code levitate capture}: takes a {@code capture ...} request's connection
 * from the control socket, installs a {@link CaptureTap} in every worker's {@link CaptureSlot},
 * and on its own thread drains the workers' rings and streams pcapng ({@link PcapngWriter}) back
 * over the same connection until the count or duration is reached or the client goes away.
 *
 * <p>One capture at a time: a second request is refused with a line saying so. The session polls
 * its connection every {@link #CLIENT_CHECK_MS} ms; end of stream or an error (the client was
 * killed) ends it, and the taps are removed at once, so the workers stop copying within a second.
 * The rate limit is the capture thread's: frames over it are read from the ring and counted, not
 * written. At the end an Interface Statistics Block says how many frames found a ring full and how
 * many were over the rate (the CLI prints it).
 */
public final class CaptureService {
    /** The request word. */
    public static final String COMMAND = "capture";

    static final long CLIENT_CHECK_MS = 100;
    /** Each worker's ring: 4 MiB holds some 10,000 frames of the default snaplen. */
    static final int RING_BYTES = 1 << 22;

    private static final int WRITER_BYTES = 1 << 20;
    private static final int FRAMES_PER_READ = 256;

    private final CaptureSlot[] slots;
    private final ToIntFunction<String> serviceIds;
    private final ToIntFunction<String> backendIds;
    private final IntFunction<String> serviceNames;
    private final IntFunction<String> backendNames;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Session session;
    private volatile Thread thread;

    /**
     * @param slots        one per worker, the ones the workers were built with
     * @param serviceIds   a service's id by name, -1 if none
     * @param backendIds   a backend's id by address (or id text), -1 if none
     * @param serviceNames a service's name by id (for comments; null: show the id)
     * @param backendNames a backend's label by id (for comments; null: show the id)
     */
    public CaptureService(
            final CaptureSlot[] slots,
            final ToIntFunction<String> serviceIds,
            final ToIntFunction<String> backendIds,
            final IntFunction<String> serviceNames,
            final IntFunction<String> backendNames) {
        this.slots = slots.clone();
        this.serviceIds = serviceIds;
        this.backendIds = backendIds;
        this.serviceNames = serviceNames;
        this.backendNames = backendNames;
    }

    /** Whether a capture is running (its taps installed). */
    public boolean running() {
        return running.get();
    }

    /** Frames the running (or last) capture's workers copied into their rings. */
    public long copied() {
        final Session s = session;
        return s == null ? 0 : s.copied();
    }

    /**
     * Starts a capture for request words {@code words} on {@code client}, which it then owns (and
     * closes when the capture ends).
     *
     * @return null when the capture started, else the refusal to send before closing the connection
     */
    public String start(final String words, final SocketChannel client) {
        final CaptureRequest request;
        try {
            request = CaptureRequest.parse(words, serviceIds, backendIds);
        } catch (final IllegalArgumentException ex) {
            return "refused: capture: " + ex.getMessage() + "\n";
        }
        if (request.filter().points() == 0) {
            return "refused: capture: no point asked for\n";
        }
        if (!running.compareAndSet(false, true)) {
            return "refused: capture: another capture is running (one at a time); stop it first\n";
        }
        final Session s = new Session(request, client);
        session = s;
        final Thread t = new Thread(s::run, "levitate-capture");
        t.setDaemon(true);
        thread = t;
        t.start();
        return null;
    }

    /**
     * Stops a running capture (forwarder shutdown) and waits (a second at most) for its session to
     * end, so its client gets the closing statistics before the process exits.
     */
    public void stop() {
        final Session s = session;
        if (s != null) {
            s.stopped = true;
        }
        final Thread t = thread;
        if (t != null) {
            try {
                t.join(1000);
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class Session implements MessageHandler {
        private final CaptureRequest request;
        private final SocketChannel client;
        private final CaptureTap[] taps;
        private final PcapngWriter writer = new PcapngWriter(WRITER_BYTES);
        private final byte[] frame;
        private final StringBuilder comment = new StringBuilder(128);
        private final long epochNanos;
        private final long monoNanos;
        private final long startNanos;
        private volatile boolean stopped;
        private long written;
        private long overRate;
        private long windowStart;
        private long windowFrames;
        private boolean clientGone;

        Session(final CaptureRequest request, final SocketChannel client) {
            this.request = request;
            this.client = client;
            this.frame = new byte[request.snaplen()];
            this.taps = new CaptureTap[slots.length];
            for (int w = 0; w < slots.length; w++) {
                taps[w] = new CaptureTap(w, request.filter(), request.snaplen(), RING_BYTES);
            }
            final Instant now = Instant.now();
            monoNanos = System.nanoTime();
            startNanos = monoNanos;
            epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        long copied() {
            long sum = 0;
            for (final CaptureTap t : taps) {
                sum += t.copied();
            }
            return sum;
        }

        void run() {
            try {
                client.configureBlocking(false);
                // Taps first: a client that has read the header knows every later frame is seen.
                for (int w = 0; w < slots.length; w++) {
                    slots[w].install(taps[w]);
                }
                writer.header(request.snaplen(), "levitate capture");
                flush();
                long nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLIENT_CHECK_MS);
                while (!stopped && !clientGone && !limitReached()) {
                    int read = 0;
                    for (final CaptureTap t : taps) {
                        read += t.drain(this, FRAMES_PER_READ);
                        if (writer.remaining() < PcapngWriter.packetSize(request.snaplen(), 256)) {
                            flush();
                        }
                    }
                    if (read > 0) {
                        flush();
                    }
                    final long now = System.nanoTime();
                    if (now - nextCheck >= 0) {
                        for (int w = 0; w < slots.length; w++) {
                            slots[w].publishRingFull(taps[w]);
                        }
                        checkClient();
                        nextCheck = now + TimeUnit.MILLISECONDS.toNanos(CLIENT_CHECK_MS);
                    }
                    if (read == 0) {
                        LockSupport.parkNanos(1_000_000);
                    }
                }
            } catch (final IOException ex) {
                clientGone = true;
            } finally {
                for (int w = 0; w < slots.length; w++) {
                    slots[w].remove();
                    slots[w].retire(taps[w]);
                }
                finish();
                session = this;
                running.set(false);
            }
        }

        private boolean limitReached() {
            return (request.count() > 0 && written >= request.count())
                    || (request.durationMs() > 0
                            && System.nanoTime() - startNanos >= TimeUnit.MILLISECONDS.toNanos(request.durationMs()));
        }

        /** The summary block, then close: the client reads to end of stream. */
        private void finish() {
            long full = 0;
            for (final CaptureTap t : taps) {
                full += t.ringFull();
            }
            if (!clientGone) {
                try {
                    writer.statistics(
                            micros(System.nanoTime()),
                            full + overRate,
                            "written=" + written + " ring_full=" + full + " over_rate=" + overRate);
                    flush();
                } catch (final IOException ignored) {
                    // The client went away at the end: nothing to tell it.
                }
            }
            try {
                client.close();
            } catch (final IOException ignored) {
                // Closing a Unix socket does not fail in a way anyone could act on.
            }
        }

        /** A non-blocking read: the client sends nothing after its request, so end of stream means it is gone. */
        private void checkClient() throws IOException {
            final ByteBuffer probe = ByteBuffer.allocate(64);
            if (client.read(probe) < 0) {
                clientGone = true;
            }
        }

        private void flush() throws IOException {
            final ByteBuffer bytes = writer.drain();
            try {
                long lastCheck = System.nanoTime();
                while (bytes.hasRemaining()) {
                    if (client.write(bytes) == 0) {
                        // The reader is slow: wait for it, but notice if it is gone or we are stopped.
                        LockSupport.parkNanos(200_000);
                        final long now = System.nanoTime();
                        if (now - lastCheck > TimeUnit.MILLISECONDS.toNanos(CLIENT_CHECK_MS)) {
                            checkClient();
                            lastCheck = now;
                            if (clientGone || stopped) {
                                throw new IOException("capture client gone");
                            }
                        }
                    }
                }
            } finally {
                writer.compact();
            }
        }

        private long micros(final long nanoTime) {
            return (epochNanos + (nanoTime - monoNanos)) / 1000;
        }

        @Override
        public void onMessage(
                final int point, final org.agrona.MutableDirectBuffer buffer, final int index, final int length) {
            if (request.count() > 0 && written >= request.count()) {
                return;
            }
            final long time = buffer.getLong(index + CaptureTap.TIME);
            if (request.rate() > 0) {
                if (time - windowStart >= 1_000_000_000L) {
                    windowStart = time;
                    windowFrames = 0;
                }
                if (windowFrames >= request.rate()) {
                    overRate++;
                    return;
                }
                windowFrames++;
            }
            final int captured = buffer.getInt(index + CaptureTap.CAPTURED_LENGTH);
            buffer.getBytes(index + CaptureTap.HEADER, frame, 0, captured);
            comment.setLength(0);
            comment.append("worker=")
                    .append(buffer.getInt(index + CaptureTap.WORKER))
                    .append(" point=")
                    .append(
                            point == CaptureFilter.RX
                                    ? "rx"
                                    : point == CaptureFilter.TX ? "tx" : point == CaptureFilter.DROP ? "drop" : "?")
                    .append(" verdict=")
                    .append(verdict(buffer.getInt(index + CaptureTap.VERDICT)));
            final int reason = buffer.getInt(index + CaptureTap.REASON);
            if (reason >= 0) {
                comment.append(" reason=").append(ReasonNames.name(reason));
            }
            final int service = buffer.getInt(index + CaptureTap.SERVICE);
            if (service >= 0) {
                final String name = serviceNames.apply(service);
                comment.append(" service=").append(name != null ? name : Integer.toString(service));
            }
            final int backend = buffer.getInt(index + CaptureTap.BACKEND);
            if (backend >= 0) {
                final String name = backendNames.apply(backend);
                comment.append(" backend=").append(name != null ? name : Integer.toString(backend));
            }
            final byte[] text = comment.toString().getBytes(StandardCharsets.UTF_8);
            writer.packet(
                    micros(time),
                    frame,
                    0,
                    captured,
                    buffer.getInt(index + CaptureTap.ORIGINAL_LENGTH),
                    text,
                    Math.min(text.length, 256));
            written++;
        }
    }

    static String verdict(final int verdict) {
        return switch (verdict) {
            case CaptureFilter.VERDICT_DROP -> "drop";
            case CaptureFilter.VERDICT_FORWARD -> "forward";
            case CaptureFilter.VERDICT_REPLY -> "reply";
            case CaptureFilter.VERDICT_KERNEL -> "kernel";
            default -> Integer.toString(verdict);
        };
    }
}
