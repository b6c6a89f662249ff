package io.levitate.forwarder.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * One address per family (our own addresses, the gateways); at least one is present.
 *
 * @param ipv4 the IPv4 address, or null
 * @param ipv6 the IPv6 address, or null
 */
public record AddressPair(Inet4Address ipv4, Inet6Address ipv6) {
    /** The address of {@code address}'s family, or null. */
    public InetAddress sameFamilyAs(final InetAddress address) {
        return address instanceof Inet4Address ? ipv4 : ipv6;
    }
}
