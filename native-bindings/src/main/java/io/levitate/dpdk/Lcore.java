package io.levitate.dpdk;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * rte_lcore.h: registering non-EAL threads as lcores.
 *
 * <p>A Java platform thread is not an lcore: {@code rte_lcore_id()} is "any", so the mempool
 * per-lcore cache is bypassed and every mbuf alloc/free goes through the shared ring (measured
 * 30 % slower for plain forwarding, 40 % with per-packet work). Each worker registers itself
 * before its first burst.
 * Registration disables DPDK's multi-process mode; Levitate has no secondary processes.
 */
public final class Lcore {
    /** rte_lcore_id() of a thread DPDK does not know (LCORE_ID_ANY = UINT32_MAX). */
    public static final int LCORE_ID_ANY = -1;

    private static final MethodHandle RTE_THREAD_REGISTER =
            NativeLibrary.dpdk("rte_thread_register", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle RTE_THREAD_UNREGISTER =
            NativeLibrary.dpdk("rte_thread_unregister", FunctionDescriptor.ofVoid());
    private static final MethodHandle LV_LCORE_ID = NativeLibrary.dpdk("lv_lcore_id", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle RTE_SOCKET_ID =
            NativeLibrary.dpdk("rte_socket_id", FunctionDescriptor.of(JAVA_INT));

    private Lcore() {}

    /**
     * Registers the calling thread with DPDK and returns its new lcore id. Pin the thread first:
     * DPDK records the thread's CPU affinity (and so its NUMA socket) at registration.
     */
    public static int registerThread() {
        final int rc;
        try {
            rc = (int) RTE_THREAD_REGISTER.invokeExact();
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) {
            final int errno = Eal.errno();
            throw new DpdkException("rte_thread_register: " + Eal.strerror(errno), errno);
        }
        return lcoreId();
    }

    /** Releases the calling thread's lcore id. */
    public static void unregisterThread() {
        try {
            RTE_THREAD_UNREGISTER.invokeExact();
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** rte_lcore_id() of the calling thread, or {@link #LCORE_ID_ANY}. */
    public static int lcoreId() {
        try {
            return (int) LV_LCORE_ID.invokeExact();
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** NUMA socket of the calling thread (from its affinity at registration). */
    public static int socketId() {
        try {
            return (int) RTE_SOCKET_ID.invokeExact();
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }
}
