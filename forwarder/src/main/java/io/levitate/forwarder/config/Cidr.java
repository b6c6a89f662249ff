package io.levitate.forwarder.config;

import io.levitate.core.config.Addresses;
import java.net.InetAddress;

/**
 * An address prefix such as {@code 10.0.9.0/24} (host bits zero).
 *
 * @param network the first address
 * @param length  prefix length, 0..32 or 0..128
 */
public record Cidr(InetAddress network, int length) {
    @Override
    public String toString() {
        return Addresses.format(network) + "/" + length;
    }
}
