package io.levitate.packet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Conversions between textual/InetAddress addresses and the primitive forms the hot path uses.
 * Setup-time and tests only: these allocate.
 */
public final class Addresses {
    private Addresses() {}

    /** Parses a literal IPv4 address into its 32-bit value. */
    public static int ipv4(String literal) {
        InetAddress a = parse(literal);
        if (!(a instanceof Inet4Address)) {
            throw new IllegalArgumentException("not an IPv4 address: " + literal);
        }
        byte[] b = a.getAddress();
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    /** Parses a literal IPv6 address; returns {hi, lo}. */
    public static long[] ipv6(String literal) {
        InetAddress a = parse(literal);
        if (!(a instanceof Inet6Address)) {
            throw new IllegalArgumentException("not an IPv6 address: " + literal);
        }
        byte[] b = a.getAddress();
        return new long[] {longAt(b, 0), longAt(b, 8)};
    }

    /** Parses a MAC address such as {@code 02:00:00:00:00:01}. */
    public static long mac(String literal) {
        String[] parts = literal.split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + literal);
        }
        long m = 0;
        for (String p : parts) {
            m = (m << 8) | Integer.parseInt(p, 16);
        }
        return m;
    }

    public static String formatV4(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }

    /**
     * RFC 5952 text, the one IPv6 formatter of the project: lower case (§4.3), no leading zeros
     * (§4.1), the longest run of two or more zero groups as "::", the first of equal runs (§4.2);
     * an IPv4-mapped address (::ffff:0:0/96) ends in its dotted quad (§5).
     */
    public static String formatV6(long hi, long lo) {
        if (hi == 0 && (lo >>> 32) == 0xFFFFL) {
            return "::ffff:" + formatV4((int) lo);
        }
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
            g[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /**
     * An address as every output prints it: dotted quad, or {@link #formatV6} text. Use this rather
     * than {@link InetAddress#getHostAddress()}, which prints IPv6 uncompressed
     * ({@code fd00:2:0:0:0:0:0:11}), so an operator's paste never matches.
     */
    public static String format(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return formatV4(((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF));
        }
        return formatV6(longAt(b, 0), longAt(b, 8));
    }

    /** {@code 10.0.0.1:80} or {@code [2001:db8::1]:80} (RFC 5952 §6). */
    public static String withPort(InetAddress address, int port) {
        String host = format(address);
        return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
    }

    public static String format(int family, long hi, long lo) {
        return family == FlowKey.FAMILY_IPV6 ? formatV6(hi, lo) : formatV4((int) lo);
    }

    public static String formatMac(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            int octet = (int) (mac >>> (8 * i)) & 0xFF;
            if (sb.length() > 0) {
                sb.append(':');
            }
            sb.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
        }
        return sb.toString();
    }

    private static InetAddress parse(String literal) {
        // Only hex digits, dots and colons: guarantees getByName parses a literal and never resolves.
        if (!literal.matches("[0-9A-Fa-f.:]+")) {
            throw new IllegalArgumentException("not an address literal: " + literal);
        }
        try {
            return InetAddress.getByName(literal); // a literal: no DNS lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address literal: " + literal, e);
        }
    }

    private static long longAt(byte[] b, int from) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[from + i] & 0xFF);
        }
        return v;
    }
}
