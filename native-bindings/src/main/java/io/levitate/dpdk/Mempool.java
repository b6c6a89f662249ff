package io.levitate.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * rte_mempool.h / rte_mbuf.h pool creation: the packet-buffer pools ports receive into.
 *
 * <p>A pool is referred to by its address (a {@code long}); the hot path passes addresses, never
 * segments, so nothing is allocated per burst.
 */
public final class Mempool {
    /**
     * Largest per-lcore cache DPDK allows (RTE_MEMPOOL_CACHE_MAX_SIZE). A registered worker
     * allocates and frees through its cache instead of the shared ring.
     */
    public static final int CACHE_MAX = 512;

    private static final MethodHandle RTE_PKTMBUF_POOL_CREATE = NativeLibrary.dpdk(
            "rte_pktmbuf_pool_create",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_INT));
    private static final MethodHandle RTE_MEMPOOL_FREE =
            NativeLibrary.dpdk("rte_mempool_free", FunctionDescriptor.ofVoid(ADDRESS));

    private Mempool() {}

    /**
     * rte_pktmbuf_pool_create.
     *
     * @param count      number of mbufs; 2^q - 1 uses the ring best.
     * @param cacheSize  per-lcore cache, at most {@link #CACHE_MAX}.
     * @param dataRoom   data room per mbuf including headroom (e.g. {@link Mbuf#DEFAULT_BUF_SIZE}).
     * @param socketId   NUMA socket, or -1 for any.
     * @return the pool's address.
     */
    public static long createPktmbufPool(
            final String name, final int count, final int cacheSize, final int dataRoom, final int socketId) {
        if (dataRoom <= 0 || dataRoom > 0xFFFF) {
            throw new IllegalArgumentException("mbuf data room must be 1..65535 bytes, got " + dataRoom);
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment pool = (MemorySegment) RTE_PKTMBUF_POOL_CREATE.invokeExact(
                    arena.allocateFrom(name),
                    count,
                    Math.min(cacheSize, CACHE_MAX),
                    (short) 0,
                    (short) dataRoom,
                    socketId);
            if (pool.address() == 0) {
                final int errno = Eal.errno();
                throw new DpdkException(
                        "cannot create mbuf pool " + name + " of " + count + " mbufs: " + Eal.strerror(errno), errno);
            }
            return pool.address();
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void free(final long pool) {
        try {
            RTE_MEMPOOL_FREE.invokeExact(MemorySegment.ofAddress(pool));
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }
}
