package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.gre.EncapConfig;
import io.levitate.gre.GreEncapsulator;
import io.levitate.packet.DropReason;
import io.levitate.packet.testing.FrameBuilder;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a real network sends that a lab does not: fragments of datagrams to port-specific services,
 * martian sources, frames from group MAC addresses, and ICMP errors about VIP flows addressed to our
 * own address. Each frame goes through a worker's burst path ({@link LoadBalancerAgent#handleReceived}:
 * the fast path first, the general path for the rest), and the verdict, the tunnel's backend and the
 * counters are checked.
 */
class RealWireTest {
    private static final long PORT_MAC = 0x0270_6361_7000L;
    private static final long GATEWAY_MAC = 0x0200_0000_0001L;
    private static final int DROP = 0;
    private static final int FORWARD = 1;
    private static final int REPLY = 2;

    /** One VIP with a port-specific UDP service only; one with a port-specific and an any-port one. */
    private static final String CONFIG = """
        instance:
          name: wire
          ports:
            - device: "net_null0"
          addresses:
            ipv4: 10.0.1.2
            ipv6: "fd00:1::2"
          gateways:
            ipv4: 10.0.1.1
            ipv6: "fd00:1::1"
        hash_seed: 0x6c657669746174
        conntrack:
          capacity: 4096
        services:
          - name: web
            vip: 198.18.0.1
            port: 80
            protocol: tcp
            backends:
              - {address: 10.0.2.1}
              - {address: 10.0.2.2}
          - name: mdns
            vip: 198.18.0.53
            port: 5353
            protocol: udp
            backends:
              - {address: 10.0.3.1}
              - {address: 10.0.3.2}
              - {address: 10.0.3.3}
              - {address: 10.0.3.4}
          - name: mdns6
            vip: "2001:db8::53"
            port: 5353
            protocol: udp
            backends:
              - {address: "fd00:3::1"}
              - {address: "fd00:3::2"}
              - {address: "fd00:3::3"}
          - name: game
            vip: 198.18.0.60
            port: 7777
            protocol: udp
            fragments: true
            backends:
              - {address: 10.0.4.1}
              - {address: 10.0.4.2}
          - name: other-udp
            vip: 198.18.0.60
            port: any
            protocol: udp
            fragments: false
            backends:
              - {address: 10.0.5.1}
              - {address: 10.0.5.2}
        """;

