package io.levitate.bgp.bfd;

import io.levitate.bgp.net.Libc;
import io.levitate.bgp.net.SocketAddresses;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.random.RandomGenerator;

/**
 * The UDP sockets of RFC 5881 through libc, because Java's DatagramChannel can neither set the
 * unicast TTL nor report a received one. Send sockets: TTL / hop limit 255, bound to a source port
 * from 49152..65535 (one per session, kept for its life, §4), connected to the peer's port 3784.
 * Receive sockets: port 3784 with IP_RECVTTL / IPV6_RECVHOPLIMIT, read with {@code recvmsg(2)}.
 *
 * <p>{@code struct msghdr} and {@code struct cmsghdr} on LP64 Linux (x86-64, aarch64):
 * <pre>
 * msghdr  (56): msg_name (8) | msg_namelen (4, +4 pad) | msg_iov (8) | msg_iovlen (8)
 *               | msg_control (8) | msg_controllen (8) | msg_flags (4, +4 pad)
 * iovec   (16): iov_base (8) | iov_len (8)
 * cmsghdr (16): cmsg_len (8) | cmsg_level (4) | cmsg_type (4) | data, each aligned to 8 (CMSG_ALIGN)
 * </pre>
 */
final class BfdSockets {
    static final int MSG_NAME_OFFSET = 0;
    static final int MSG_NAMELEN_OFFSET = 8;
    static final int MSG_IOV_OFFSET = 16;
    static final int MSG_IOVLEN_OFFSET = 24;
    static final int MSG_CONTROL_OFFSET = 32;
    static final int MSG_CONTROLLEN_OFFSET = 40;
    static final int MSG_FLAGS_OFFSET = 48;
    static final int MSGHDR_LENGTH = 56;
    static final int IOVEC_LENGTH = 16;
    static final int CMSG_HEADER_LENGTH = 16;
    static final int CONTROL_LENGTH = 128;
    /** A control packet with the largest authentication section is 24 + 28 bytes; more is never needed. */
    static final int RECEIVE_BUFFER = 512;
    /** Tries at a random free source port before giving up for this round. */
    private static final int BIND_ATTEMPTS = 64;

    private BfdSockets() {}

    /** A receive socket on {@code address:port} (the wildcard of its family when it is one); -1 and {@code error[0]} on failure. */
    static int openReceive(
            final MemorySegment cs,
            final Arena arena,
            final InetAddress address,
            final int port,
            final String[] error) {
        final boolean v4 = address instanceof Inet4Address;
        final int fd = Libc.socket(
                cs,
                v4 ? Libc.AF_INET : Libc.AF_INET6,
                Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC,
                Libc.IPPROTO_UDP);
        if (fd < 0) {
            error[0] = "socket: " + Libc.strerror(Libc.errno(cs));
            return -1;
        }
        final MemorySegment one = arena.allocate(ValueLayout.JAVA_INT);
        one.set(ValueLayout.JAVA_INT, 0, 1);
        final boolean ok = v4
                ? Libc.setsockopt(cs, fd, Libc.IPPROTO_IP, Libc.IP_RECVTTL, one, 4) == 0
                // V6ONLY: the IPv4 wildcard socket gets IPv4 packets, with their TTL as IPv4 reports it.
                : Libc.setsockopt(cs, fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, one, 4) == 0
                        && Libc.setsockopt(cs, fd, Libc.IPPROTO_IPV6, Libc.IPV6_RECVHOPLIMIT, one, 4) == 0;
        if (!ok) {
            error[0] =
                    "setsockopt(" + (v4 ? "IP_RECVTTL" : "IPV6_RECVHOPLIMIT") + "): " + Libc.strerror(Libc.errno(cs));
            Libc.close(cs, fd);
            return -1;
        }
        final MemorySegment addr = arena.allocate(SocketAddresses.SOCKADDR_STORAGE_LENGTH);
        final int len = SocketAddresses.write(addr, address, port);
        if (Libc.bind(cs, fd, addr, len) < 0) {
            error[0] = "bind " + io.levitate.packet.Addresses.withPort(address, port) + ": "
                    + Libc.strerror(Libc.errno(cs));
            Libc.close(cs, fd);
            return -1;
        }
        return fd;
    }

