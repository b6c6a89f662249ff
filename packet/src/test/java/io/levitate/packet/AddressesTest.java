package io.levitate.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * The one address formatter every output uses (tables, stat, plan, logs, metrics labels), against
 * RFC 5952 §4 and §5, each rule with a case that breaks it if the rule is broken.
 */
class AddressesTest {
    private static String v6(final String literal) {
        final long[] halves = Addresses.ipv6(literal);
        return Addresses.formatV6(halves[0], halves[1]);
    }

    @Test
    void rfc5952Rules() {
        final String[][] cases = {
            // input (any valid form), RFC 5952 text
            {"fd00:2:0:0:0:0:0:11", "fd00:2::11"}, // §4.2.1 shorten as much as possible
            {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"}, // §4.1 no leading zeros
            {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, // §4.2.2 never "::" for one 16-bit 0 field
            {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"}, // §4.2.3 the longest run
            {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"}, // §4.2.3 the first of equal runs
            {"2001:DB8:ABCD::EF", "2001:db8:abcd::ef"}, // §4.3 lower case
            {"0:0:0:0:0:0:0:0", "::"},
            {"0:0:0:0:0:0:0:1", "::1"},
            {"1:0:0:0:0:0:0:0", "1::"},
            {"0:1:0:0:0:0:0:0", "0:1::"},
            {"1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"},
            {"fe80:0:0:0:200:5eff:fe00:5213", "fe80::200:5eff:fe00:5213"},
        };
        for (final String[] c : cases) {
            assertEquals(c[1], v6(c[0]), c[0]);
            assertEquals(c[1], Addresses.format(InetAddress.ofLiteral(c[0])), c[0]);
        }
    }

    /** §5: an IPv4-mapped address keeps its dotted quad, whichever way it reaches the formatter. */
    @Test
    void ipv4MappedAsDottedQuad() throws Exception {
        assertEquals("::ffff:192.0.2.1", Addresses.formatV6(0, 0x0000_ffff_c000_0201L));
        final byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 1};
        assertEquals("::ffff:192.0.2.1", Addresses.format(Inet6Address.getByAddress(null, mapped, null)));
        // Java turns a mapped literal into its IPv4 address: printed as the IPv4 address.
        assertEquals("192.0.2.1", Addresses.format(InetAddress.ofLiteral("::ffff:192.0.2.1")));
        // Only ::ffff:0:0/96 is mapped: the deprecated IPv4-compatible form stays hexadecimal.
        assertEquals("::c000:201", v6("::192.0.2.1"));
    }

    @Test
    void ipv4AndPorts() {
        assertEquals("10.0.2.11", Addresses.format(InetAddress.ofLiteral("10.0.2.11")));
        assertEquals("10.0.2.11:80", Addresses.withPort(InetAddress.ofLiteral("10.0.2.11"), 80));
        assertEquals("[fd00:2::11]:443", Addresses.withPort(InetAddress.ofLiteral("fd00:2:0:0:0:0:0:11"), 443));
    }
}
