package io.levitate.dpdk;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/**
 * Software prefetch of cache lines, which Java lacks: DPDK's {@code rte_prefetch0} of each address
 * in an off-heap array, in one downcall (linked as critical: it never blocks; about 4 ns a call).
 *
 * <p>Why not a plain load, Java's usual stand-in: a load that misses holds up retirement until its
 * line arrives, so a worker can overlap a load only with the instructions its out-of-order window
 * holds, and a pass of loads then waits for the slowest. A prefetch retires at once, so the lines
 * of packets a few places ahead arrive while the worker handles the packets before them.
 */
public final class Prefetch {
    private static final MethodHandle LV_PREFETCH0_BULK = NativeLibrary.dpdk(
            "lv_prefetch0_bulk", FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_INT), Linker.Option.critical(false));

    private Prefetch() {}

    /**
     * Starts loading, into all cache levels, the line of each of the {@code count} addresses in the
     * off-heap array at {@code addresses}, and returns without waiting for them. Never faults: the
     * CPU drops a prefetch of an unmapped address.
     */
    public static void lines(final long addresses, final int count) {
        try {
            LV_PREFETCH0_BULK.invokeExact(addresses, count);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }
}