    /**
     * A send socket for one session: TTL 255, a random source port in 49152..65535 on
     * {@code local} (or the family's wildcard), connected to {@code peer:port}.
     */
    static int openSend(
            final MemorySegment cs,
            final Arena arena,
            final InetAddress peer,
            final InetAddress local,
            final int port,
            final RandomGenerator random,
            final String[] error) {
        final boolean v4 = peer instanceof Inet4Address;
        final int fd = Libc.socket(
                cs,
                v4 ? Libc.AF_INET : Libc.AF_INET6,
                Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC,
                Libc.IPPROTO_UDP);
        if (fd < 0) {
            error[0] = "socket: " + Libc.strerror(Libc.errno(cs));
            return -1;
        }
        final MemorySegment ttl = arena.allocate(ValueLayout.JAVA_INT);
        ttl.set(ValueLayout.JAVA_INT, 0, BfdWire.TTL);
        final int set = v4
                ? Libc.setsockopt(cs, fd, Libc.IPPROTO_IP, Libc.IP_TTL, ttl, 4)
                : Libc.setsockopt(cs, fd, Libc.IPPROTO_IPV6, Libc.IPV6_UNICAST_HOPS, ttl, 4);
        if (set < 0) {
            error[0] = "setsockopt(" + (v4 ? "IP_TTL" : "IPV6_UNICAST_HOPS") + "): " + Libc.strerror(Libc.errno(cs));
            Libc.close(cs, fd);
            return -1;
        }
        final InetAddress source = local != null ? local : InetAddress.ofLiteral(v4 ? "0.0.0.0" : "::");
        final MemorySegment addr = arena.allocate(SocketAddresses.SOCKADDR_STORAGE_LENGTH);
        boolean bound = false;
        for (int i = 0; i < BIND_ATTEMPTS && !bound; i++) {
            final int sport =
                    BfdWire.SOURCE_PORT_MIN + random.nextInt(BfdWire.SOURCE_PORT_MAX - BfdWire.SOURCE_PORT_MIN + 1);
            final int len = SocketAddresses.write(addr, source, sport);
            if (Libc.bind(cs, fd, addr, len) == 0) {
                bound = true;
            } else if (Libc.errno(cs) != Libc.EADDRINUSE) {
                break;
            }
        }
        if (!bound) {
            error[0] = "bind " + io.levitate.packet.Addresses.format(source) + " to a port in 49152..65535: "
                    + Libc.strerror(Libc.errno(cs));
            Libc.close(cs, fd);
            return -1;
        }
        final int len = SocketAddresses.write(addr, peer, port);
        if (Libc.connect(cs, fd, addr, len) < 0) {
            error[0] = "connect " + io.levitate.packet.Addresses.withPort(peer, port) + ": "
                    + Libc.strerror(Libc.errno(cs));
            Libc.close(cs, fd);
            return -1;
        }
        return fd;
    }

    /** Points {@code msghdr} at the name, data and control buffers (once; recvmsg only rewrites lengths and flags). */
    static void prepare(
            final MemorySegment msghdr,
            final MemorySegment iov,
            final MemorySegment name,
            final MemorySegment data,
            final MemorySegment control) {
        iov.set(ValueLayout.ADDRESS, 0, data);
        iov.set(ValueLayout.JAVA_LONG, 8, data.byteSize());
        msghdr.set(ValueLayout.ADDRESS, MSG_NAME_OFFSET, name);
        msghdr.set(ValueLayout.ADDRESS, MSG_IOV_OFFSET, iov);
        msghdr.set(ValueLayout.JAVA_LONG, MSG_IOVLEN_OFFSET, 1L);
        msghdr.set(ValueLayout.ADDRESS, MSG_CONTROL_OFFSET, control);
        reset(msghdr, name, control);
    }

    /** recvmsg shrinks msg_namelen and msg_controllen to what it wrote: restore them before each call. */
    static void reset(final MemorySegment msghdr, final MemorySegment name, final MemorySegment control) {
        msghdr.set(ValueLayout.JAVA_INT, MSG_NAMELEN_OFFSET, (int) name.byteSize());
        msghdr.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN_OFFSET, control.byteSize());
        msghdr.set(ValueLayout.JAVA_INT, MSG_FLAGS_OFFSET, 0);
    }

    /** The TTL (IPv4) or hop limit (IPv6) among the control messages recvmsg returned, or -1. */
    static int receivedTtl(final MemorySegment msghdr, final MemorySegment control) {
        final long length = Math.min(control.byteSize(), msghdr.get(ValueLayout.JAVA_LONG, MSG_CONTROLLEN_OFFSET));
        long at = 0;
        while (at + CMSG_HEADER_LENGTH <= length) {
            final long cmsgLen = control.get(ValueLayout.JAVA_LONG, at);
            if (cmsgLen < CMSG_HEADER_LENGTH || at + cmsgLen > length) {
                return -1;
            }
            final int level = control.get(ValueLayout.JAVA_INT, at + 8);
            final int type = control.get(ValueLayout.JAVA_INT, at + 12);
            if (cmsgLen >= CMSG_HEADER_LENGTH + 4
                    && ((level == Libc.IPPROTO_IP && type == Libc.IP_TTL)
                            || (level == Libc.IPPROTO_IPV6 && type == Libc.IPV6_HOPLIMIT))) {
                return control.get(ValueLayout.JAVA_INT, at + CMSG_HEADER_LENGTH);
            }
            at += (cmsgLen + 7) & ~7L;
        }
        return -1;
    }
}
