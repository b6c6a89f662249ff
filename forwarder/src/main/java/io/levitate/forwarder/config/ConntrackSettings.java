package io.levitate.forwarder.config;

import io.levitate.conntrack.ConntrackConfig;
import java.time.Duration;

/**
 * The per-worker connection table's size and timeouts.
 *
 * @param capacity                     entries per worker
 * @param tcpEstablished               idle timeout of an established TCP flow
 * @param tcpClosing                   idle timeout after FIN or RST
 * @param tcpSyn                       idle timeout of a flow that has only sent SYNs
 * @param udp                          idle timeout of a UDP flow
 * @param floodGuardNewFlowsPerSecond  new entries per second per worker above which inserts stop; 0 = off
 */
public record ConntrackSettings(
        int capacity,
        Duration tcpEstablished,
        Duration tcpClosing,
        Duration tcpSyn,
        Duration udp,
        int floodGuardNewFlowsPerSecond) {
    /**
     * The conntrack module's settings for one worker's table.
     *
     * @param tableSeed the table's own hash seed; chosen at random per process (not the Maglev seed)
     *                  so a remote sender cannot aim keys at one probe window
     */
    public ConntrackConfig toConntrackConfig(final long tableSeed) {
        return ConntrackConfig.defaults(capacity, tableSeed)
                .withTimeouts(
                        tcpEstablished.toMillis(),
                        tcpClosing.toMillis(),
                        tcpSyn.toMillis(),
                        udp.toMillis(),
                        ConntrackConfig.DEFAULT_OTHER_MS)
                .withFloodGuard(floodGuardNewFlowsPerSecond, 0);
    }
}
