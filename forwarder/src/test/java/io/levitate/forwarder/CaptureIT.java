package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code levitate capture} against a real forwarder on net_pcap. The forwarder reads its input
 * from a FIFO the test writes in phases, so a capture is known to run (the CLI has written the
 * pcapng header, which the forwarder sends once the taps are in) before the frames it should see
 * are written.
 *
 * The worker blocks in its rx burst until the FIFO has a burst's worth of frames, so the test
 * writes a frame to another service every millisecond between phases ({@link #feed}).
 *
 * <p>Phase A: a capture of one VIP's frames as received and as sent holds exactly the input frames
 * to that VIP and exactly the output's tunnel packets of that VIP (byte for byte, tshark saying
 * which output frames those are), each commented with its service and backend. The capture client
 * is then killed (SIGKILL); a new capture is accepted within a second (one runs at a time, so the
 * first one ended and its taps are gone). Phase B: a drops-only capture of malformed frames (and
 * valid ones, which it must not hold) names each frame's drop reason as the counters name it.
 */
class CaptureIT {
    private static final String VIP = "198.18.0.1";
    private static final String DNS_VIP = "198.18.0.2";

    @TempDir
    Path dir;

    @Test
    void capturesExactlyWhatTheFilterNamesAndAKilledClientEndsTheCapture() throws Exception {
        final Path fifo = dir.resolve("in.pcap");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        final Path out = dir.resolve("out.pcap");
        final Path socket = dir.resolve("ctl.sock");
        final Path config = dir.resolve("lb.yaml");
        Files.writeString(config, """
            instance:
              name: capture-%d
              counters_dir: %s
              ports:
                - device: "net_pcap0,rx_pcap=%s,tx_pcap=%s"
              workers: 1
              hugepages: "no"
              addresses:
                ipv4: 10.0.1.2
                ipv6: "fd00:1::2"
              gateways:
                ipv4: 10.0.1.1
                ipv6: "fd00:1::1"
            hash_seed: 42
            services:
              - name: web
                vip: %s
                port: 80
                protocol: tcp
                backends: [{address: "10.0.2.1"}, {address: "10.0.2.2"}, {address: "10.0.2.3"}]
              - name: dns
                vip: %s
                port: 53
                protocol: udp
                backends: [{address: "10.0.3.1"}]
            control:
              socket: "%s"
            """.formatted(
                        ProcessHandle.current().pid(), dir.resolve("counters"), fifo, out, VIP, DNS_VIP, socket));

        final List<byte[]> web = new ArrayList<>();
        final List<byte[]> phaseA = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            final byte[] f = TestFrames.l4("203.0.113." + (1 + i), VIP, 6, 40000 + i, 80, i % 2 == 0 ? 0x02 : 0x10);
            web.add(f);
            phaseA.add(f);
            if (i % 4 == 0) {
                phaseA.add(TestFrames.l4("203.0.113." + (1 + i), DNS_VIP, 17, 5000 + i, 53, 0));
            }
        }
        final List<byte[]> phaseB = new ArrayList<>();
        final List<String> reasons = new ArrayList<>();
        final List<byte[]> malformed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            final byte[] ttl = TestFrames.l4("10.9.0." + (1 + i), VIP, 6, 1000 + i, 80, 0x02);
            ttl[22] = 0;
            fixChecksum(ttl);
            phaseB.add(ttl);
            malformed.add(ttl);
            reasons.add("ttl_zero");
            final byte[] ihl = TestFrames.l4("10.9.1." + (1 + i), VIP, 6, 1000 + i, 80, 0x02);
            ihl[14] = 0x43;
            phaseB.add(ihl);
            malformed.add(ihl);
            reasons.add("bad_ihl");
            // Cut inside the IP header. (A wrong IPv4 checksum is no drop: the forwarder does not check it.)
            final byte[] cut = java.util.Arrays.copyOf(TestFrames.l4("10.9.2." + (1 + i), VIP, 6, 1000 + i, 80, 2), 30);
            phaseB.add(cut);
            malformed.add(cut);
            reasons.add("truncated_ip");
            phaseB.add(TestFrames.l4("10.9.3." + (1 + i), VIP, 6, 2000 + i, 80, 0x02)); // valid: not a drop
            final byte[] elsewhere = TestFrames.l4("10.9.4." + (1 + i), "192.0.2.9", 17, 3000 + i, 53, 0);
            phaseB.add(elsewhere);
            malformed.add(elsewhere);
            reasons.add("no_service");
        }

        final BlockingQueue<List<byte[]>> phases = new LinkedBlockingQueue<>();
        final Thread writer = new Thread(() -> feed(fifo, phases), "fifo-writer");
        writer.setDaemon(true);
        writer.start();
        phases.add(TestFrames.gatewaysIntroduced());
        try (LevitateProcess levitate = LevitateProcess.start(
                "run", "--config", config.toString(), "--stats-interval", "0.2", "--metrics", "127.0.0.1:0")) {
            levitate.awaitLine(l -> l.contains("levitate: forwarding"), Duration.ofSeconds(60));

            // Phase A: one VIP, as received and as sent.
            final Path a = dir.resolve("a.pcapng");
            final LevitateProcess captureA = LevitateProcess.start(
                    "capture",
                    "--socket",
                    socket.toString(),
                    "-w",
                    a.toString(),
                    "--vip",
                    VIP,
                    "--point",
                    "both",
                    "--snaplen",
                    "2048");
            awaitHeader(a, captureA);
            phases.add(phaseA);
            awaitFrames(a, 2 * web.size());
            captureA.kill();
            captureA.awaitExit(Duration.ofSeconds(10));
            // The counters file keeps what captures lost to a full ring (none here: the ring is 4 MiB).
            final java.util.Map<String, Long> stat = LevitateProcess.stat(
                    "capture-" + ProcessHandle.current().pid(), dir.resolve("counters"), Duration.ofSeconds(30));
            assertEquals(0L, stat.get("worker 0: capture ring full"), stat.toString());

            // The killed client's capture ended (its session notices within 100 ms, sooner than a
            // new client's JVM starts): a new capture is accepted, not refused as a second one.
            final Path b = dir.resolve("b.pcapng");
            final LevitateProcess captureB = LevitateProcess.start(
                    "capture", "--socket", socket.toString(), "-w", b.toString(), "--drops", "--snaplen", "2048");
            awaitHeader(b, captureB);
            // Phase B: malformed frames among valid ones, drops only.
            phases.add(phaseB);
            awaitFrames(b, 2 * reasons.size()); // each drop as received and where it was dropped
            phases.add(List.of()); // end of input
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(Duration.ofSeconds(60)), String.join("\n", levitate.stderr()));
            assertEquals(0, captureB.awaitExit(Duration.ofSeconds(10)), String.join("\n", captureB.stderr()));
            assertTrue(
                    String.join("\n", captureB.stderr()).contains("written=" + 2 * reasons.size() + " ring_full=0"),
                    String.join("\n", captureB.stderr()));

            checkPhaseA(a, web, out);
            checkPhaseB(b, malformed, reasons);
        }
    }

    private static void checkPhaseA(final Path a, final List<byte[]> web, final Path out) throws Exception {
        final List<Block> blocks = epbs(a);
        final List<byte[]> rx = new ArrayList<>();
        final List<byte[]> tx = new ArrayList<>();
        final List<String> txComments = new ArrayList<>();
        for (final Block blk : blocks) {
            assertTrue(blk.comment.contains("service=web"), blk.comment);
            if (blk.comment.contains("point=rx")) {
                rx.add(blk.frame);
            } else {
                assertTrue(blk.comment.contains("point=tx verdict=forward"), blk.comment);
                tx.add(blk.frame);
                txComments.add(blk.comment);
            }
        }
        assertEquals(web.size(), rx.size(), "frames to the VIP as received");
        for (int i = 0; i < web.size(); i++) {
            assertArrayEquals(web.get(i), rx.get(i), "received frame " + i);
        }
        // The output's tunnel packets for the VIP (tshark: the inner addresses), in order.
        final List<byte[]> sent = PcapFile.read(out);
        final List<String[]> dst = TsharkFields.read(out, null, "a", "ip.dst", "ip.src");
        final List<byte[]> expected = new ArrayList<>();
        final List<String> backends = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            final String[] d = dst.get(i)[0].split(",");
            // Phase A's clients only: phase B's valid frames to the VIP came after that capture ended.
            if (d.length == 2 && d[1].equals(VIP) && dst.get(i)[1].contains(",203.0.113.")) {
                expected.add(sent.get(i));
                backends.add(d[0]);
            }
        }
        assertEquals(web.size(), expected.size(), "tunnel packets of the VIP in the output");
        assertEquals(expected.size(), tx.size(), "tunnel packets of the VIP as sent");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), tx.get(i), "sent frame " + i);
            assertTrue(txComments.get(i).contains("backend=web/" + backends.get(i)), txComments.get(i));
        }
    }

    private static void checkPhaseB(final Path b, final List<byte[]> dropped, final List<String> reasons)
            throws Exception {
        final List<Block> blocks = epbs(b);
        assertEquals(2 * reasons.size(), blocks.size(), "records of the drops-only capture");
        for (int i = 0; i < reasons.size(); i++) {
            final Block rx = blocks.get(2 * i);
            final Block drop = blocks.get(2 * i + 1);
            assertTrue(rx.comment.contains("point=rx verdict=drop reason=" + reasons.get(i)), rx.comment);
            assertTrue(drop.comment.contains("point=drop verdict=drop reason=" + reasons.get(i)), drop.comment);
            assertArrayEquals(dropped.get(i), rx.frame, "dropped frame " + i + " as received");
            assertArrayEquals(dropped.get(i), drop.frame, "dropped frame " + i + " as dropped");
        }
        // tshark reads the same comments.
        final List<String[]> comments = TsharkFields.read(b, null, "a", "frame.comment");
        assertEquals(blocks.size(), comments.size());
        for (int i = 0; i < blocks.size(); i++) {
            assertEquals(blocks.get(i).comment, comments.get(i)[0]);
        }
    }

    private static void fixChecksum(final byte[] f) {
        f[24] = 0;
        f[25] = 0;
        int sum = 0;
        for (int i = 14; i < 34; i += 2) {
            sum += ((f[i] & 0xFF) << 8) | (f[i + 1] & 0xFF);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        sum = ~sum & 0xFFFF;
        f[24] = (byte) (sum >>> 8);
        f[25] = (byte) sum;
    }

    /**
     * Writes the pcap header, then each phase's frames as it is queued and filler frames in between;
     * an empty phase closes the FIFO.
     */
    private static void feed(final Path fifo, final BlockingQueue<List<byte[]>> phases) {
        try (OutputStream o = Files.newOutputStream(fifo)) {
            final ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0xa1b2c3d4)
                    .putShort((short) 2)
                    .putShort((short) 4)
                    .putInt(0)
                    .putInt(0)
                    .putInt(65535)
                    .putInt(1);
            o.write(h.array());
            o.flush();
            int n = 0;
            int filler = 0;
            while (true) {
                // Between phases, a frame to the other service every millisecond: net_pcap blocks
                // in its rx burst until a burst's worth of frames has come, inside a downcall the
                // JVM cannot stop at a safepoint, so the input must never run dry for long.
                final List<byte[]> phase = phases.poll(1, TimeUnit.MILLISECONDS);
                if (phase != null && phase.isEmpty()) {
                    return;
                }
                final List<byte[]> frames = phase != null
                        ? phase
                        : List.of(TestFrames.l4(
                                "203.0.114." + (1 + filler % 200), DNS_VIP, 17, 6000 + filler++ % 1000, 53, 0));
                for (final byte[] f : frames) {
                    final ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                    r.putInt(1).putInt(n++).putInt(f.length).putInt(f.length);
                    o.write(r.array());
                    o.write(f);
                }
                o.flush();
            }
        } catch (final IOException | InterruptedException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private record Block(String comment, byte[] frame) {}

    /** The Enhanced Packet Blocks of a pcapng file: comment and frame. */
    private static List<Block> epbs(final Path file) throws IOException {
        final ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        final List<Block> blocks = new ArrayList<>();
        while (b.remaining() >= 12) {
            final int start = b.position();
            final int type = b.getInt(start);
            final int length = b.getInt(start + 4);
            if (length > b.remaining()) {
                break;
            }
            if (type == 6) {
                final int captured = b.getInt(start + 20);
                final byte[] frame = new byte[captured];
                b.get(start + 28, frame);
                final int options = start + 28 + ((captured + 3) & ~3);
                String comment = "";
                if (options < start + length - 4 && b.getShort(options) == 1) {
                    final byte[] text = new byte[b.getShort(options + 2)];
                    b.get(options + 4, text);
                    comment = new String(text, java.nio.charset.StandardCharsets.UTF_8);
                }
                blocks.add(new Block(comment, frame));
            }
            b.position(start + length);
        }
        return blocks;
    }

    private static void awaitHeader(final Path file, final LevitateProcess capture) throws Exception {
        if (!awaitHeaderOrExit(file, capture)) {
            fail("the capture did not start: " + String.join("\n", capture.stderr()));
        }
    }

    /** Whether the capture's file got its header (true) or the client exited first (false). */
    private static boolean awaitHeaderOrExit(final Path file, final LevitateProcess capture) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.size(file) >= 28) {
                return true;
            }
            if (!capture.isAlive()) {
                return Files.exists(file) && Files.size(file) >= 28;
            }
            Thread.sleep(10);
        }
        return fail(
                "no capture header in " + file + " (" + (Files.exists(file) ? Files.size(file) + " bytes" : "absent")
                        + "); the client " + (capture.isAlive() ? "runs" : "exited") + ", said: "
                        + String.join("\n", capture.stderr()) + String.join("\n", capture.stdout()));
    }

    private static void awaitFrames(final Path file, final int frames) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (epbs(file).size() < frames) {
            assertTrue(
                    System.nanoTime() < deadline,
                    "the capture holds " + epbs(file).size() + " of " + frames + ": "
                            + epbs(file).stream().map(Block::comment).toList());
            Thread.sleep(20);
        }
        Thread.sleep(300); // nothing more may come
        assertEquals(frames, epbs(file).size(), "frames in " + file);
    }
}
