package io.levitate.core.config;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The {@code bgp:} section as {@link BgpBinder} binds it for both processes: the announcer runs
 * it, the forwarder only checks it, so that {@code levitate check} and {@code levitate-announcer}
 * accept the same files.
 *
 * @param localAs              our AS, 1..4294967295
 * @param routerId             BGP identifier
 * @param holdTime             0 (no keepalives) or at least 3 s, whole seconds
 * @param connectRetry         initial reconnect backoff
 * @param gracefulShutdownWait time between announcing GRACEFUL_SHUTDOWN and withdrawing (RFC 8326)
 * @param med                  MULTI_EXIT_DISC, or -1 for none
 * @param communities          RFC 1997 communities, {@code "A:B"}
 * @param largeCommunities     RFC 8092 large communities, {@code "A:B:C"}
 * @param peers                at least one
 * @param announceDelay        how long a service stays healthy before it is (re-)announced
 * @param metricsListen        the announcer's metrics and status endpoint, or null for {@code off}
 * @param listen               where the announcer accepts BGP connections, the default rule
 *                             applied ({@link BgpBinder}), or null for {@code off}
 * @param gracefulRestartTime  RFC 4724 restart time in seconds, or -1 to leave the capability out
 */
public record BgpConfig(
        long localAs,
        Inet4Address routerId,
        Duration holdTime,
        Duration connectRetry,
        Duration gracefulShutdownWait,
        long med,
        List<String> communities,
        List<String> largeCommunities,
        List<BgpPeerConfig> peers,
        Duration announceDelay,
        InetSocketAddress metricsListen,
        InetSocketAddress listen,
        int gracefulRestartTime) {
    public BgpConfig {
        communities = List.copyOf(communities);
        largeCommunities = List.copyOf(largeCommunities);
        peers = List.copyOf(peers);
    }
}