    private final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        arena.close();
    }

    /** A worker with one mbuf: each frame is a burst of one. */
    private final class Worker {
        final OffPortWorker worker;
        long now = 5_000_000_000L;

        Worker(final int seed) throws Exception {
            final LevitateConfig config =
                    ConfigReader.parse(CONFIG, "wire.yaml").config();
            final Neighbours neighbours = new Neighbours(
                    0x0A00_0102,
                    true,
                    0xFD00_0001_0000_0000L,
                    2,
                    true,
                    0x0A00_0101,
                    true,
                    0xFD00_0001_0000_0000L,
                    1,
                    true);
            neighbours.confirmV4(GATEWAY_MAC, Long.MAX_VALUE / 2);
            neighbours.confirmV6(GATEWAY_MAC + 1, Long.MAX_VALUE / 2);
            worker = new OffPortWorker(
                    arena,
                    0,
                    1,
                    new AtomicReference<>(new SnapshotBuilder().build(config, Map.of())),
                    neighbours,
                    new ConntrackTable(
                            config.conntrack().toConntrackConfig(seed).withServices(SnapshotBuilder.MAX_SERVICES, 0)),
                    new GreEncapsulator(EncapConfig.builder()
                            .portMac(PORT_MAC)
                            .mtu(9000)
                            .sourceV4("10.0.1.2", 32)
                            .sourceV6("fd00:1::2", 128)
                            .build()),
                    PORT_MAC);
        }

        /** Handles one frame as a burst of one; returns its action. */
        int handle(final byte[] frame) {
            now += 1_000_000;
            return worker.receive(frame, now);
        }

        /** The frame now in the mbuf (after {@link #handle}). */
        byte[] out() {
            return worker.frame(0);
        }

        /** The outer destination of the tunnel packet in the mbuf: "a.b.c.d" or an IPv6 literal's 16 bytes in hex. */
        String tunnelDestination() {
            final byte[] f = out();
            final int type = (f[12] & 0xFF) << 8 | f[13] & 0xFF;
            final StringBuilder sb = new StringBuilder();
            if (type == 0x0800) {
                for (int i = 30; i < 34; i++) {
                    sb.append(i > 30 ? "." : "").append(f[i] & 0xFF);
                }
                return sb.toString();
            }
            for (int i = 38; i < 54; i++) {
                sb.append(String.format("%02x", f[i] & 0xFF));
            }
            return sb.toString();
        }

        long drops(final int reason) {
            return worker.drops(reason);
        }
    }

    // ---------------------------------------------------------------- fragments

    /** The fragments of one UDP datagram of 3000 bytes to VIP:port, in the order first, middle, last. */
    private static List<byte[]> fragmentsV4(final String client, final String vip, final int port, final int id) {
        final List<byte[]> frames = new ArrayList<>();
        frames.add(new FrameBuilder()
                .ipv4(client, vip)
                .identification(id)
                .fragment(0, true)
                .udp(40000, port)
                .payload(1472)
                .build());
        frames.add(new FrameBuilder()
                .ipv4(client, vip)
                .identification(id)
                .fragment(185, true)
                .protocol(17, new byte[0])
                .payload(1480)
                .build());
        frames.add(new FrameBuilder()
                .ipv4(client, vip)
                .identification(id)
                .fragment(370, false)
                .protocol(17, new byte[0])
                .payload(48)
                .build());
        return frames;
    }

    private static List<byte[]> fragmentsV6(final String client, final String vip, final int port, final int id) {
        final List<byte[]> frames = new ArrayList<>();
        frames.add(new FrameBuilder()
                .ipv6(client, vip)
                .ipv6Fragment(0, true, id)
                .udp(40000, port)
                .payload(1400)
                .build());
        frames.add(new FrameBuilder()
                .ipv6(client, vip)
                .ipv6Fragment(176, true, id)
                .protocol(17, new byte[0])
                .payload(1408)
                .build());
        frames.add(new FrameBuilder()
                .ipv6(client, vip)
                .ipv6Fragment(352, false, id)
                .protocol(17, new byte[0])
                .payload(100)
                .build());
        return frames;
    }

    /**
     * Every fragment of a datagram reaches one backend of the port-specific service, the same on two
     * workers (two machines) with the same configuration; datagrams from many clients spread.
     */
    @Test
    void fragmentsReachOneBackendOfTheirPortSpecificService() throws Exception {
        final Worker one = new Worker(1);
        final Worker two = new Worker(977);
        final Set<String> v4Backends = new HashSet<>();
        final Set<String> v6Backends = new HashSet<>();
        for (int c = 0; c < 40; c++) {
            v4Backends.add(sameBackend(
                    one, two, fragmentsV4("203.0.113." + (c + 1), "198.18.0.53", 5353, 0x100 + c), "10.0.3."));
            v6Backends.add(sameBackend(
                    one,
                    two,
                    fragmentsV6("2001:db8:9::" + Integer.toHexString(c + 1), "2001:db8::53", 5353, 0x200 + c),
                    "fd000003"));
        }
        assertTrue(
                v4Backends.size() > 1 && v6Backends.size() > 1, "datagrams spread: " + v4Backends + " " + v6Backends);
        assertEquals(0, one.drops(ForwardDrop.NO_SERVICE.id()));
    }

    /** Each fragment forwarded by both workers to the same backend of the service; returns it. */
    private static String sameBackend(
            final Worker one, final Worker two, final List<byte[]> fragments, final String backendPrefix) {
        String backend = null;
        for (final byte[] f : fragments) {
            assertEquals(FORWARD, one.handle(f), "fragment forwarded");
            assertEquals(FORWARD, two.handle(f), "fragment forwarded by the second machine");
            final String first = one.tunnelDestination();
            assertEquals(first, two.tunnelDestination(), "both machines chose one backend");
            assertTrue(first.startsWith(backendPrefix), first + " is a backend of the port's service");
            if (backend != null) {
                assertEquals(backend, first, "every fragment of the datagram went to one backend");
            }
            backend = first;
        }
        return backend;
    }

    /** With a port-specific and an any-port service on one VIP, the one marked fragments: true takes them. */
    @Test
    void theMarkedServiceTakesTheFragmentsOfItsVip() throws Exception {
        final Worker w = new Worker(3);
        for (int c = 0; c < 20; c++) {
            for (final byte[] f : fragmentsV4("203.0.113." + (c + 1), "198.18.0.60", 7777, 0x300 + c)) {
                assertEquals(FORWARD, w.handle(f));
                assertTrue(w.tunnelDestination().startsWith("10.0.4."), w.tunnelDestination());
            }
        }
        // Unfragmented traffic to another port still goes to the any-port service.
        assertEquals(
                FORWARD,
                w.handle(new FrameBuilder()
                        .ipv4("203.0.113.9", "198.18.0.60")
                        .udp(4000, 9999)
                        .payload(10)
                        .build()));
        assertTrue(w.tunnelDestination().startsWith("10.0.5."), w.tunnelDestination());
    }

    /** An IPv6 atomic fragment (offset 0, M clear) is a whole datagram: its flow's backend, by its ports. */
    @Test
    void anAtomicFragmentGoesWhereItsFlowGoes() throws Exception {
        final Worker w = new Worker(5);
        int differs = 0;
        for (int c = 0; c < 30; c++) {
            final String client = "2001:db8:9::" + Integer.toHexString(c + 1);
            assertEquals(
                    FORWARD,
                    w.handle(new FrameBuilder()
                            .ipv6(client, "2001:db8::53")
                            .udp(40000 + c, 5353)
                            .payload(50)
                            .build()));
            final String flow = w.tunnelDestination();
            assertEquals(
                    FORWARD,
                    w.handle(new FrameBuilder()
                            .ipv6(client, "2001:db8::53")
                            .ipv6Fragment(0, false, c)
                            .udp(40000 + c, 5353)
                            .payload(50)
                            .build()));
            assertEquals(flow, w.tunnelDestination(), "the atomic fragment follows its flow");
            differs += flow.equals(fragmentBackendV6(w, client, c)) ? 0 : 1;
        }
        assertTrue(differs > 0, "the 5-tuple and the 3-tuple choose differently for some clients (else vacuous)");
    }

    private static String fragmentBackendV6(final Worker w, final String client, final int id) {
        assertEquals(
                FORWARD,
                w.handle(fragmentsV6(client, "2001:db8::53", 5353, 0x400 + id).get(1)));
        return w.tunnelDestination();
    }

    // ---------------------------------------------------------------- martians and L2

    @Test
    void martianSourcesToAVipAreDroppedAndCounted() throws Exception {
        final Worker w = new Worker(7);
        final String[] v4 = {
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.0.9",
            "198.18.0.1",
            "198.18.0.53",
            "224.0.0.5",
            "255.255.255.255"
        };
        for (final String source : v4) {
            assertEquals(
                    DROP,
                    w.handle(new FrameBuilder()
                            .ipv4(source, "198.18.0.1")
                            .tcp(1234, 80, 0x02)
                            .build()),
                    source);
        }
        final String[] v6 = {"::", "::1", "::ffff:10.0.0.1", "2001:db8::53", "ff02::1"};
        for (final String source : v6) {
            // ::ffff:a.b.c.d would be parsed as IPv4: written as ::a.b.c.d, then the 0xffff put in.
            final byte[] frame = new FrameBuilder()
                    .ipv6(source.replace("::ffff:", "::"), "2001:db8::53")
                    .udp(1234, 5353)
                    .build();
            if (source.startsWith("::ffff:")) {
                frame[14 + 8 + 10] = (byte) 0xFF;
                frame[14 + 8 + 11] = (byte) 0xFF;
            }
            assertEquals(DROP, w.handle(frame), source);
        }
        assertEquals(v4.length + v6.length, w.drops(DropReason.MARTIAN_SOURCE.id()));
        // Neighbours of the martians are clients.
        assertEquals(
                FORWARD,
                w.handle(new FrameBuilder()
                        .ipv4("1.0.0.1", "198.18.0.1")
                        .tcp(1234, 80, 0x02)
                        .build()));
        assertEquals(
                FORWARD,
                w.handle(new FrameBuilder()
                        .ipv4("128.0.0.1", "198.18.0.1")
                        .tcp(1234, 80, 0x02)
                        .build()));
        assertEquals(
                FORWARD,
                w.handle(new FrameBuilder()
                        .ipv4("198.18.0.2", "198.18.0.1")
                        .tcp(1234, 80, 0x02)
                        .build()));
        assertEquals(
                FORWARD,
                w.handle(new FrameBuilder()
                        .ipv6("::2", "2001:db8::53")
                        .udp(1234, 5353)
                        .build()));
        assertEquals(v4.length + v6.length, w.drops(DropReason.MARTIAN_SOURCE.id()));
    }

    @Test
    void framesFromGroupMacAddressesAreDroppedAndNeverAnswered() throws Exception {
        final Worker w = new Worker(9);
        final long[] groups = {0xFFFF_FFFF_FFFFL, 0x0100_5E00_0001L, 0x3333_0000_0001L};
        int sent = 0;
        for (final long mac : groups) {
            final byte[][] frames = {
                new FrameBuilder()
                        .macs(PORT_MAC, mac)
                        .ipv4("203.0.113.1", "198.18.0.1")
                        .tcp(1234, 80, 0x02)
                        .build(),
                new FrameBuilder()
                        .macs(PORT_MAC, mac)
                        .ipv4("203.0.113.1", "10.0.1.2")
                        .icmp(8, 0, 0x0001_0001)
                        .build(),
                new FrameBuilder()
                        .macs(0xFFFF_FFFF_FFFFL, mac)
                        .ipv4("203.0.113.1", "198.18.0.1")
                        .icmp(8, 0, 1)
                        .build(),
            };
            for (final byte[] f : frames) {
                assertEquals(DROP, w.handle(f));
                sent++;
            }
        }
        assertEquals(sent, w.drops(DropReason.ETHERNET_SOURCE_NOT_UNICAST.id()));
        // The same frames from a unicast MAC are forwarded and answered.
        assertEquals(
                FORWARD,
                w.handle(new FrameBuilder()
                        .macs(PORT_MAC, 0x0200_0000_0042L)
                        .ipv4("203.0.113.1", "198.18.0.1")
                        .tcp(1234, 80, 0x02)
                        .build()));
        assertEquals(
                REPLY,
                w.handle(new FrameBuilder()
                        .macs(PORT_MAC, 0x0200_0000_0042L)
                        .ipv4("203.0.113.1", "10.0.1.2")
                        .icmp(8, 0, 0x0001_0001)
                        .build()));
    }

    // ---------------------------------------------------------------- ICMP errors

    /** An ICMP "fragmentation needed" from a router about the VIP's reply to a client, sent to {@code to}. */
    private static byte[] tooBigAbout(final String to) {
        final byte[] quoted = new FrameBuilder()
                .ipv4("198.18.0.1", "203.0.113.7")
                .tcp(80, 40123, 0x10)
                .payload(8)
                .buildL3();
        return new FrameBuilder()
                .ipv4("192.0.2.254", to)
                .icmp(3, 4, 1400)
                .payload(quoted)
                .build();
    }

    @Test
    void icmpErrorsAreSteeredOnlyWhenAddressedToAVip() throws Exception {
        final Worker w = new Worker(11);
        assertEquals(FORWARD, w.handle(tooBigAbout("198.18.0.1")), "an error to the VIP goes to the flow's backend");
        assertTrue(w.tunnelDestination().startsWith("10.0.2."), w.tunnelDestination());
        assertNotEquals(FORWARD, w.handle(tooBigAbout("10.0.1.2")), "an error to our own address is not a backend's");
        assertNotEquals(FORWARD, w.handle(tooBigAbout("192.0.2.77")), "nor one to another address");
        assertEquals(2, w.drops(ForwardDrop.ICMP_NOT_FOR_VIP.id()));
        assertEquals(FORWARD, w.handle(packetTooBigAbout("2001:db8::53")), "IPv6: an error to the VIP is steered");
        assertTrue(w.tunnelDestination().startsWith("fd000003"), w.tunnelDestination());
        assertNotEquals(FORWARD, w.handle(packetTooBigAbout("fd00:1::2")), "IPv6: not one to our own address");
        assertEquals(3, w.drops(ForwardDrop.ICMP_NOT_FOR_VIP.id()));
    }

    /** An ICMPv6 "packet too big" about the IPv6 VIP's reply to a client, sent to {@code to}. */
    private static byte[] packetTooBigAbout(final String to) {
        final byte[] quoted = new FrameBuilder()
                .ipv6("2001:db8::53", "2001:db8:9::7")
                .udp(5353, 40123)
                .payload(1300)
                .buildL3();
        return new FrameBuilder()
                .ipv6("2001:db8:aaaa::1", to)
                .icmpv6(2, 0, 1280)
                .payload(java.util.Arrays.copyOf(quoted, 1232))
                .build();
    }
}
