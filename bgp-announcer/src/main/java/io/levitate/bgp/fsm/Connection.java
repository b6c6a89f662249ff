package io.levitate.bgp.fsm;

import io.levitate.bgp.net.Libc;
import io.levitate.bgp.net.SocketAddresses;
import io.levitate.bgp.net.TcpMd5;
import io.levitate.bgp.wire.BgpWire;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * One TCP connection of a session: a non-blocking libc socket with an inbound byte buffer and an
 * outbound message buffer. Confined to the speaker thread; its native memory is freed on close.
 */
final class Connection {
    /** Whole messages wait here until the kernel takes them; overflowing it means the peer stopped reading. */
    static final int OUT_CAPACITY = 1 << 20;
    /** Two maximal messages: every complete message is consumed before the next read. */
    static final int IN_CAPACITY = 2 * BgpWire.MAX_MESSAGE_LENGTH;

    final int fd;
    final boolean inbound;
    private final Arena arena;
    private final MemorySegment capture;
    private final MemorySegment inSegment;
    final byte[] in = new byte[IN_CAPACITY];
    int inLength;
    private final MemorySegment outSegment;
    final ByteBuffer out;
    /** Monotonic ms of the last time the kernel accepted bytes or the buffer was empty (RFC 9687). */
    long lastSendProgress;

    InetAddress localAddress;
    boolean connected;
    boolean closed;

    private Connection(
            final int fd, final boolean inbound, final Arena arena, final MemorySegment capture, final long now) {
        this.fd = fd;
        this.inbound = inbound;
        this.arena = arena;
        this.capture = capture;
        this.inSegment = arena.allocate(IN_CAPACITY);
        this.outSegment = arena.allocate(OUT_CAPACITY);
        this.out = outSegment.asByteBuffer(); // big-endian, as the wire
        this.lastSendProgress = now;
    }

    /**
     * Starts a non-blocking connect. MD5 is set before connect() so that the SYN is signed.
     *
     * @return the connection, or null with {@code error[0]} saying why.
     */
    static Connection connect(
            final InetAddress peer,
            final int port,
            final InetAddress local,
            final String md5,
            final long now,
            final String[] error) {
        final Arena arena = Arena.ofConfined();
        final MemorySegment cs = Libc.newCaptureState(arena);
        final int family = peer.getAddress().length == 4 ? Libc.AF_INET : Libc.AF_INET6;
        final int fd = Libc.socket(cs, family, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            error[0] = "socket: " + Libc.strerror(Libc.errno(cs));
            arena.close();
            return null;
        }
        final Connection c = new Connection(fd, false, arena, cs, now);
        final MemorySegment addr = arena.allocate(SocketAddresses.SOCKADDR_STORAGE_LENGTH);
        if (md5 != null && !c.setMd5(peer, md5, error)) {
            c.close();
            return null;
        }
        c.setInt(Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
        if (local != null) {
            final int len = SocketAddresses.write(addr, local, 0);
            if (Libc.bind(cs, fd, addr, len) < 0) {
                error[0] = "bind " + io.levitate.packet.Addresses.format(local) + ": " + Libc.strerror(Libc.errno(cs));
                c.close();
                return null;
            }
        }
        final int len = SocketAddresses.write(addr, peer, port);
        if (Libc.connect(cs, fd, addr, len) == 0) {
            c.onConnected();
            return c;
        }
        final int errno = Libc.errno(cs);
        if (errno != Libc.EINPROGRESS) {
            error[0] = "connect: " + Libc.strerror(errno);
            c.close();
            return null;
        }
        return c;
    }

    /** Wraps an accepted socket. */
    static Connection accepted(final int fd, final long now) {
        final Arena arena = Arena.ofConfined();
        final Connection c = new Connection(fd, true, arena, Libc.newCaptureState(arena), now);
        c.setInt(Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
        c.onConnected();
        return c;
    }

    boolean setMd5(final InetAddress peer, final String key, final String[] error) {
        final MemorySegment sig = arena.allocate(TcpMd5.STRUCT_LENGTH);
        TcpMd5.encode(sig, peer, key);
        if (Libc.setsockopt(capture, fd, Libc.IPPROTO_TCP, Libc.TCP_MD5SIG, sig, TcpMd5.STRUCT_LENGTH) < 0) {
            error[0] = "setsockopt(TCP_MD5SIG): " + Libc.strerror(Libc.errno(capture));
            return false;
        }
        return true;
    }

    private void setInt(final int level, final int name, final int value) {
        final MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
        v.set(ValueLayout.JAVA_INT, 0, value);
        Libc.setsockopt(capture, fd, level, name, v, 4);
    }

    /** After POLLOUT on a connecting socket: 0 when connected, else the errno of the failure. */
    int finishConnect() {
        final MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
        final MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, 4);
        if (Libc.getsockopt(capture, fd, Libc.SOL_SOCKET, Libc.SO_ERROR, v, len) < 0) {
            return Libc.errno(capture);
        }
        final int err = v.get(ValueLayout.JAVA_INT, 0);
        if (err == 0) {
            onConnected();
        }
        return err;
    }

    private void onConnected() {
        connected = true;
        final MemorySegment addr = arena.allocate(SocketAddresses.SOCKADDR_STORAGE_LENGTH);
        final MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, SocketAddresses.SOCKADDR_STORAGE_LENGTH);
        if (Libc.getsockname(capture, fd, addr, len) == 0) {
            localAddress = SocketAddresses.readAddress(addr);
        }
    }

