package io.levitate.bgp.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Encodes and decodes {@code struct sockaddr_in} / {@code sockaddr_in6} (linux/in.h, linux/in6.h).
 *
 * <pre>
 * sockaddr_in  (16 bytes): family (2, host order) | port (2, network order) | addr (4)   | zero (8)
 * sockaddr_in6 (28 bytes): family (2, host order) | port (2, network order) | flowinfo (4)
 *                          | addr (16) | scope_id (4)
 * </pre>
 */
public final class SocketAddresses {
    public static final int SOCKADDR_IN_LENGTH = 16;
    public static final int SOCKADDR_IN6_LENGTH = 28;
    /** sizeof(struct sockaddr_storage). */
    public static final int SOCKADDR_STORAGE_LENGTH = 128;

    private static final ValueLayout.OfShort SHORT_BE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_NATIVE = ValueLayout.JAVA_SHORT_UNALIGNED;

    private SocketAddresses() {}

    /** Writes the sockaddr for {@code address:port} at the start of {@code out}; returns its length. */
    public static int write(final MemorySegment out, final InetAddress address, final int port) {
        out.asSlice(0, SOCKADDR_STORAGE_LENGTH).fill((byte) 0);
        final byte[] raw = address.getAddress();
        if (address instanceof Inet4Address) {
            out.set(SHORT_NATIVE, 0, (short) Libc.AF_INET);
            out.set(SHORT_BE, 2, (short) port);
            MemorySegment.copy(raw, 0, out, ValueLayout.JAVA_BYTE, 4, 4);
            return SOCKADDR_IN_LENGTH;
        }
        out.set(SHORT_NATIVE, 0, (short) Libc.AF_INET6);
        out.set(SHORT_BE, 2, (short) port);
        MemorySegment.copy(raw, 0, out, ValueLayout.JAVA_BYTE, 8, 16);
        if (address instanceof Inet6Address a6 && a6.getScopeId() != 0) {
            out.set(ValueLayout.JAVA_INT_UNALIGNED, 24, a6.getScopeId());
        }
        return SOCKADDR_IN6_LENGTH;
    }

    /** ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) as raw bytes. */
    public static byte[] ipv4MappedBytes(final byte[] v4) {
        final byte[] raw = new byte[16];
        raw[10] = (byte) 0xFF;
        raw[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, raw, 12, 4);
        return raw;
    }

    /** ::ffff:a.b.c.d as an Inet6Address (InetAddress.getByAddress would turn it back into IPv4). */
    public static InetAddress ipv4Mapped(final byte[] v4) {
        try {
            return Inet6Address.getByAddress(null, ipv4MappedBytes(v4), -1);
        } catch (final UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the address of a sockaddr_in / sockaddr_in6, or null for another family. */
    public static InetAddress readAddress(final MemorySegment in) {
        final int family = in.get(SHORT_NATIVE, 0);
        try {
            if (family == Libc.AF_INET) {
                final byte[] raw = new byte[4];
                MemorySegment.copy(in, ValueLayout.JAVA_BYTE, 4, raw, 0, 4);
                return InetAddress.getByAddress(raw);
            }
            if (family == Libc.AF_INET6) {
                final byte[] raw = new byte[16];
                MemorySegment.copy(in, ValueLayout.JAVA_BYTE, 8, raw, 0, 16);
                return InetAddress.getByAddress(raw);
            }
        } catch (final UnknownHostException e) {
            // Cannot happen for 4- or 16-byte arrays.
        }
        return null;
    }
}
