package io.levitate.bgp;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Everything the speaker needs, independent of where it came from (the sidecar builds it from
 * the config file; tests build it directly).
 *
 * @param localAs                 our AS, 1..4294967295.
 * @param routerId                BGP identifier, an IPv4 address as an int.
 * @param holdTimeSeconds         proposed hold time (0 or >= 3).
 * @param connectRetryMillis      first reconnect delay; doubles per failure, jittered, capped at {@link #MAX_BACKOFF_MILLIS}.
 * @param gracefulShutdownMillis  RFC 8326: how long routes carry 65535:0 before the withdraw.
 * @param med                     MULTI_EXIT_DISC on every route, or -1.
 * @param communities             RFC 1997 communities on every route.
 * @param largeCommunities        RFC 8092 large communities, three ints each.
 * @param gracefulRestartSeconds  RFC 4724 restart time to advertise, or -1 to leave the capability out.
 * @param listen                  where to accept connections (passive peers, collisions), or null.
 * @param peers                   the neighbours.
 */
public record SpeakerConfig(
        long localAs,
        int routerId,
        int holdTimeSeconds,
        long connectRetryMillis,
        long gracefulShutdownMillis,
        long med,
        int[] communities,
        int[] largeCommunities,
        int gracefulRestartSeconds,
        InetSocketAddress listen,
        List<PeerConfig> peers) {
    /** RFC 4271 §8 suggests 120 s for ConnectRetryTime; it is also where doubling stops. */
    public static final long MAX_BACKOFF_MILLIS = 120_000;
}
