package io.levitate.forwarder.config;

/**
 * How the data plane knows the gateways' MACs ({@code instance.neighbours} and
 * {@code instance.gateways.ipv4_mac} / {@code ipv6_mac}).
 *
 * @param mode         learnt from ARP/ND on the wire, or pinned here
 * @param gatewayV4Mac the IPv4 gateway's MAC (48 bits in a long) when pinned, else 0
 * @param gatewayV6Mac the IPv6 gateway's MAC when pinned, else 0
 */
public record NeighbourSettings(NeighbourMode mode, long gatewayV4Mac, long gatewayV6Mac) {
    /** The default: every MAC learnt. */
    public static final NeighbourSettings LEARN = new NeighbourSettings(NeighbourMode.LEARN, 0, 0);

    /** {@code instance.neighbours}. */
    public enum NeighbourMode {
        /**
         * Resolve the gateways with ARP and neighbour solicitations and learn from what they say
         * (only valid, unicast, on-link answers: RFC 4861's checks, see docs/CONFIG.md).
         */
        LEARN,
        /**
         * The gateways' MACs are the configured ones for good: nothing is learnt, no request is
         * sent for them, and an ARP or NA naming another MAC for a gateway is dropped and counted.
         * For operators who pin neighbours on their routers too; a replaced router needs a restart.
         */
        STATIC
    }

    public boolean pinned() {
        return mode == NeighbourMode.STATIC;
    }
}
