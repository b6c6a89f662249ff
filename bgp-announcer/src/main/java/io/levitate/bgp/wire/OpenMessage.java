package io.levitate.bgp.wire;

/**
 * A decoded OPEN (RFC 4271 §4.2) with the capabilities this speaker cares about (RFC 5492).
 * Unknown capabilities are counted, not rejected.
 *
 * @param version            BGP version (always 4 once decoded).
 * @param myAs               the 2-octet "My Autonomous System" field.
 * @param holdTime           proposed hold time, seconds.
 * @param bgpIdentifier      the peer's router id.
 * @param multiprotocolSeen  whether any multiprotocol capability was present (absent: IPv4 unicast only).
 * @param ipv4Unicast        multiprotocol capability for AFI 1 / SAFI 1.
 * @param ipv6Unicast        multiprotocol capability for AFI 2 / SAFI 1.
 * @param fourOctetAs        the 4-octet AS from capability 65, or -1 when absent.
 * @param routeRefresh       capability 2 present.
 * @param gracefulRestart    capability 64 present.
 * @param unknownCapabilities number of capabilities this speaker does not know (ignored).
 * @param extendedParameters whether the RFC 9072 extended optional-parameters format was used.
 */
public record OpenMessage(
        int version,
        int myAs,
        int holdTime,
        int bgpIdentifier,
        boolean multiprotocolSeen,
        boolean ipv4Unicast,
        boolean ipv6Unicast,
        long fourOctetAs,
        boolean routeRefresh,
        boolean gracefulRestart,
        int unknownCapabilities,
        boolean extendedParameters) {
    /** The peer's AS: the 4-octet capability when present, else the 2-octet field (RFC 6793 §4.1). */
    public long peerAs() {
        return fourOctetAs >= 0 ? fourOctetAs : myAs;
    }

    /** IPv4 unicast is implied when the peer sent no multiprotocol capability at all (RFC 4760 §8). */
    public boolean supportsIpv4Unicast() {
        return ipv4Unicast || !multiprotocolSeen;
    }

    public String summary() {
        return "AS " + Long.toUnsignedString(peerAs()) + ", hold " + holdTime + " s, id " + ipv4(bgpIdentifier)
                + ", caps["
                + (supportsIpv4Unicast() ? " ipv4" : "") + (ipv6Unicast ? " ipv6" : "")
                + (fourOctetAs >= 0 ? " as4" : "")
                + (routeRefresh ? " route-refresh" : "") + (gracefulRestart ? " graceful-restart" : "")
                + (unknownCapabilities > 0 ? " +" + unknownCapabilities + " unknown" : "")
                + " ]" + (extendedParameters ? " (RFC 9072 extended parameters)" : "");
    }

    public static String ipv4(final int address) {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }
}
