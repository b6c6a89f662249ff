package io.levitate.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.levitate.packet.Classification;
import io.levitate.packet.DropReason;
import io.levitate.packet.FlowKey;
import io.levitate.packet.PacketClassifier;
import io.levitate.packet.Verdict;
import io.levitate.packet.testing.FrameBuilder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Feeds at least ten million random and mutated frames through the classifier, the ICMP steering
 * helper, the encapsulator and the decapsulator. Properties: nothing throws, every frame gets a
 * verdict, a drop always has a reason and only a drop has one, and nothing reads or writes
 * outside the frame: each frame is given as a segment that ends exactly at its last byte, so an
 * over-read throws, and the encapsulator's output must stay inside the buffer.
 *
 * <p>Mutations: truncation at any length, random bytes at random places (weighted to the first
 * 80 bytes, where the length fields are), length fields forced to extreme values, garbage tails,
 * pure noise behind a valid EtherType, and IPv6 extension-header chains that never end.
 * The seed is fixed for reproducibility; set -Dlevitate.fuzz.seed / -Dlevitate.fuzz.frames to vary.
 */
class ClassifyEncapFuzzIT {
    private static final int HEADROOM = 128;
    private static final int MAX_FRAME = 1600;

    @Test
    void tenMillionFramesNoEscapesEveryFrameAVerdict() {
        long frames = Long.getLong("levitate.fuzz.frames", 10_000_000L);
        long seed = Long.getLong("levitate.fuzz.seed", 0x1E71_7A7EL);
        List<byte[]> corpus = corpus();
        // Half the frames skip the IPv4 checksum check, so mutated IPv4 headers reach the deeper layers.
        PacketClassifier strict = new PacketClassifier(true, PacketClassifier.DEFAULT_MAX_EXTENSION_HEADERS);
        PacketClassifier lenient = new PacketClassifier(false, PacketClassifier.DEFAULT_MAX_EXTENSION_HEADERS);
        Classification c = new Classification();
        EncapConfig config = EncapConfig.builder()
                .portMac(0x020000000001L)
                .sourceV4("10.99.0.0", 24)
                .sourceV6("fd00:99::", 64)
                .icmpRateLimit(1_000_000, 1000)
                .build();
        GreEncapsulator encap = new GreEncapsulator(config);
        EncapResult result = new EncapResult();
        IcmpErrorSteering steering = new IcmpErrorSteering();
        FlowKey steered = new FlowKey();
        GreDecapsulator decap = new GreDecapsulator();
        DecapResult decapResult = new DecapResult();
        GreTunnel[] tunnels = {
            GreTunnel.ipv4("10.200.0.5", 0x02be00000004L),
            GreTunnel.ipv6("fd00:200::5", 0x02be00000006L),
            GreTunnel.ipv4("10.200.0.6", 0x02be00000004L).withKey(42),
            GreTunnel.ipv6("fd00:200::6", 0x02be00000006L).withKey(-1),
        };
        long[] verdicts = new long[Verdict.values().length];
        long[] reasons = new long[DropReason.count()];
        long[] encapVerdicts = new long[EncapVerdict.values().length];
        long decapsulated = 0;
        SplittableRandom random = new SplittableRandom(seed);
        byte[] scratch = new byte[MAX_FRAME];

        long startNanos = System.nanoTime();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(HEADROOM + MAX_FRAME, 64);
            for (long i = 0; i < frames; i++) {
                int length = mutate(random, corpus, scratch);
                MemorySegment.copy(scratch, 0, buffer, ValueLayout.JAVA_BYTE, HEADROOM, length);
                // The frame's segment ends at its last byte: any read past it throws.
                MemorySegment s = buffer.asSlice(0, HEADROOM + length);
                try {
                    PacketClassifier classifier = (i & 1) == 0 ? strict : lenient;
                    Verdict v = classifier.classify(s, HEADROOM, length, c);
                    assertNotNull(v);
                    assertEquals(v, c.verdict());
                    assertEquals(v == Verdict.MALFORMED, c.dropReason() != DropReason.NONE);
                    verdicts[v.id()]++;
                    reasons[c.dropReasonId()]++;
                    if (v == Verdict.ICMP_ERROR && steering.steer(s, c, steered) == DropReason.NONE) {
                        assertNotEquals(FlowKey.FAMILY_NONE, steered.family);
                        c.key.copyFrom(steered);
                    }
                    if (v != Verdict.MALFORMED && c.key.family != FlowKey.FAMILY_NONE) {
                        GreTunnel tunnel = tunnels[(int) (i & 3)];
                        EncapVerdict ev = encap.encapsulate(s, HEADROOM, length, HEADROOM, c, tunnel, i * 1000, result);
                        encapVerdicts[ev.id()]++;
                        assertTrue(result.dataOffset >= 0 && result.dataOffset + result.dataLength <= s.byteSize());
                        if (ev == EncapVerdict.ENCAPSULATED) {
                            assertTrue(
                                    decap.decapsulate(s, result.dataOffset, result.dataLength, decapResult),
                                    decapResult.dropReason::toString);
                            assertEquals(c.l3Length, decapResult.innerLength);
                            decapsulated++;
                        }
                    }
                } catch (Throwable t) {
                    fail(
                            "frame " + i + " (seed " + seed + ") " + c + ": "
                                    + HexFormat.of().formatHex(scratch, 0, length),
                            t);
                }
            }
        }
        long elapsedNanos = System.nanoTime() - startNanos;

