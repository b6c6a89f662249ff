package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.forwarder.capture.CaptureFilter;
import io.levitate.forwarder.capture.CaptureRequest;
import io.levitate.forwarder.capture.CaptureTap;
import io.levitate.forwarder.capture.ReasonNames;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.gre.EncapConfig;
import io.levitate.gre.GreEncapsulator;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A capture on a real worker ({@link OffPortWorker}: fast path, general path, conntrack) fed the
 * random frames of {@link FastPathEquivalenceTest}, valid and broken. A second worker without a
 * capture handles the same frames one at a time, and from its counters the test knows each frame's
 * verdict, drop reason, service and backend; its own reading of each frame's headers says which
 * frames a filter names. The capture must hold exactly those frames, at the points asked for,
 * with the bytes received (rx), sent (tx, after encapsulation) or dropped, and the worker with the
 * capture must do exactly what the one without does (a capture observes, never alters).
 */
class CaptureWorkerTest {
    private static final int BURST = 32;
    private static final long PORT_MAC = 0x0270_6361_7000L;
    private static final long GATEWAY_MAC = 0x0200_0000_0001L;
    private static final int SNAPLEN = 128;

    private final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        arena.close();
    }

    /** One expected or captured record. */
    private record Rec(int point, int verdict, int reason, int service, int backend, int length, byte[] bytes) {
        @Override
        public boolean equals(final Object o) {
            return o instanceof Rec r
                    && point == r.point
                    && verdict == r.verdict
                    && reason == r.reason
                    && service == r.service
                    && backend == r.backend
                    && length == r.length
                    && Arrays.equals(bytes, r.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "point=" + point + " verdict=" + verdict + " reason=" + ReasonNames.name(reason) + " service="
                    + service + " backend=" + backend + " length=" + length;
        }
    }

    private OffPortWorker worker(final LevitateConfig config, final DataPlaneSnapshot snapshot) {
        final AtomicReference<DataPlaneSnapshot> published = new AtomicReference<>(snapshot);
        final Neighbours neighbours = new Neighbours(
                0x0A00_0102, true, 0xFD00_0001_0000_0000L, 2, true, 0x0A00_0101, true, 0xFD00_0001_0000_0000L, 1, true);
        neighbours.confirmV4(GATEWAY_MAC, Long.MAX_VALUE / 2);
        neighbours.confirmV6(GATEWAY_MAC + 1, Long.MAX_VALUE / 2);
        final ConntrackTable conntrack = new ConntrackTable(
                config.conntrack().toConntrackConfig(7).withServices(SnapshotBuilder.MAX_SERVICES, 0));
        final GreEncapsulator encapsulator = new GreEncapsulator(EncapConfig.builder()
                .portMac(PORT_MAC)
                .mtu(1400)
                .sourceV4("10.0.9.0", 24)
                .sourceV6("fd00:9::", 64)
                .build());
        return new OffPortWorker(arena, 1, BURST, published, neighbours, conntrack, encapsulator, PORT_MAC);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "vip=198.18.0.1 point=both",
                "drops",
                "reason=bad_ihl,ttl_zero,no_service point=drop",
                "service=web point=tx",
                "client=10.100.0.0/26 port=80 proto=tcp",
                "vip=198.18.0.2 point=rx",
                "drops point=rx"
            })
    void theCaptureHoldsExactlyTheFramesTheFilterNames(final String words) throws Exception {
        final LevitateConfig config = FastPathEquivalenceTest.parse("active");
        final DataPlaneSnapshot snapshot = FastPathEquivalenceTest.keyed(new SnapshotBuilder().build(config, Map.of()));
        final OffPortWorker captured = worker(config, snapshot);
        final OffPortWorker reference = worker(config, snapshot);
        final int web = snapshot.service("web").index;
        final CaptureRequest request = CaptureRequest.parse(
                words, name -> snapshot.service(name) == null ? -1 : snapshot.service(name).index, text -> -1);
        final Oracle oracle = new Oracle(words, web);
        final CaptureTap tap = new CaptureTap(1, request.filter(), SNAPLEN, 1 << 22);
        captured.capture.install(tap);

        final SplittableRandom random = new SplittableRandom(7);
        final List<Rec> expected = new ArrayList<>();
        final List<Rec> got = new ArrayList<>();
        final int[] points = {0};
        int matched = 0;
        for (int b = 0; b < 400; b++) {
            final int count = 1 + random.nextInt(BURST);
            final long now = 5_000_000_000L + b * 1_000_000L;
            final FastPathEquivalenceTest.Frame[] frames = new FastPathEquivalenceTest.Frame[count];
            for (int i = 0; i < count; i++) {
                frames[i] = FastPathEquivalenceTest.frame(random);
                captured.load(i, frames[i].bytes(), frames[i].headroom(), frames[i].segments());
            }
            final int[] actions = captured.receive(count, now).clone();
            for (int i = 0; i < count; i++) {
                final FastPathEquivalenceTest.Frame f = frames[i];
                final long[] drops = reference.stats.drops.clone();
                final long[] services = reference.stats.servicePackets.clone();
                final long[] backends = reference.stats.backendPackets.clone();
                reference.load(0, f.bytes(), f.headroom(), f.segments());
                final int action = reference.receive(1, now)[0];
                assertEquals(action, actions[i], "verdict of frame " + i + " of burst " + b);
                final byte[] sent = reference.frame(0);
                assertArrayEquals(sent, captured.frame(i), "frame " + i + " of burst " + b + " as handled");
                final int reason = changed(drops, reference.stats.drops);
                final int service = changed(services, reference.stats.servicePackets);
                final int backend = changed(backends, reference.stats.backendPackets);
                if (!oracle.frame(f.bytes())) {
                    continue;
                }
                final int why = action == 0 ? reason : -1;
                if (!oracle.verdict(action, why, service)) {
                    continue;
                }
                matched++;
                if (oracle.rx) {
                    expected.add(rec(CaptureFilter.RX, action, why, service, backend, f.bytes()));
                }
                if (oracle.tx && (action == 1 || action == 2)) {
                    expected.add(rec(CaptureFilter.TX, action, why, service, backend, sent));
                }
                if (oracle.drop && action == 0) {
                    expected.add(rec(CaptureFilter.DROP, action, why, service, backend, sent));
                }
            }
            tap.drain(
                    (type, buffer, index, length) -> {
                        final int capturedLength = buffer.getInt(index + CaptureTap.CAPTURED_LENGTH);
                        final byte[] bytes = new byte[capturedLength];
                        buffer.getBytes(index + CaptureTap.HEADER, bytes);
                        assertEquals(1, buffer.getInt(index + CaptureTap.WORKER));
                        got.add(new Rec(
                                type,
                                buffer.getInt(index + CaptureTap.VERDICT),
                                buffer.getInt(index + CaptureTap.REASON),
                                buffer.getInt(index + CaptureTap.SERVICE),
                                buffer.getInt(index + CaptureTap.BACKEND),
                                buffer.getInt(index + CaptureTap.ORIGINAL_LENGTH),
                                bytes));
                        points[0] |= type;
                    },
                    Integer.MAX_VALUE);
        }
        assertTrue(matched > 20, "the filter '" + words + "' named only " + matched + " frames");
        assertEquals(0, tap.ringFull(), "frames lost to a full ring");
        for (int i = 0; i < Math.min(expected.size(), got.size()); i++) {
            assertEquals(expected.get(i), got.get(i), "record " + i + " of '" + words + "'");
        }
        assertEquals(expected.size(), got.size(), "records of '" + words + "'");
        assertEquals(got.size(), tap.copied(), "records the tap counted");

        // Removed: the worker copies nothing more.
        captured.capture.remove();
        captured.load(0, FastPathEquivalenceTest.frame(random).bytes());
        captured.receive(1, 9_000_000_000L);
        assertEquals(0, tap.drain((type, buffer, index, length) -> {}, Integer.MAX_VALUE));
    }

    /** While a capture runs the worker still allocates nothing (after warm-up, as the forwarder runs). */
    @org.junit.jupiter.api.Test
    void aRunningCaptureAllocatesNothingOnTheWorker() throws Exception {
        final LevitateConfig config = FastPathEquivalenceTest.parse("active");
        final DataPlaneSnapshot snapshot = FastPathEquivalenceTest.keyed(new SnapshotBuilder().build(config, Map.of()));
        final OffPortWorker w = worker(config, snapshot);
        final CaptureTap tap =
                new CaptureTap(1, CaptureRequest.parse("", n -> -1, t -> -1).filter(), SNAPLEN, 1 << 16);
        w.capture.install(tap);
        final SplittableRandom random = new SplittableRandom(3);
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocated = 0;
        for (int b = 0; b < 30_000; b++) {
            for (int i = 0; i < BURST; i++) {
                final FastPathEquivalenceTest.Frame f = FastPathEquivalenceTest.frame(random);
                w.load(i, f.bytes(), f.headroom(), f.segments());
            }
            final long before = threads.getCurrentThreadAllocatedBytes();
            w.receive(BURST, 5_000_000_000L + b * 1_000_000L);
            final long spent = threads.getCurrentThreadAllocatedBytes() - before;
            if (b >= 20_000) {
                allocated += spent;
            }
            if (b % 8 == 0) {
                // Drained now and then only: the ring also fills, and a full ring is counted.
                tap.drain((type, buffer, index, length) -> {}, Integer.MAX_VALUE);
            }
        }
        assertEquals(0, allocated, "bytes allocated by 10,000 captured bursts");
        assertTrue(tap.copied() > 0 && tap.ringFull() > 0, "frames copied and frames lost to a full ring");
    }

    private static Rec rec(
            final int point,
            final int verdict,
            final int reason,
            final int service,
            final int backend,
            final byte[] frame) {
        return new Rec(
                point,
                verdict,
                reason,
                service,
                backend,
                frame.length,
                Arrays.copyOf(frame, Math.min(frame.length, SNAPLEN)));
    }

    /** The one index whose count rose, or -1. */
    private static int changed(final long[] before, final long[] after) {
        int found = -1;
        for (int i = 0; i < before.length; i++) {
            if (after[i] != before[i]) {
                assertEquals(-1, found, "one packet counted under two indexes");
                found = i;
            }
        }
        return found;
    }

    /** The test's own reading of a filter: which frames, verdicts and points it names. */
    private static final class Oracle {
        final boolean rx;
        final boolean tx;
        final boolean drop;
        private final List<Predicate<ByteBuffer>> headers = new ArrayList<>();
        private boolean dropsOnly;
        private final List<Integer> reasons = new ArrayList<>();
        private int service = -1;

        Oracle(final String words, final int web) {
            boolean r = true;
            boolean t = true;
            boolean d = true;
            for (final String word : words.split(" ")) {
                if (word.isEmpty()) {
                    continue;
                }
                final String value = word.substring(word.indexOf('=') + 1);
                switch (word.substring(0, Math.max(0, word.indexOf('=')))) {
                    case "vip" -> headers.add(f -> ipv4(f) && f.getInt(l2(f) + 16) == address(value));
                    case "client" -> {
                        final int slash = value.indexOf('/');
                        final int length = Integer.parseInt(value.substring(slash + 1));
                        final int prefix = address(value.substring(0, slash));
                        final int mask = -1 << (32 - length);
                        headers.add(f -> ipv4(f) && (f.getInt(l2(f) + 12) & mask) == (prefix & mask));
                    }
                    case "port" -> {
                        final int port = Integer.parseInt(value);
                        headers.add(f -> {
                            if (!ipv4(f)) {
                                return false;
                            }
                            final int l2 = l2(f);
                            final int proto = f.get(l2 + 9);
                            final int l4 = l2 + (f.get(l2) & 0x0F) * 4;
                            return (proto == 6 || proto == 17 || proto == 132)
                                    && (f.getShort(l2 + 6) & 0x1FFF) == 0
                                    && f.limit() >= l4 + 4
                                    && ((f.getShort(l4) & 0xFFFF) == port || (f.getShort(l4 + 2) & 0xFFFF) == port);
                        });
                    }
                    case "proto" -> headers.add(f -> ipv4(f) && f.get(l2(f) + 9) == 6);
                    case "service" -> service = web;
                    case "reason" -> {
                        dropsOnly = true;
                        for (final String name : value.split(",")) {
                            reasons.add(ReasonNames.id(name));
                        }
                    }
                    case "point" -> {
                        r = value.equals("rx") || value.equals("both");
                        t = value.equals("tx") || value.equals("both");
                        d = value.equals("drop");
                    }
                    default -> dropsOnly = true; // "drops"
                }
            }
            rx = r;
            tx = t;
            drop = d;
        }

        /** The frame as received: IPv4 (untagged or with one 802.1Q tag), long enough for its IP header. */
        private static boolean ipv4(final ByteBuffer f) {
            final int l2 = l2(f);
            return l2 > 0 && f.limit() >= l2 + 20 && f.getShort(l2 - 2) == 0x0800;
        }

        /** Where the IP header starts: 14, 18 behind one VLAN tag, 0 when the frame is too short to say. */
        private static int l2(final ByteBuffer f) {
            if (f.limit() < 14) {
                return 0;
            }
            final int type = f.getShort(12) & 0xFFFF;
            if (type == 0x8100 || type == 0x88A8) {
                return f.limit() >= 18 ? 18 : 0;
            }
            return 14;
        }

        private static int address(final String dotted) {
            final String[] parts = dotted.split("\\.");
            int a = 0;
            for (final String p : parts) {
                a = (a << 8) | Integer.parseInt(p);
            }
            return a;
        }

        boolean frame(final byte[] bytes) {
            final ByteBuffer f = ByteBuffer.wrap(bytes);
            for (final Predicate<ByteBuffer> p : headers) {
                if (!p.test(f)) {
                    return false;
                }
            }
            return true;
        }

        boolean verdict(final int action, final int reason, final int serviceId) {
            if (dropsOnly && action != 0) {
                return false;
            }
            if (!reasons.isEmpty() && !reasons.contains(reason)) {
                return false;
            }
            return service < 0 || serviceId == service;
        }
    }
}
