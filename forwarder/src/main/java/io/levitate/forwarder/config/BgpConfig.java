package io.levitate.forwarder.config;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;

/**
 * The {@code bgp:} section, read by the announcer sidecar; the forwarder only checks its shape so
 * that {@code levitate check} is the one validator of the file.
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
    List<BgpPeerConfig> peers)
{
    public BgpConfig
    {
        communities = List.copyOf(communities);
        largeCommunities = List.copyOf(largeCommunities);
        peers = List.copyOf(peers);
    }
}