    /**
     * Reads what the kernel has, up to the free space of the inbound buffer.
     *
     * @return bytes read (0: nothing now), or -1 on EOF / error (then {@code error[0]} says which).
     */
    int read(final String[] error) {
        final int room = IN_CAPACITY - inLength;
        if (room == 0) {
            return 0;
        }
        final long n = Libc.read(capture, fd, inSegment, room);
        if (n > 0) {
            MemorySegment.copy(inSegment, ValueLayout.JAVA_BYTE, 0, in, inLength, (int) n);
            inLength += (int) n;
            return (int) n;
        }
        if (n == 0) {
            error[0] = "connection closed by peer";
            return -1;
        }
        final int errno = Libc.errno(capture);
        if (errno == Libc.EAGAIN || errno == Libc.EINTR) {
            return 0;
        }
        error[0] = "read: " + Libc.strerror(errno);
        return -1;
    }

    void consume(final int bytes) {
        System.arraycopy(in, bytes, in, 0, inLength - bytes);
        inLength -= bytes;
    }

    /** True when at least one maximal message fits in the outbound buffer. */
    boolean hasRoomForMessage() {
        return out.remaining() >= BgpWire.MAX_MESSAGE_LENGTH;
    }

    boolean hasPendingOutput() {
        return out.position() > 0;
    }

    /**
     * Hands buffered bytes to the kernel.
     *
     * @return false on a write error (then {@code error[0]} says which).
     */
    boolean flush(final long now, final String[] error) {
        while (out.position() > 0) {
            final long n = Libc.write(capture, fd, outSegment, out.position());
            if (n > 0) {
                out.flip();
                out.position((int) n);
                out.compact();
                lastSendProgress = now;
                continue;
            }
            final int errno = Libc.errno(capture);
            if (n < 0 && (errno == Libc.EAGAIN || errno == Libc.EINTR)) {
                return true;
            }
            error[0] = "write: " + Libc.strerror(errno);
            return false;
        }
        lastSendProgress = now;
        return true;
    }

    /** Blocks up to {@code timeoutMs} for the buffer to drain; used only when closing (Cease must reach the peer). */
    void flushBlocking(final long timeoutMs) {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        final String[] error = new String[1];
        final MemorySegment pfd = arena.allocate(8);
        while (out.position() > 0 && System.nanoTime() < deadline) {
            if (!flush(Clock.monotonicMillis(), error)) {
                return;
            }
            if (out.position() == 0) {
                return;
            }
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, Libc.POLLOUT);
            pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            Libc.poll(capture, pfd, 1, 50);
        }
    }

    void close() {
        if (!closed) {
            closed = true;
            Libc.close(capture, fd);
            arena.close();
        }
    }
}
