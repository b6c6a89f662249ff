package io.levitate.bgp.bfd;

import static org.junit.jupiter.api.Assertions.*;

import io.levitate.bgp.fsm.Clock;
import io.levitate.bgp.net.Libc;
import io.levitate.bgp.net.SocketAddresses;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The engine: demultiplexing and counted drops of bad datagrams (fed without a socket), then two
 * engines over loopback through real sockets (TTL 255 sent and read back through recvmsg's
 * control message) and a TTL-254 datagram counted as a drop.
 */
class BfdEngineTest {
    private static final InetAddress PEER = InetAddress.ofLiteral("127.0.0.2");
    private static final InetAddress LOCAL = InetAddress.ofLiteral("127.0.0.1");

    private static final class Events implements BfdEngine.Listener {
        final List<String> seen = new ArrayList<>();

        @Override
        public void bfdUp(final int peer, final long nowMillis) {
            seen.add("up " + peer);
        }

        @Override
        public void bfdDown(final int peer, final long nowMillis, final String why) {
            seen.add("down " + peer);
        }
    }

    private static byte[] packet(final BfdState state, final int my, final int your) {
        final byte[] b = new byte[24];
        BfdWire.encode(b, 0, state, false, false, 3, my, your, 300_000, 300_000);
        return b;
    }

    @Test
    void demultiplexingAndCountedDrops() {
        final Events events = new Events();
        try (BfdEngine e = new BfdEngine(
                List.of(new BfdEngine.Spec(PEER, LOCAL, BfdConfig.DEFAULT)),
                3784,
                new SplittableRandom(1),
                events,
                0)) {
            final byte[] peer = PEER.getAddress();
            final byte[] stranger = InetAddress.ofLiteral("127.0.0.9").getAddress();
            assertEquals(BfdWire.DROP_UNKNOWN_PEER, e.process(packet(BfdState.DOWN, 7, 0), 24, 255, stranger, 4, 1));
            assertEquals(BfdWire.DROP_TTL, e.process(packet(BfdState.DOWN, 7, 0), 24, 254, peer, 4, 1));
            assertEquals(
                    BfdWire.DROP_UNKNOWN_YOUR_DISCRIMINATOR,
                    e.process(packet(BfdState.INIT, 7, 12345), 24, 255, peer, 4, 1));
            assertEquals(BfdWire.DROP_SHORT, e.process(new byte[3], 3, 255, peer, 4, 1));
            assertEquals(BfdWire.OK, e.process(packet(BfdState.DOWN, 7, 0), 24, 255, peer, 4, 1));
            final int ours = (int) e.status().get(0).localDiscriminator();
            // Our discriminator, but from another address: not this session's peer.
            assertEquals(BfdWire.DROP_UNKNOWN_PEER, e.process(packet(BfdState.INIT, 7, ours), 24, 255, stranger, 4, 2));
            assertEquals(BfdWire.OK, e.process(packet(BfdState.INIT, 7, ours), 24, 255, peer, 4, 2));
            assertEquals("Up", e.status().get(0).state());
            assertEquals(List.of("up 0"), events.seen);
            assertEquals(2, e.drops(BfdWire.DROP_UNKNOWN_PEER));
            assertEquals(1, e.drops(BfdWire.DROP_TTL));
            assertEquals(1, e.drops(BfdWire.DROP_UNKNOWN_YOUR_DISCRIMINATOR));
            assertEquals(1, e.drops(BfdWire.DROP_SHORT));
            // Detection: the listener hears Down, and BGP is held while BFD is not Up.
            e.onTimers(2 + 900_000);
            assertEquals(List.of("up 0", "down 0"), events.seen);
            assertTrue(e.holdsBgp(0));
            assertTrue(e.status().get(0).bgpHeld());
        }
    }

