package io.levitate.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * stdio.h (libc): a C {@code FILE*} for DPDK's log stream, so start-up can capture the EAL's own
 * reason for a failure and show it in one line.
 */
public final class CStdio
{
    private static final MethodHandle FOPEN =
        NativeLibrary.libc("fopen", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FCLOSE =
        NativeLibrary.libc("fclose", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FFLUSH =
        NativeLibrary.libc("fflush", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private CStdio()
    {
    }

    /** fopen; returns NULL on failure. */
    public static MemorySegment open(final String path, final String mode)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return (MemorySegment)FOPEN.invokeExact(arena.allocateFrom(path), arena.allocateFrom(mode));
        }
        catch (final Throwable t)
        {
            throw new AssertionError(t);
        }
    }

    public static void flush(final MemorySegment file)
    {
        try
        {
            final int ignored = (int)FFLUSH.invokeExact(file);
        }
        catch (final Throwable t)
        {
            throw new AssertionError(t);
        }
    }

    public static void close(final MemorySegment file)
    {
        try
        {
            final int ignored = (int)FCLOSE.invokeExact(file);
        }
        catch (final Throwable t)
        {
            throw new AssertionError(t);
        }
    }
}
