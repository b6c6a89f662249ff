package io.levitate.conntrack;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The zeroed, 64-byte aligned off-heap block behind one {@link ConntrackTable}.
 *
 * <p>Why not just an {@link Arena}: a table of millions of entries is read at random, so with 4 KiB
 * pages nearly every lookup also misses the TLB and pays a page walk per bucket (a 512 MiB table is
 * 131072 pages; the TLB holds about 2000). On Linux, blocks of 2 MiB and more are therefore mapped
 * with {@code mmap}, 2 MiB aligned, and marked {@code madvise(MADV_HUGEPAGE)} <em>before</em> they
 * are first touched, so transparent huge pages back them when the kernel allows it ({@code
 * /sys/kernel/mm/transparent_hugepage/enabled} set to {@code always} or {@code madvise}); the
 * constructor then touches every page so no worker takes a page fault later. Anything else (another
 * OS, a small table, native access denied, a failing call) falls back to a plain shared arena: the
 * same table, only without that help. Not thread-confined: a table is often built by the main
 * thread and used by a worker.
 */
final class TableMemory implements AutoCloseable {
    /** Huge page size on x86-64 and arm64 (4 KiB base pages). */
    private static final long HUGE = 2L << 20;

    private static final long PAGE = 4096;
    // <sys/mman.h> values shared by Linux x86-64 and arm64.
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** Address of the block. */
    final long address;
    /** Bytes usable from {@link #address}. */
    final long bytes;
    /** True if the block was mapped with a huge-page hint (the kernel decides whether it got them). */
    final boolean hugePageHint;

    private final Arena arena;
    private final long mapAddress;
    private final long mapLength;

    private TableMemory(long address, long bytes, boolean hugePageHint, Arena arena, long mapAddress, long mapLength) {
        this.address = address;
        this.bytes = bytes;
        this.hugePageHint = hugePageHint;
        this.arena = arena;
        this.mapAddress = mapAddress;
        this.mapLength = mapLength;
    }

    static TableMemory allocate(long bytes) {
        if (bytes >= HUGE && System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                final TableMemory m = mapHuge(bytes);
                if (m != null) {
                    return m;
                }
            } catch (Throwable e) {
                // Native access denied or libc not as expected: the arena below works everywhere.
            }
        }
        final Arena arena = Arena.ofShared();
        final MemorySegment s = arena.allocate(bytes, 64); // zeroed
        return new TableMemory(s.address(), bytes, false, arena, 0, 0);
    }

    private static TableMemory mapHuge(long bytes) throws Throwable {
        final long length = bytes + HUGE; // room to align the start to 2 MiB
        final MemorySegment p = (MemorySegment)
                Libc.MMAP.invokeExact(MemorySegment.NULL, length, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        final long map = p.address();
        if (map == -1L || map == 0L) {
            return null;
        }
        final long start = (map + HUGE - 1) & -HUGE;
        // Best effort: if the kernel refuses the hint the mapping still works with small pages.
        final int advised = (int) Libc.MADVISE.invokeExact(MemorySegment.ofAddress(start), bytes, MADV_HUGEPAGE);
        // Anonymous mappings are zeroed; touching each page now moves every page fault to start-up.
        for (long off = 0; off < bytes; off += PAGE) {
            ALL.set(ValueLayout.JAVA_BYTE, start + off, (byte) 0);
        }
        return new TableMemory(start, bytes, advised == 0, null, map, length);
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        } else {
            try {
                final int r = (int) Libc.MUNMAP.invokeExact(MemorySegment.ofAddress(mapAddress), mapLength);
            } catch (Throwable e) {
                throw new IllegalStateException("munmap failed", e);
            }
        }
    }

    /** libc bindings, resolved on first use of a large table. */
    private static final class Libc {
        static final MethodHandle MMAP;
        static final MethodHandle MADVISE;
        static final MethodHandle MUNMAP;

        static {
            final Linker linker = Linker.nativeLinker();
            MMAP = linker.downcallHandle(
                    linker.defaultLookup().find("mmap").orElseThrow(),
                    FunctionDescriptor.of(
                            ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS,
                            ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_LONG));
            MADVISE = linker.downcallHandle(
                    linker.defaultLookup().find("madvise").orElseThrow(),
                    FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            MUNMAP = linker.downcallHandle(
                    linker.defaultLookup().find("munmap").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        }

        private Libc() {}
    }
}
