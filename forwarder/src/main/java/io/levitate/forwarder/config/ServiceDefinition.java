package io.levitate.forwarder.config;

import io.levitate.core.config.Addresses;
import io.levitate.maglev.HashFields;
import io.levitate.maglev.ServiceConfig;
import io.levitate.maglev.ServiceTable;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One service as written in the file.
 *
 * @param name        unique name, {@code [A-Za-z0-9_.-]{1,64}}
 * @param vip         the virtual IP
 * @param port        destination port, or 0 for "any"
 * @param protocol    tcp or udp
 * @param tableSize   Maglev table size M (prime), or 0 for maglev's default
 * @param hashFields  what chooses the backend
 * @param quota       conntrack entries per worker this service may hold, or 0 for no limit
 * @param announce    whether the sidecar announces the VIP over BGP
 * @param mixedFamilies whether backends of the other address family than the VIP's are allowed
 * @param fragments   {@code fragments:} as written: TRUE this service takes the fragments of its VIP
 *                    and protocol, FALSE it does not, null unsaid (it takes them when it is the only
 *                    service of its VIP and protocol; see {@link #takesFragments})
 * @param healthCheck the service's health check, or null for none
 * @param backends    at least one; identities (address, port) distinct
 */
public record ServiceDefinition(
        String name,
        InetAddress vip,
        int port,
        Protocol protocol,
        int tableSize,
        HashFields hashFields,
        int quota,
        boolean announce,
        boolean mixedFamilies,
        Boolean fragments,
        HealthCheckConfig healthCheck,
        List<BackendDefinition> backends) {
    public ServiceDefinition {
        backends = List.copyOf(backends);
    }

    /**
     * Whether this service takes the fragments of its VIP and protocol, given every service of the
     * file. Fragments carry no ports (only the first one has the transport header), so they cannot
     * be matched by port: they go to the one service of their VIP and protocol that takes them,
     * by the same 3-tuple hash on every machine. That is the service marked {@code fragments: true},
     * else the only service of that VIP and protocol unless it says {@code fragments: false}. The
     * configuration check refuses two marked services, and several UDP services of one VIP with
     * none marked (docs/CONFIG.md).
     */
    public boolean takesFragments(final List<ServiceDefinition> all) {
        if (fragments != null) {
            return fragments;
        }
        for (final ServiceDefinition other : all) {
            if (other != this && other.vip.equals(vip) && other.protocol == protocol) {
                return false;
            }
        }
        return true;
    }

    /** Maglev's view of this service: match, table size, hash fields and backends. */
    public ServiceConfig toServiceConfig() {
        final List<io.levitate.maglev.Backend> list = new ArrayList<>(backends.size());
        for (final BackendDefinition b : backends) {
            list.add(b.toBackend());
        }
        return new ServiceConfig(vip, port, protocol.number, tableSize, hashFields, list);
    }

    /** Builds this service's Maglev table; validation guarantees it does not throw for a valid file. */
    public ServiceTable buildTable(final long hashSeed) {
        return ServiceTable.build(toServiceConfig(), hashSeed);
    }

    /** {@code 198.18.0.10:80/tcp}, {@code [2001:db8::10]:any/udp}. */
    public String match() {
        final String host = Addresses.format(vip);
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + (port == 0 ? "any" : Integer.toString(port))
                + "/" + protocol.word();
    }
}
