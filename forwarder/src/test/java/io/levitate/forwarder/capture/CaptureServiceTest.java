package io.levitate.forwarder.capture;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.dpdk.Mbuf;
import io.levitate.forwarder.cli.LevitateCli;
import io.levitate.forwarder.control.ControlServer;
import io.levitate.packet.DropReason;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code levitate capture} end to end without DPDK: a {@link ControlServer} on a real Unix socket
 * offering a {@link CaptureService} over two worker slots, and a feeder thread standing in for the
 * workers (whatever tap is installed gets a frame per millisecond through the calls a worker
 * makes). The client reads pcapng (tshark reads it back); one capture runs at a time; a client
 * killed with SIGKILL ends the capture and the taps are gone within a second.
 */
class CaptureServiceTest {
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @TempDir
    Path dir;

    private Path socket;
    private ControlServer server;
    private CaptureService service;
    private final CaptureSlot[] slots = {new CaptureSlot(), new CaptureSlot()};
    private final AtomicBoolean feeding = new AtomicBoolean(true);
    private final Arena arena = Arena.ofShared();
    private Thread feeder;

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("run/control.sock");
        final Path config = dir.resolve("levitate.yaml");
        Files.writeString(config, "# not read here\n");
        server = new ControlServer(socket, config);
        service = new CaptureService(
                slots,
                name -> name.equals("web") ? 0 : -1,
                text -> -1,
                id -> id == 0 ? "web" : null,
                id -> "web/10.0.2." + id + ":0");
        server.capture(service);
        final long[] mbufs = new long[2];
        for (int i = 0; i < 2; i++) {
            final long m = arena.allocate(Mbuf.SIZE + 2176, 64).address();
            ALL.set(JAVA_LONG, m + Mbuf.BUF_ADDR_OFFSET, m + Mbuf.SIZE);
            ALL.set(JAVA_SHORT, m + Mbuf.DATA_OFF_OFFSET, (short) 128);
            final byte[] frame = PcapngWriterTest.udp(80 + i, i);
            ALL.set(JAVA_SHORT, m + Mbuf.DATA_LEN_OFFSET, (short) frame.length);
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, ALL, m + Mbuf.SIZE + 128, frame.length);
            mbufs[i] = m;
        }
        feeder = new Thread(() -> {
            while (feeding.get()) {
                for (int w = 0; w < slots.length; w++) {
                    final CaptureTap tap = slots[w].tap();
                    if (tap != null) {
                        // Worker w: frame 0 forwarded to web's backend 2, frame 1 dropped (bad_ihl).
                        final long now = System.nanoTime();
                        tap.after(tap.before(mbufs[0], now), mbufs[0], CaptureFilter.VERDICT_FORWARD, -1, 0, 2, now);
                        tap.after(
                                tap.before(mbufs[1], now),
                                mbufs[1],
                                CaptureFilter.VERDICT_DROP,
                                DropReason.BAD_IHL.id(),
                                -1,
                                -1,
                                now);
                    }
                }
                try {
                    Thread.sleep(1);
                } catch (final InterruptedException ex) {
                    return;
                }
            }
        });
        feeder.setDaemon(true);
        feeder.start();
    }

    @AfterEach
    void stop() throws Exception {
        feeding.set(false);
        feeder.join();
        service.stop();
        server.close();
        arena.close();
    }

    @Test
    void theClientReadsPcapngThatTsharkReads() throws Exception {
        final byte[] stream = readAll("capture count=6 point=rx,drop");
        final Path file = dir.resolve("c.pcapng");
        Files.write(file, stream);
        final List<String> rows = Tshark.fields(file, "frame.comment", "ip.src");
        assertEquals(6, rows.size(), String.join("\n", rows));
        for (final String row : rows) {
            assertTrue(
                    row.matches(
                                    "worker=[01] point=rx verdict=forward service=web backend=web/10\\.0\\.2\\.2:0\\|10\\.1\\.0\\.0")
                            || row.matches("worker=[01] point=(rx|drop) verdict=drop reason=bad_ihl\\|10\\.1\\.0\\.1"),
                    row);
        }
        awaitStopped();
    }

    @Test
    void oneCaptureAtATime() throws Exception {
        try (SocketChannel first = open("capture")) {
            await(() -> service.running() && slots[0].tap() != null, "the first capture started");
            final String refusal = new String(readAll("capture drops"), StandardCharsets.UTF_8);
            assertTrue(refusal.startsWith("refused: capture: another capture is running"), refusal);
            final String bad = new String(readAll("capture vip=nowhere"), StandardCharsets.UTF_8);
            assertEquals("refused: capture: vip=nowhere: not an IP address\n", bad);
        }
        awaitStopped();
        // Free again: a new one starts.
        assertEquals(2, countFrames(readAll("capture count=2")));
    }

    @Test
    void aClientKilledWithSigkillStopsTheCopyingWithinASecond() throws Exception {
        final Process client = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import socket,sys,time\n"
                                + "s=socket.socket(socket.AF_UNIX)\n"
                                + "s.connect(sys.argv[1])\n"
                                + "s.sendall(b'capture\\n')\n"
                                + "while s.recv(65536): pass\n",
                        socket.toString())
                .redirectErrorStream(true)
                .start();
        try {
            await(() -> service.running() && service.copied() > 100, "the capture copies frames");
            final CaptureTap tap = slots[1].tap();
            client.destroyForcibly(); // SIGKILL on Linux
            assertTrue(client.waitFor(5, TimeUnit.SECONDS));
            final long killed = System.nanoTime();
            await(() -> !service.running(), "the capture ended");
            final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertTrue(ms < 1000, "the capture ended " + ms + " ms after the client died");
            assertNull(slots[0].tap());
            assertNull(slots[1].tap());
            final long copied = tap.copied() + tap.ringFull();
            Thread.sleep(50);
            assertEquals(copied, tap.copied() + tap.ringFull(), "the worker stopped copying");
        } finally {
            client.destroyForcibly();
        }
    }

    @Test
    void theCliWritesTheFileAndSaysWhatWasLost() throws Exception {
        final Path file = dir.resolve("cli.pcapng");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream saved = System.err;
        final int code;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            code = LevitateCli.execute(
                    "capture", "--socket", socket.toString(), "-w", file.toString(), "--drops", "--count", "4");
        } finally {
            System.setErr(saved);
        }
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        final List<String> rows = Tshark.fields(file, "frame.comment");
        assertEquals(4, rows.size());
        rows.forEach(r -> assertTrue(r.contains("verdict=drop reason=bad_ihl"), r));
        final String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("written=4 ring_full=0 over_rate=0"), said);
        assertTrue(said.contains("4 frame(s) written"), said);
        // A refusal is printed, and the exit code says so.
        final int refused = LevitateCli.execute(
                "capture", "--socket", socket.toString(), "-w", file.toString(), "--service", "mail");
        assertEquals(1, refused);
        awaitStopped();
    }

    @Test
    void theRateLimitIsCountedNotWritten() throws Exception {
        final byte[] stream = readAll("capture rate=5 duration=1 point=rx");
        assertTrue(countFrames(stream) <= 10, "at most 5 a second (two windows at most in a second)");
        assertTrue(countFrames(stream) >= 5, "frames were written");
    }

    private void awaitStopped() throws InterruptedException {
        await(() -> !service.running() && slots[0].tap() == null && slots[1].tap() == null, "the capture ended");
    }

    private static int countFrames(final byte[] stream) {
        final ByteBuffer b = ByteBuffer.wrap(stream).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int frames = 0;
        while (b.remaining() >= 12) {
            final int type = b.getInt(b.position());
            final int length = b.getInt(b.position() + 4);
            frames += type == PcapngWriter.EPB ? 1 : 0;
            b.position(b.position() + length);
        }
        return frames;
    }

    private SocketChannel open(final String request) throws Exception {
        final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        channel.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
        return channel;
    }

    /** The whole reply, until the server closes. */
    private byte[] readAll(final String request) throws Exception {
        try (SocketChannel channel = open(request)) {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteBuffer in = ByteBuffer.allocate(65536);
            while (channel.read(in) > 0) {
                out.write(in.array(), 0, in.position());
                in.clear();
            }
            return out.toByteArray();
        }
    }

    private interface Condition {
        boolean holds();
    }

    private static void await(final Condition condition, final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.holds()) {
            assertFalse(System.nanoTime() > deadline, "timed out waiting until " + what);
            Thread.sleep(5);
        }
    }
}