        StringBuilder report = new StringBuilder();
        report.append(String.format(
                "fuzz: %,d frames in %.2f s (%.0f ns/frame), seed %d%n",
                frames, elapsedNanos / 1e9, (double) elapsedNanos / frames, seed));
        for (Verdict v : Verdict.values()) {
            report.append(String.format("  verdict %-14s %,12d%n", v, verdicts[v.id()]));
        }
        for (DropReason r : DropReason.values()) {
            if (reasons[r.id()] > 0 && r != DropReason.NONE) {
                report.append(String.format("  drop    %-28s %,12d%n", r, reasons[r.id()]));
            }
        }
        for (EncapVerdict e : EncapVerdict.values()) {
            report.append(String.format("  encap   %-22s %,12d%n", e, encapVerdicts[e.id()]));
        }
        report.append(String.format("  decapsulated back    %,12d%n", decapsulated));
        System.out.print(report);

        long total = 0;
        for (long n : verdicts) {
            total += n;
        }
        assertEquals(frames, total, "every frame got exactly one verdict");
        assertTrue(frames >= 10_000_000L || System.getProperty("levitate.fuzz.frames") != null);
        // The corpus and mutations must reach every verdict and most reasons, or the fuzzing is shallow.
        for (Verdict v : Verdict.values()) {
            assertTrue(verdicts[v.id()] > 0, "never produced " + v + "\n" + report);
        }
        assertTrue(
                encapVerdicts[EncapVerdict.ENCAPSULATED.id()] > 0
                        && encapVerdicts[EncapVerdict.TOO_BIG_ICMP_SENT.id()] > 0,
                report.toString());
    }

    /** Writes one test frame into {@code out}; returns its length. */
    private static int mutate(SplittableRandom random, List<byte[]> corpus, byte[] out) {
        byte[] seed = corpus.get(random.nextInt(corpus.size()));
        int length = seed.length;
        System.arraycopy(seed, 0, out, 0, length);
        int kind = random.nextInt(16);
        switch (kind) {
            case 0, 1, 2 -> length = random.nextInt(length + 1); // truncation anywhere
            case 3, 4, 5, 6 -> flipBytes(random, out, length, 1 + random.nextInt(4));
            case 7, 8 -> length = forceLengthField(random, out, length);
            case 9 -> { // garbage tail beyond what the headers describe
                int extra = random.nextInt(MAX_FRAME - length + 1);
                for (int i = length; i < length + extra; i++) {
                    out[i] = (byte) random.nextInt();
                }
                length += extra;
            }
            case 10 -> { // noise behind a plausible EtherType
                length = 14 + random.nextInt(200);
                for (int i = 0; i < length; i++) {
                    out[i] = (byte) random.nextInt();
                }
                int[] types = {0x0800, 0x86DD, 0x0806, 0x8100, 0x88A8};
                FrameBuilder.put16(out, 12, types[random.nextInt(types.length)]);
                if ((out[12] & 0xFF) == 0x08 && out[13] == 0) {
                    out[14] = (byte) (0x40 | (out[14] & 0x0F));
                } else if ((out[12] & 0xFF) == 0x86) {
                    out[14] = (byte) (0x60 | (out[14] & 0x0F));
                }
            }
            case 11 -> { // truncation plus flips
                flipBytes(random, out, length, 2);
                length = random.nextInt(length + 1);
            }
            default -> flipBytes(random, out, length, random.nextInt(2));
        }
        return length;
    }

    private static void flipBytes(SplittableRandom random, byte[] b, int length, int count) {
        if (length == 0) {
            return;
        }
        for (int n = 0; n < count; n++) {
            int at = random.nextInt(4) != 0 ? random.nextInt(Math.min(length, 80)) : random.nextInt(length);
            b[at] = (byte) random.nextInt();
        }
    }

    /** Sets a 16- or 8-bit field in the header area to an extreme or random value. */
    private static int forceLengthField(SplittableRandom random, byte[] b, int length) {
        if (length < 20) {
            return length;
        }
        int at = 12 + random.nextInt(Math.min(length, 100) - 13);
        int[] values = {0, 1, 4, 5, 7, 8, 15, 19, 20, 39, 40, 0x7FFF, 0xFFFF, length, length - 14, length + 1};
        int v = values[random.nextInt(values.length)];
        if (random.nextBoolean()) {
            FrameBuilder.put16(b, at, v);
        } else {
            b[at] = (byte) v;
        }
        return length;
    }

    /** Valid frames of every kind the classifier knows, plus hostile-but-well-formed shapes. */
    private static List<byte[]> corpus() {
        List<byte[]> c = new ArrayList<>();
        FrameBuilder v4 = new FrameBuilder().ipv4("198.51.100.7", "192.0.2.10");
        c.add(v4.tcp(40000, 80, 0x02).padTo(60).build());
        c.add(new FrameBuilder()
                .ipv4("198.51.100.7", "192.0.2.10")
                .dontFragment()
                .tcpWithOptions(1, 2, 0x12, new byte[] {2, 4, 5, (byte) 0xb4, 1, 3, 3, 7})
                .payload(100)
                .build());
        c.add(new FrameBuilder()
                .ipv4("198.51.100.7", "192.0.2.10")
                .dontFragment()
                .tcp(3, 4, 0x10)
                .payload(1460)
                .build());
        c.add(new FrameBuilder()
                .ipv4("198.51.100.7", "192.0.2.10")
                .udp(5, 53)
                .payload(30)
                .build());
        c.add(new FrameBuilder()
                .ipv4("198.51.100.7", "192.0.2.10")
                .ipv4Options(new byte[] {(byte) 0x94, 4, 0, 0, 1, 1, 1, 0})
                .udp(5, 53)
                .payload(3)
                .build());
        c.add(new FrameBuilder()
                .vlan(0x8100, 5)
                .ipv4("198.51.100.7", "192.0.2.10")
                .tcp(1, 80, 0x02)
                .build());
        c.add(new FrameBuilder()
                .vlan(0x88A8, 5)
                .vlan(0x8100, 6)
                .ipv4("198.51.100.7", "192.0.2.10")
                .udp(1, 80)
                .build());
        c.add(new FrameBuilder()
                .ipv4("198.51.100.7", "192.0.2.10")
                .fragment(0, true)
                .udp(1, 2)
                .payload(100)
                .build());
        c.add(new FrameBuilder()
                .ipv4("198.51.100.7", "192.0.2.10")
                .fragment(100, false)
                .protocol(6, new byte[0])
                .payload(50)
                .build());
        c.add(new FrameBuilder()
                .ipv4("198.51.100.7", "192.0.2.10")
                .icmp(8, 0, 1)
                .payload(56)
                .build());
        byte[] quoted = new FrameBuilder()
                .ipv4("192.0.2.10", "198.51.100.7")
                .tcp(80, 40000, 0x10)
                .payload(100)
                .buildL3();
        c.add(new FrameBuilder()
                .ipv4("203.0.113.1", "192.0.2.10")
                .icmp(3, 4, 1400)
                .payload(Arrays.copyOf(quoted, 28))
                .build());
        c.add(new FrameBuilder()
                .ipv4("203.0.113.1", "192.0.2.10")
                .icmp(11, 0, 0)
                .payload(quoted)
                .build());
        c.add(new FrameBuilder()
                .ipv4("198.51.100.7", "192.0.2.10")
                .protocol(47, new byte[] {0x20, 0, 8, 0, 0, 0, 0, 1})
                .payload(new FrameBuilder()
                        .ipv4("10.0.0.1", "10.0.0.2")
                        .udp(1, 2)
                        .buildL3())
                .build());
        FrameBuilder v6 = new FrameBuilder().ipv6("2001:db8:1::7", "2001:db8:ffff::10");
        c.add(v6.tcp(50000, 443, 0x02).build());
        c.add(new FrameBuilder()
                .ipv6("2001:db8:1::7", "2001:db8:ffff::10")
                .tcp(50000, 443, 0x10)
                .payload(1440)
                .build());
        c.add(new FrameBuilder()
                .ipv6("2001:db8:1::7", "2001:db8:ffff::10")
                .optionsHeader(0, 1)
                .routingHeader()
                .optionsHeader(60, 0)
                .udp(1, 53)
                .payload(20)
                .build());
        c.add(new FrameBuilder()
                .ipv6("2001:db8:1::7", "2001:db8:ffff::10")
                .ipv6Fragment(0, true, 5)
                .udp(1, 53)
                .payload(64)
                .build());
        c.add(new FrameBuilder()
                .ipv6("2001:db8:1::7", "2001:db8:ffff::10")
                .ipv6Fragment(77, false, 5)
                .protocol(17, new byte[0])
                .payload(64)
                .build());
        FrameBuilder chain = new FrameBuilder().ipv6("2001:db8:1::7", "2001:db8:ffff::10");
        for (int i = 0; i < 20; i++) { // a chain longer than the walk bound
            chain.optionsHeader(60, 0);
        }
        c.add(chain.udp(1, 2).build());
        FrameBuilder hbh = new FrameBuilder().ipv6("2001:db8:1::7", "2001:db8:ffff::10");
        for (int i = 0; i < 6; i++) { // hop-by-hop repeated: only the first position is legal
            hbh.optionsHeader(0, 0);
        }
        c.add(hbh.tcp(1, 2, 0x02).build());
        byte[] quoted6 = new FrameBuilder()
                .ipv6("2001:db8:ffff::10", "2001:db8:1::7")
                .optionsHeader(60, 0)
                .tcp(443, 50000, 0x10)
                .payload(1300)
                .buildL3();
        c.add(new FrameBuilder()
                .ipv6("2001:db8:aaaa::1", "2001:db8:ffff::10")
                .icmpv6(2, 0, 1280)
                .payload(Arrays.copyOf(quoted6, 1232))
                .build());
        c.add(new FrameBuilder()
                .ipv6("fe80::1", "ff02::1:ff00:10")
                .ttl(255)
                .icmpv6(135, 0, 0)
                .payload(new byte[16])
                .build());
        c.add(new FrameBuilder()
                .ipv6("2001:db8:1::7", "2001:db8:ffff::10")
                .icmpv6(128, 0, 0)
                .payload(8)
                .build());
        byte[] arp = new byte[28];
        FrameBuilder.put16(arp, 0, 1);
        FrameBuilder.put16(arp, 2, 0x0800);
        arp[4] = 6;
        arp[5] = 4;
        FrameBuilder.put16(arp, 6, 1);
        c.add(new FrameBuilder().rawL3(0x0806, arp).padTo(60).build());
        c.add(new FrameBuilder().rawL3(0x88CC, new byte[40]).build());
        return c;
    }
}
