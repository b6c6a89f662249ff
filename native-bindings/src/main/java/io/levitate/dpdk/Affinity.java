package io.levitate.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * sched.h (libc): CPU pinning of the calling thread, and of another thread of this process.
 *
 * <p>{@code rte_eal_init} pins the main thread to the main lcore and threads created later inherit
 * that mask, so a worker must pin itself, from its own thread, before it registers with DPDK
 * (an unpinned worker shared the main thread's CPU and lost about 25 %). The JVM's own threads
 * (compiler, GC, VM thread) start before {@code rte_eal_init} and keep the whole mask: {@link
 * #setThreadAffinity} moves them.
 */
public final class Affinity {
    /** glibc's cpu_set_t: 1024 bits. */
    private static final int CPU_SETSIZE = 1024;

    private static final long CPU_SET_BYTES = CPU_SETSIZE / 8;

    private static final StructLayout CAPTURED = Linker.Option.captureStateLayout();
    private static final VarHandle CAPTURED_ERRNO = CAPTURED.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle SCHED_SETAFFINITY = NativeLibrary.libc(
            "sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle SCHED_GETCPU =
            NativeLibrary.libc("sched_getcpu", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETTID = NativeLibrary.libc("gettid", FunctionDescriptor.of(JAVA_INT));

    /** errno when a thread id names no thread (it ended). */
    public static final int ESRCH = 3;

    private Affinity() {}

    /**
     * Pins the calling thread to one CPU.
     *
     * @throws IllegalArgumentException when the CPU is out of range or not allowed for this process
     */
    public static void pinCurrentThread(final int cpu) {
        if (cpu < 0 || cpu >= CPU_SETSIZE) {
            throw new IllegalArgumentException("CPU " + cpu + " out of range 0.." + (CPU_SETSIZE - 1));
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment set = arena.allocate(CPU_SET_BYTES, 8);
            set.set(JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            final MemorySegment state = arena.allocate(CAPTURED);
            final int rc = (int) SCHED_SETAFFINITY.invokeExact(state, 0, CPU_SET_BYTES, set);
            if (rc != 0) {
                final int errno = (int) CAPTURED_ERRNO.get(state, 0L);
                throw new IllegalArgumentException("cannot pin thread to CPU " + cpu + ": errno " + errno
                        + (errno == 22 ? " (EINVAL: CPU not present or not allowed)" : ""));
            }
        } catch (final IllegalArgumentException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Restricts thread {@code tid} of this process (a Linux thread id, as in /proc/self/task) to
     * {@code cpus}.
     *
     * @return 0, or the errno of the failure ({@link #ESRCH}: the thread has ended)
     * @throws IllegalArgumentException when {@code cpus} is empty or a CPU is out of range
     */
    public static int setThreadAffinity(final int tid, final int[] cpus) {
        if (cpus.length == 0) {
            throw new IllegalArgumentException("no CPU given");
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment set = arena.allocate(CPU_SET_BYTES, 8);
            for (final int cpu : cpus) {
                if (cpu < 0 || cpu >= CPU_SETSIZE) {
                    throw new IllegalArgumentException("CPU " + cpu + " out of range 0.." + (CPU_SETSIZE - 1));
                }
                final long offset = (cpu / 64) * 8L;
                set.set(JAVA_LONG, offset, set.get(JAVA_LONG, offset) | 1L << (cpu % 64));
            }
            final MemorySegment state = arena.allocate(CAPTURED);
            final int rc = (int) SCHED_SETAFFINITY.invokeExact(state, tid, CPU_SET_BYTES, set);
            return rc == 0 ? 0 : (int) CAPTURED_ERRNO.get(state, 0L);
        } catch (final IllegalArgumentException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The calling thread's Linux thread id (gettid), as named in /proc/self/task. */
    public static int currentThreadId() {
        try {
            return (int) GETTID.invokeExact();
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The CPU the calling thread runs on now. */
    public static int currentCpu() {
        try {
            return (int) SCHED_GETCPU.invokeExact();
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }
}
