package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.conntrack.ConntrackConfig;
import io.levitate.conntrack.ConntrackTable;
import io.levitate.forwarder.worker.WorkerCounters;
import io.levitate.forwarder.worker.WorkerStartup;
import io.levitate.gre.EncapConfig;
import io.levitate.gre.GreEncapsulator;
import io.levitate.packet.FlowKey;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker's wiring is checked when it is built, not found wrong by the worker thread; and the
 * exception path it wires (TAP per port, rate) hands the kernel what the rate allows.
 */
class WorkerContextTest {
    private static final long PORT_MAC = 0x0200_0000_0001L;

    private final ConntrackTable conntrack = new ConntrackTable(ConntrackConfig.defaults(1024, 1));
    private final Neighbours neighbours =
            new Neighbours(0x0A00_0001, true, 0, 0, false, 0x0A00_00FE, true, 0, 0, false);
    private final GreEncapsulator encapsulator = new GreEncapsulator(EncapConfig.builder()
            .portMac(PORT_MAC)
            .mtu(1500)
            .sourceV4("10.0.0.1", 32)
            .build());
    private final ControlResponder responder = new ControlResponder(PORT_MAC, neighbours);
    private final CountersManager counters = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024 * 4)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)));

    @AfterEach
    void close() {
        conntrack.close();
    }

    /** Two ports, complete but for the exception path. */
    private WorkerContext.Builder twoPorts() {
        return WorkerContext.builder()
                .worker(1, 3, 1)
                .burst(32)
                .ports(new int[] {4, 5}, new int[] {1, 0})
                .snapshots(new AtomicReference<>())
                .neighbours(neighbours)
                .conntrack(conntrack)
                .perPort(
                        new GreEncapsulator[] {encapsulator, encapsulator},
                        new ControlResponder[] {responder, responder})
                .reporting(
                        new WorkerStats(SnapshotBuilder.MAX_SERVICES, SnapshotBuilder.BACKEND_IDS),
                        new WorkerCounters(counters, 1),
                        new WorkerStartup());
    }

    @Test
    void withoutAnExceptionPathNoPortHasATap() {
        final WorkerContext context = twoPorts().build();
        assertArrayEquals(new int[] {-1, -1}, context.exceptionPorts);
        assertFalse(context.exceptionPath);
        assertTrue(new LoadBalancerAgent(context).roleName().endsWith("-1"));
    }

    @Test
    void oneTapIsAnExceptionPath() {
        final int[] taps = {-1, 9};
        final WorkerContext context = twoPorts().exceptionPath(taps, 500).build();
        taps[1] = -1;
        assertArrayEquals(new int[] {-1, 9}, context.exceptionPorts, "copied in, not shared");
        assertTrue(context.exceptionPath);
        assertEquals(500, context.exceptionRate);
    }

    @Test
    void refusesPerPortArraysThatDoNotAgree() {
        final IllegalArgumentException peers = assertThrows(
                IllegalArgumentException.class,
                () -> twoPorts().ports(new int[] {4, 5}, new int[] {1}).build());
        assertEquals("worker 1: 2 ports but 1 peers", peers.getMessage());
        final IllegalArgumentException taps = assertThrows(
                IllegalArgumentException.class,
                () -> twoPorts().exceptionPath(new int[] {-1}, 500).build());
        assertEquals("worker 1: 2 ports but 1 exception ports", taps.getMessage());
        final IllegalArgumentException responders = assertThrows(
                IllegalArgumentException.class,
                () -> twoPorts()
                        .perPort(new GreEncapsulator[] {encapsulator, encapsulator}, new ControlResponder[] {responder})
                        .build());
        assertEquals("worker 1: 2 ports but 1 responders", responders.getMessage());
        final IllegalArgumentException peer = assertThrows(
                IllegalArgumentException.class,
                () -> twoPorts().ports(new int[] {4, 5}, new int[] {1, 2}).build());
        assertEquals("worker 1: peer position 2 is not a port", peer.getMessage());
    }

    @Test
    void refusesAMissingPartABurstOfNothingAndARateOfNothing() {
        assertEquals(
                "worker 1: no conntrack",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> twoPorts().conntrack(null).build())
                        .getMessage());
        assertEquals(
                "worker 1: burst must be at least 1, got 0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> twoPorts().burst(0).build())
                        .getMessage());
        assertEquals(
                "worker 1: exception rate must be positive, got 0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> twoPorts()
                                        .exceptionPath(new int[] {-1, 7}, 0)
                                        .build())
                        .getMessage());
    }

    @Test
    void theExceptionPathHandsTheKernelATenthOfASecondAtOnceThenTheRate() {
        final WorkerContext context =
                twoPorts().exceptionPath(new int[] {-1, 7}, 1000).build();
        final ExceptionPath exception = new ExceptionPath(context);
        final FlowKey arp = new FlowKey(); // not IP: the kernel's
        final long now = 5_000_000_000L;
        assertEquals(-1, exception.usePort(0));
        assertEquals(Action.DROP, exception.kernelOrDrop(ForwardDrop.NOT_HANDLED.id(), arp, now), "no TAP on port 0");
        assertEquals(1, context.stats.drops[ForwardDrop.NOT_HANDLED.id()]);
        assertEquals(7, exception.usePort(1));
        int kernel = 0;
        for (int i = 0; i < 1000; i++) {
            kernel += exception.kernelOrDrop(ForwardDrop.NOT_HANDLED.id(), arp, now) == Action.KERNEL ? 1 : 0;
        }
        assertEquals(100, kernel, "a burst of a tenth of a second's worth");
        assertEquals(900, context.stats.drops[ForwardDrop.KERNEL_RATE_LIMITED.id()]);
        assertEquals(
                Action.KERNEL,
                exception.kernelOrDrop(ForwardDrop.NOT_HANDLED.id(), arp, now + 1_000_000),
                "one a millisecond at 1000 a second");
        final FlowKey scan = new FlowKey();
        scan.family = FlowKey.FAMILY_IPV4;
        scan.dstLo = 0xC633_6401L; // not our address: never the kernel's
        assertEquals(Action.DROP, exception.kernelOrDrop(ForwardDrop.NO_SERVICE.id(), scan, now + 1_000_000_000L));
        assertEquals(1, context.stats.drops[ForwardDrop.NO_SERVICE.id()]);
    }
}
