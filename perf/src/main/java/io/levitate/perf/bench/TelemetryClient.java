package io.levitate.perf.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client for a DPDK process's telemetry socket ({@code <runtime dir>/dpdk_telemetry.v2}), the
 * harness's one way of reading every contender's counters from outside the process.
 *
 * <p>The socket is {@code AF_UNIX}/{@code SOCK_SEQPACKET}, which {@code java.nio} does not offer
 * (its Unix-domain channels are stream sockets), so the few libc calls go through FFM. The
 * protocol: on connect the server sends one JSON message (version, pid, max_output_len); then
 * each command string sent gets one JSON reply, e.g. {@code /ethdev/stats,1} →
 * {@code {"/ethdev/stats": {"ipackets": .., "opackets": .., ...}}}.
 */
final class TelemetryClient implements AutoCloseable {
    static final String SOCKET_NAME = "dpdk_telemetry.v2";
    /** Replies are at most max_output_len (16 KiB in 22.11); 64 KiB leaves headroom. */
    private static final int RECV_BUFFER = 64 * 1024;

    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    /** sockaddr_un.sun_path is 108 bytes on Linux, NUL included. */
    private static final int SUN_PATH_LENGTH = 108;

    private static final Pattern OPACKETS = Pattern.compile("\"opackets\"\\s*:\\s*(\\d+)");
    private static final Pattern IPACKETS = Pattern.compile("\"ipackets\"\\s*:\\s*(\\d+)");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET = downcall(
            "socket",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CONNECT = downcall(
            "connect",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SETSOCKOPT = downcall(
            "setsockopt",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle SEND = downcall(
            "send",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = downcall(
            "recv",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE =
            downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment errno = arena.allocate(CAPTURE);
    private final MemorySegment buffer = arena.allocate(RECV_BUFFER);
    private final int fd;
    private final String hello;

    /** Counters of one port at one instant ({@code nanos} from {@link System#nanoTime()}). */
    record PortSample(long nanos, long ipackets, long opackets) {}

    /** Connects and reads the greeting; replies slower than {@code timeoutMillis} fail. */
    TelemetryClient(Path socket, int timeoutMillis) throws IOException {
        byte[] path = socket.toString().getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_LENGTH) {
            arena.close();
            throw new IOException("socket path too long for sockaddr_un: " + socket);
        }
        int s;
        try {
            s = (int) call(SOCKET, "socket", AF_UNIX, SOCK_SEQPACKET, 0);
        } catch (IOException e) {
            arena.close();
            throw e;
        }
        fd = s;
        try {
            MemorySegment timeval = arena.allocate(16, 8); // struct timeval { time_t sec; suseconds_t usec; }
            timeval.set(ValueLayout.JAVA_LONG, 0, timeoutMillis / 1000);
            timeval.set(ValueLayout.JAVA_LONG, 8, (timeoutMillis % 1000) * 1000L);
            call(SETSOCKOPT, "setsockopt", fd, SOL_SOCKET, SO_RCVTIMEO, timeval, 16);
            MemorySegment addr = arena.allocate(2 + SUN_PATH_LENGTH, 2); // sockaddr_un, zero-filled
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(path, 0, addr, ValueLayout.JAVA_BYTE, 2, path.length);
            call(CONNECT, "connect", fd, addr, (int) addr.byteSize());
            hello = receive();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    String hello() {
        return hello;
    }

    /** Sends one command and returns its JSON reply. */
    String query(String command) throws IOException {
        byte[] bytes = command.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
        call(SEND, "send", fd, buffer, (long) bytes.length, 0);
        return receive();
    }

    /**
     * Reads a port's rx/tx packet counters; the timestamp is the middle of the round trip, so
     * the client's own latency does not bias the rate.
     */
    PortSample portStats(int port) throws IOException {
        long before = System.nanoTime();
        String reply = query("/ethdev/stats," + port);
        long after = System.nanoTime();
        return new PortSample(before + (after - before) / 2, number(IPACKETS, reply), number(OPACKETS, reply));
    }

    private static long number(Pattern pattern, String reply) throws IOException {
        Matcher m = pattern.matcher(reply);
        if (!m.find()) {
            throw new IOException("unexpected telemetry reply: " + reply);
        }
        return Long.parseLong(m.group(1));
    }

    private String receive() throws IOException {
        long n = call(RECV, "recv", fd, buffer, (long) RECV_BUFFER, 0);
        if (n == 0) {
            throw new IOException("telemetry socket closed by the process");
        }
        return new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (fd >= 0) {
            try {
                CLOSE.invokeExact(errno, fd);
            } catch (Throwable ignored) {
                // closing a socket we own cannot usefully fail
            }
        }
        arena.close();
    }

    /** Invokes a libc function capturing errno; a negative result becomes an IOException. */
    private long call(MethodHandle handle, String name, Object... args) throws IOException {
        Object[] full = new Object[args.length + 1];
        full[0] = errno;
        System.arraycopy(args, 0, full, 1, args.length);
        Object result;
        try {
            result = handle.invokeWithArguments(full);
        } catch (Throwable t) {
            throw new IOException(name + " failed", t);
        }
        long r = ((Number) result).longValue();
        if (r < 0) {
            int e = (int) ERRNO.get(errno, 0L);
            throw new IOException(name + " failed: errno " + e + (e == 11 ? " (timeout)" : ""));
        }
        return r;
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup()
                .find(name)
                .orElseThrow(() -> new IllegalStateException("libc symbol not found: " + name));
        return LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
    }
}
