package io.levitate.maglev;

import java.net.InetAddress;
import java.util.List;

/**
 * A service as configured: what traffic it matches and which backends serve it.
 *
 * @param vip        the virtual IP
 * @param port       destination port, or {@link #ANY_PORT}
 * @param protocol   IP protocol number (6 TCP, 17 UDP, ...)
 * @param tableSize  M, a prime, or 0 for {@link TableSizes#defaultSize the default}
 * @param hashFields fields that choose the backend
 * @param backends   the backends, in any order (tables do not depend on it); identities unique
 */
public record ServiceConfig(
        InetAddress vip, int port, int protocol, int tableSize, HashFields hashFields, List<Backend> backends) {
    /** Port value meaning "every destination port". */
    public static final int ANY_PORT = 0;

    public ServiceConfig {
        if (vip == null || hashFields == null || backends == null) {
            throw new IllegalArgumentException("vip, hash fields and backends are required");
        }
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("service port out of range 0..65535: " + port);
        }
        if (protocol < 0 || protocol > 0xFF) {
            throw new IllegalArgumentException("protocol out of range 0..255: " + protocol);
        }
        // Duplicate identities are rejected by ServiceTable.build, where the backends are sorted
        // anyway and a duplicate is an adjacent pair.
        backends = List.copyOf(backends);
    }

    /** A service with the default table size and 5-tuple hashing. */
    public static ServiceConfig of(String vipLiteral, int port, int protocol, List<Backend> backends) {
        return new ServiceConfig(InetAddress.ofLiteral(vipLiteral), port, protocol, 0, HashFields.FIVE_TUPLE, backends);
    }

    /** The same service with other backends (a reload, a health change). */
    public ServiceConfig withBackends(List<Backend> newBackends) {
        return new ServiceConfig(vip, port, protocol, tableSize, hashFields, newBackends);
    }

    /** The same service with another table size. */
    public ServiceConfig withTableSize(int newTableSize) {
        return new ServiceConfig(vip, port, protocol, newTableSize, hashFields, backends);
    }

    /** The same service with other hash fields. */
    public ServiceConfig withHashFields(HashFields newHashFields) {
        return new ServiceConfig(vip, port, protocol, tableSize, newHashFields, backends);
    }
}
