package io.levitate.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * rte_eal.h, rte_errno.h, rte_log.h and rte_version.h: environment abstraction layer start-up and
 * shutdown, error text and the log stream.
 */
public final class Eal {
    private static final MethodHandle RTE_EAL_INIT =
            NativeLibrary.dpdk("rte_eal_init", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle RTE_EAL_CLEANUP =
            NativeLibrary.dpdk("rte_eal_cleanup", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle RTE_STRERROR =
            NativeLibrary.dpdk("rte_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle LV_ERRNO = NativeLibrary.dpdk("lv_errno", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle LV_VERSION = NativeLibrary.dpdk("lv_version", FunctionDescriptor.of(ADDRESS));
    private static final MethodHandle RTE_OPENLOG_STREAM =
            NativeLibrary.dpdk("rte_openlog_stream", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    /**
     * The EAL keeps pointers into argv (device arguments, the program name) for the life of the
     * process, so the strings live in the global arena.
     */
    private static final Arena ARGV_ARENA = Arena.global();

    private Eal() {}

    /**
     * rte_eal_init with an argv built in Java; argv[0] is the program name.
     *
     * @return the number of arguments the EAL consumed.
     * @throws DpdkException when the EAL refuses to start; the message carries rte_errno's text.
     */
    public static int init(final List<String> argv) {
        final MemorySegment array = ARGV_ARENA.allocate(ADDRESS, argv.size() + 1L);
        for (int i = 0; i < argv.size(); i++) {
            array.setAtIndex(ADDRESS, i, ARGV_ARENA.allocateFrom(argv.get(i)));
        }
        array.setAtIndex(ADDRESS, argv.size(), MemorySegment.NULL);
        final int rc;
        try {
            rc = (int) RTE_EAL_INIT.invokeExact(argv.size(), array);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) {
            final int errno = errno();
            throw new DpdkException("EAL initialisation failed: " + strerror(errno), errno);
        }
        return rc;
    }

    /** rte_eal_cleanup: releases hugepages and EAL threads; call once, after ports are closed. */
    public static int cleanup() {
        try {
            return (int) RTE_EAL_CLEANUP.invokeExact();
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** rte_errno of the calling thread (thread-local in C, so read through the shim). */
    public static int errno() {
        try {
            return (int) LV_ERRNO.invokeExact();
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** DPDK's text for an errno value (covers DPDK-specific codes as well as libc's). */
    public static String strerror(final int errno) {
        try {
            final MemorySegment text = (MemorySegment) RTE_STRERROR.invokeExact(errno);
            return text.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** rte_version(), e.g. "DPDK 22.11.11". */
    public static String version() {
        try {
            final MemorySegment text = (MemorySegment) LV_VERSION.invokeExact();
            return text.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * rte_openlog_stream: send DPDK's log to a C {@code FILE*} ({@link MemorySegment#NULL} restores
     * the default stream). Used to capture the EAL's reasons during start-up.
     */
    public static void openLogStream(final MemorySegment file) {
        try {
            final int rc = (int) RTE_OPENLOG_STREAM.invokeExact(file);
            DpdkException.check(rc, "rte_openlog_stream");
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }
}
