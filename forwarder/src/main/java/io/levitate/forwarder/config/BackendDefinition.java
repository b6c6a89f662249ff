package io.levitate.forwarder.config;

import io.levitate.core.config.Addresses;
import io.levitate.maglev.Backend;
import io.levitate.maglev.BackendState;
import java.net.InetAddress;

/**
 * One backend of a service as written in the file.
 *
 * @param address     IPv4 or IPv6 address (GRE's outer family follows it)
 * @param port        destination port, defaulting to the service's; 0 only for an "any" service
 *                    (the packet keeps the port the client sent)
 * @param weight      0..65535; 0 takes no new flows
 * @param state       {@code active}, {@code drain} (DRAINING) or {@code down}
 * @param healthCheck this backend's own health check, or null to use the service's
 */
public record BackendDefinition(
        InetAddress address, int port, int weight, BackendState state, HealthCheckConfig healthCheck) {
    /** Maglev's view: identity (address, port), weight and state. */
    public Backend toBackend() {
        return new Backend(address, port, weight, state);
    }

    /** {@code 10.0.2.11:80} or {@code [2001:db8::1]:80}. */
    public String identity() {
        return Addresses.withPort(address, port);
    }
}
