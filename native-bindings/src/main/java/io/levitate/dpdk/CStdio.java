package io.levitate.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * stdio.h (libc): a C {@code FILE*} for DPDK's log stream, so start-up can capture the EAL's own
 * reason for a failure and show it in one line.
 */
public final class CStdio {
    private static final MethodHandle FOPEN =
            NativeLibrary.libc("fopen", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FCLOSE = NativeLibrary.libc("fclose", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FFLUSH = NativeLibrary.libc("fflush", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FILENO = NativeLibrary.libc("fileno", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle DUP = NativeLibrary.libc("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP2 =
            NativeLibrary.libc("dup2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = NativeLibrary.libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    /** File descriptor of standard error. */
    private static final int STDERR_FD = 2;

    private CStdio() {}

    /** fopen; returns NULL on failure. */
    public static MemorySegment open(final String path, final String mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (MemorySegment) FOPEN.invokeExact(arena.allocateFrom(path), arena.allocateFrom(mode));
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void flush(final MemorySegment file) {
        try {
            final int ignored = (int) FFLUSH.invokeExact(file);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Points file descriptor 2 at {@code file} (a stream from {@link #open}) and returns a
     * duplicate of the previous stderr for {@link #restoreStderr}, or -1 when that failed. Native
     * code that writes to stderr directly (getopt, the EAL's fatal alerts) is then captured too.
     */
    public static int redirectStderr(final MemorySegment file) {
        try {
            final int saved = (int) DUP.invokeExact(STDERR_FD);
            if (saved < 0) {
                return -1;
            }
            final int fd = (int) FILENO.invokeExact(file);
            if ((int) DUP2.invokeExact(fd, STDERR_FD) < 0) {
                final int ignored = (int) CLOSE.invokeExact(saved);
                return -1;
            }
            return saved;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Undoes {@link #redirectStderr}. */
    public static void restoreStderr(final int saved) {
        if (saved < 0) {
            return;
        }
        try {
            final int ignored = (int) DUP2.invokeExact(saved, STDERR_FD);
            final int ignored2 = (int) CLOSE.invokeExact(saved);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void close(final MemorySegment file) {
        try {
            final int ignored = (int) FCLOSE.invokeExact(file);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }
}
