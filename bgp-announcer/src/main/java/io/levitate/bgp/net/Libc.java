package io.levitate.bgp.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc socket calls the speaker makes through FFM. Java's socket API cannot set
 * {@code TCP_MD5SIG} (RFC 2385) and hides the descriptor, so every BGP connection is a plain
 * non-blocking libc socket driven by {@code poll(2)}.
 *
 * <p>Each call returns the C result; failures return -1 with errno left in the caller's
 * capture segment (read with {@link #errno}). Nothing here throws on a failed syscall.
 */
public final class Libc {
    // Linux x86-64/aarch64 constants (asm-generic and linux/in.h, linux/tcp.h).
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 0x800; // O_NONBLOCK
    public static final int SOCK_CLOEXEC = 0x80000; // O_CLOEXEC: no leaking sessions into children
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_ERROR = 4;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_IPV6 = 41;
    public static final int TCP_NODELAY = 1;
    /** linux/tcp.h: TCP MD5 Signature (RFC 2385). */
    public static final int TCP_MD5SIG = 14;

    public static final int IPV6_V6ONLY = 26;
    public static final int IP_TTL = 2;
    public static final int IPPROTO_IP = 0;
    /** bind(2) to an address the host does not have (yet): linux/in.h. */
    public static final int IP_FREEBIND = 15;
    /** The same for IPv6 sockets (Linux 4.15+): linux/in6.h. */
    public static final int IPV6_FREEBIND = 78;

    public static final short POLLIN = 0x001;
    public static final short POLLOUT = 0x004;
    public static final short POLLERR = 0x008;
    public static final short POLLHUP = 0x010;
    public static final short POLLNVAL = 0x020;

    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int EINPROGRESS = 115;
    public static final int ECONNREFUSED = 111;

    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET =
            handle("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT =
            handle("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND =
            handle("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = handle("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 =
            handle("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT =
            handle("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT =
            handle("getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GETSOCKNAME =
            handle("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle POLL =
            handle("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle READ =
            handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE =
            handle("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EVENTFD = handle("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle KILL = handle("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /**
     * pidfd_open(2) and pidfd_send_signal(2) through syscall(2): glibc has wrappers only since
     * 2.36, the kernel since 5.3 (5.1 for the second), and a missing symbol would break this class.
     */
    private static final MethodHandle PIDFD_OPEN = LINKER.downcallHandle(
            LIBC.find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO,
            Linker.Option.firstVariadicArg(1));

    private static final MethodHandle PIDFD_SEND_SIGNAL = LINKER.downcallHandle(
            LIBC.find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
            CAPTURE_ERRNO,
            Linker.Option.firstVariadicArg(1));
    /** asm-generic/unistd.h numbers, the same on x86-64 and aarch64. */
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;

    private static final long SYS_PIDFD_OPEN = 434;
    public static final int ENOSYS = 38;
    public static final int ESRCH = 3;
    private static final MethodHandle STRERROR =
            LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {}

    private static MethodHandle handle(final String name, final FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), descriptor, CAPTURE_ERRNO);
    }

    /** A segment to pass as the first argument of every call; holds errno afterwards. */
    public static MemorySegment newCaptureState(final Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    public static int errno(final MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    public static String strerror(final int errno) {
        try {
            final MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (final Throwable t) {
            return "errno " + errno;
        }
    }

    public static int socket(final MemorySegment cs, final int domain, final int type, final int protocol) {
        try {
            return (int) SOCKET.invokeExact(cs, domain, type, protocol);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int connect(final MemorySegment cs, final int fd, final MemorySegment addr, final int len) {
        try {
            return (int) CONNECT.invokeExact(cs, fd, addr, len);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int bind(final MemorySegment cs, final int fd, final MemorySegment addr, final int len) {
        try {
            return (int) BIND.invokeExact(cs, fd, addr, len);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int listen(final MemorySegment cs, final int fd, final int backlog) {
        try {
            return (int) LISTEN.invokeExact(cs, fd, backlog);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int accept4(
            final MemorySegment cs, final int fd, final MemorySegment addr, final MemorySegment len, final int flags) {
        try {
            return (int) ACCEPT4.invokeExact(cs, fd, addr, len, flags);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int setsockopt(
            final MemorySegment cs,
            final int fd,
            final int level,
            final int name,
            final MemorySegment value,
            final int len) {
        try {
            return (int) SETSOCKOPT.invokeExact(cs, fd, level, name, value, len);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int getsockopt(
            final MemorySegment cs,
            final int fd,
            final int level,
            final int name,
            final MemorySegment value,
            final MemorySegment len) {
        try {
            return (int) GETSOCKOPT.invokeExact(cs, fd, level, name, value, len);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int getsockname(
            final MemorySegment cs, final int fd, final MemorySegment addr, final MemorySegment len) {
        try {
            return (int) GETSOCKNAME.invokeExact(cs, fd, addr, len);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int poll(final MemorySegment cs, final MemorySegment fds, final long nfds, final int timeoutMs) {
        try {
            return (int) POLL.invokeExact(cs, fds, nfds, timeoutMs);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long read(final MemorySegment cs, final int fd, final MemorySegment buf, final long count) {
        try {
            return (long) READ.invokeExact(cs, fd, buf, count);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long write(final MemorySegment cs, final int fd, final MemorySegment buf, final long count) {
        try {
            return (long) WRITE.invokeExact(cs, fd, buf, count);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int close(final MemorySegment cs, final int fd) {
        try {
            return (int) CLOSE.invokeExact(cs, fd);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static final int SIGUSR1 = 10;

    /**
     * A descriptor of process {@code pid} that keeps naming that process even after its pid is
     * reused: check the process, then signal through the descriptor, and a recycled pid cannot be hit.
     */
    public static int pidfdOpen(final MemorySegment cs, final int pid) {
        try {
            return (int) (long) PIDFD_OPEN.invokeExact(cs, SYS_PIDFD_OPEN, pid, 0);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Signals the process of a pidfd; fails with ESRCH once that process has exited. */
    public static int pidfdSendSignal(final MemorySegment cs, final int pidfd, final int signal) {
        try {
            return (int) (long)
                    PIDFD_SEND_SIGNAL.invokeExact(cs, SYS_PIDFD_SEND_SIGNAL, pidfd, signal, MemorySegment.NULL, 0);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int kill(final MemorySegment cs, final int pid, final int signal) {
        try {
            return (int) KILL.invokeExact(cs, pid, signal);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int eventfd(final MemorySegment cs, final int initval, final int flags) {
        try {
            return (int) EVENTFD.invokeExact(cs, initval, flags);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    // ------------------------------------------------------------------ datagrams (BFD, RFC 5881)

    public static final int SOCK_DGRAM = 2;
    public static final int IPPROTO_UDP = 17;
    /** linux/in.h: deliver the received TTL as an IP_TTL control message. */
    public static final int IP_RECVTTL = 12;
    /** linux/in6.h: the hop limit of unicast packets sent. */
    public static final int IPV6_UNICAST_HOPS = 16;
    /** linux/in6.h (RFC 3542): deliver the received hop limit as an IPV6_HOPLIMIT control message. */
    public static final int IPV6_RECVHOPLIMIT = 51;

    public static final int IPV6_HOPLIMIT = 52;
    public static final int EADDRINUSE = 98;

    private static final MethodHandle RECVMSG =
            handle("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SEND =
            handle("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    /** {@code recvmsg(2)}: the only way to learn a datagram's TTL (its control messages). */
    public static long recvmsg(final MemorySegment cs, final int fd, final MemorySegment msghdr, final int flags) {
        try {
            return (long) RECVMSG.invokeExact(cs, fd, msghdr, flags);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long send(
            final MemorySegment cs, final int fd, final MemorySegment buf, final long count, final int flags) {
        try {
            return (long) SEND.invokeExact(cs, fd, buf, count, flags);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }
}
