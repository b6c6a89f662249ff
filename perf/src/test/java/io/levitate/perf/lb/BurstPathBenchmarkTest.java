package io.levitate.perf.lb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BurstPathBenchmark measures forwarding: its setup and one invocation, per family, leave every
 * packet forwarded by the fast path on a conntrack hit; and its check notices when they are not.
 */
class BurstPathBenchmarkTest {
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static BurstPathBenchmark benchmark(final String family) {
        final BurstPathBenchmark b = new BurstPathBenchmark();
        b.family = family;
        b.flows = 10_000;
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    void oneInvocationForwardsEveryPacketOfTheBurst(final String family) throws Exception {
        final BurstPathBenchmark b = benchmark(family);
        b.setUp();
        try {
            final int last = b.burst();
            final int[] forward = new int[BurstPathBenchmark.BURST];
            Arrays.fill(forward, BurstPathBenchmark.FORWARD);
            assertArrayEquals(forward, b.actions(), family);
            assertTrue(last == BurstPathBenchmark.FORWARD, family);
            // And the next one through the fast path on conntrack hits, into a tunnel of this family.
            b.checkForwarded(1);
        } finally {
            b.tearDown();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    void theCheckRefusesABurstThatIsNotForwarded(final String family) throws Exception {
        final BurstPathBenchmark b = benchmark(family);
        b.setUp();
        try {
            // The next burst's flows (0..31 after setUp) to port 81, where no service listens.
            final int tcp = 14 + (family.equals("ipv6") ? 40 : 20);
            for (int i = 0; i < BurstPathBenchmark.BURST; i++) {
                ALL.set(ValueLayout.JAVA_BYTE, b.frames + (long) BurstPathBenchmark.SLOT * i + tcp + 3, (byte) 81);
            }
            final IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.checkForwarded(1));
            assertTrue(e.getMessage().contains("not 1 (forward)"), e.getMessage());
        } finally {
            b.tearDown();
        }
    }
}