    @Test
    void peerAdminDownDoesNotTearBgpDown() {
        final Events events = new Events();
        try (BfdEngine e = new BfdEngine(
                List.of(new BfdEngine.Spec(PEER, LOCAL, BfdConfig.DEFAULT)),
                3784,
                new SplittableRandom(2),
                events,
                0)) {
            final byte[] peer = PEER.getAddress();
            e.process(packet(BfdState.DOWN, 7, 0), 24, 255, peer, 4, 1);
            final int ours = (int) e.status().get(0).localDiscriminator();
            e.process(packet(BfdState.UP, 7, ours), 24, 255, peer, 4, 2);
            assertEquals("Up", e.status().get(0).state());
            e.process(packet(BfdState.ADMIN_DOWN, 7, ours), 24, 255, peer, 4, 3);
            assertEquals("Down", e.status().get(0).state());
            assertEquals(List.of("up 0"), events.seen, "RFC 5882 §3.2: AdminDown is not a path failure");
            assertFalse(e.holdsBgp(0));
        }
    }

    private static void drive(final List<BfdEngine> engines, final BooleanSupplier done, final long timeoutMillis) {
        final long deadline = Clock.monotonicMillis() + timeoutMillis;
        final int[] fds = new int[8];
        final short[] events = new short[8];
        while (!done.getAsBoolean()) {
            assertTrue(Clock.monotonicMillis() < deadline, "not within " + timeoutMillis + " ms");
            for (final BfdEngine e : engines) {
                e.onTimers(Clock.monotonicMicros());
                final int n = e.pollDescriptors(fds, events, 0);
                for (int i = 0; i < n; i++) {
                    e.onReadable(fds[i], Clock.monotonicMicros());
                }
            }
            try {
                Thread.sleep(2); // the pace of this hand-driven loop, not a synchronisation
            } catch (final InterruptedException ex) {
                throw new AssertionError(ex);
            }
        }
    }

    @Test
    void twoEnginesOverLoopbackComeUpAndATtl254DatagramIsDropped() {
        // Not 3784: a BFD daemon on the test machine must not matter.
        final int port = 20_000 + new SplittableRandom().nextInt(20_000);
        final BfdConfig fast = new BfdConfig(50_000, 50_000, 3);
        final Events ea = new Events();
        final Events eb = new Events();
        final long now = Clock.monotonicMicros();
        try (BfdEngine a = new BfdEngine(
                        List.of(new BfdEngine.Spec(PEER, LOCAL, fast)), port, new SplittableRandom(3), ea, now);
                BfdEngine b = new BfdEngine(
                        List.of(new BfdEngine.Spec(LOCAL, PEER, fast)), port, new SplittableRandom(4), eb, now);
                Arena arena = Arena.ofConfined()) {
            drive(
                    List.of(a, b),
                    () -> a.status().get(0).up() && b.status().get(0).up(),
                    10_000);
            assertEquals(0, a.drops(BfdWire.DROP_TTL), "the kernel reported TTL 255 for our own packets");
            drive(
                    List.of(a, b),
                    () -> !a.status().get(0).bgpHeld() && a.status().get(0).txIntervalMicros() == 50_000,
                    5_000);
            // A datagram with TTL 254 from the peer's address: counted, session unaffected.
            final MemorySegment cs = Libc.newCaptureState(arena);
            final int fd = Libc.socket(cs, Libc.AF_INET, Libc.SOCK_DGRAM, 0);
            final MemorySegment ttl = arena.allocate(ValueLayout.JAVA_INT);
            ttl.set(ValueLayout.JAVA_INT, 0, 254);
            assertEquals(0, Libc.setsockopt(cs, fd, Libc.IPPROTO_IP, Libc.IP_TTL, ttl, 4));
            final MemorySegment addr = arena.allocate(SocketAddresses.SOCKADDR_STORAGE_LENGTH);
            assertEquals(0, Libc.bind(cs, fd, addr, SocketAddresses.write(addr, PEER, 0)));
            assertEquals(0, Libc.connect(cs, fd, addr, SocketAddresses.write(addr, LOCAL, port)));
            final MemorySegment buf = arena.allocate(24);
            MemorySegment.copy(packet(BfdState.DOWN, 99, 0), 0, buf, ValueLayout.JAVA_BYTE, 0, 24);
            assertEquals(24, Libc.send(cs, fd, buf, 24, 0));
            Libc.close(cs, fd);
            drive(List.of(a, b), () -> a.drops(BfdWire.DROP_TTL) == 1, 5_000);
            assertTrue(a.status().get(0).up());
            assertEquals(List.of("up 0"), ea.seen);
        }
    }
}
