package io.levitate.core.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Strict IP literal parsing and compact formatting. Never consults DNS: a config that names a host
 * would make the data plane depend on a resolver at start-up and on reload.
 */
public final class Addresses {
    private Addresses() {}

    /**
     * A dotted quad {@code a.b.c.d}, each 0..255 in decimal without leading zeros (which some
     * parsers read as octal: {@code 010} would silently be 8), or null.
     */
    public static Inet4Address parseIpv4(final String text) {
        final byte[] bytes = new byte[4];
        int part = 0;
        int i = 0;
        final int n = text.length();
        while (part < 4) {
            final int start = i;
            int value = 0;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9' && i - start < 3) {
                value = value * 10 + (text.charAt(i) - '0');
                i++;
            }
            final int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && text.charAt(start) == '0')) {
                return null;
            }
            bytes[part++] = (byte) value;
            if (part < 4) {
                if (i >= n || text.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        if (i != n) {
            return null;
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (final java.net.UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /**
     * An IPv6 literal (RFC 4291 text forms, no brackets, no zone), or null. IPv4-mapped literals
     * ({@code ::ffff:1.2.3.4}) are refused: they are IPv4 addresses and should be written so.
     */
    public static Inet6Address parseIpv6(final String text) {
        if (text.indexOf(':') < 0 || text.length() > 45) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            final boolean ok =
                    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                return null;
            }
        }
        try {
            // ofLiteral parses the literal only (no lookup); the character check above has already
            // excluded zones and brackets, which it would accept.
            final InetAddress a = Inet6Address.ofLiteral(text);
            return a instanceof Inet6Address v6 ? v6 : null;
        } catch (final IllegalArgumentException notALiteral) {
            return null;
        }
    }

    /** True for {@code ::ffff:a.b.c.d}, which {@link #parseIpv6} refuses for a clearer message. */
    public static boolean isIpv4Mapped(final String text) {
        if (text.indexOf(':') < 0) {
            return false;
        }
        try {
            return Inet6Address.ofLiteral(text) instanceof Inet4Address;
        } catch (final IllegalArgumentException notALiteral) {
            return false;
        }
    }

    /** An IPv4 or IPv6 literal (IPv6 when it holds a colon), or null. */
    public static InetAddress parse(final String text) {
        return text.indexOf(':') >= 0 ? parseIpv6(text) : parseIpv4(text);
    }

    /** Dotted quad, or RFC 5952 IPv6 text: the project's one formatter ({@link io.levitate.packet.Addresses#format}). */
    public static String format(final InetAddress address) {
        return io.levitate.packet.Addresses.format(address);
    }

    /** {@code 10.0.0.1:80} or {@code [2001:db8::1]:80}. */
    public static String withPort(final InetAddress address, final int port) {
        return io.levitate.packet.Addresses.withPort(address, port);
    }

    /** "IPv4" or "IPv6". */
    public static String family(final InetAddress address) {
        return address instanceof Inet4Address ? "IPv4" : "IPv6";
    }

    /** Unicast: not unspecified, not multicast, not the IPv4 limited broadcast. */
    public static boolean isUnicast(final InetAddress address) {
        if (address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        final byte[] b = address.getAddress();
        return !(b.length == 4 && (b[0] & b[1] & b[2] & b[3]) == (byte) 0xFF);
    }
}
