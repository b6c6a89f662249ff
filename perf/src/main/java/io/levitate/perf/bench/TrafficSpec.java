package io.levitate.perf.bench;

/**
 * What a generated pcap holds. {@code flows} established TCP flows send ACK segments; a
 * {@code synShare} of all packets are SYNs, each from a fresh 5-tuple (a SYN flood: every one
 * would create connection state). Packet {@code i} of the established part belongs to flow
 * {@code i mod flows}, so every flow recurs once per {@code flows} packets: the widest reuse
 * distance, i.e. the worst case for caches at a given flow count.
 *
 * @param flows     established flows (distinct 5-tuples), at least 1
 * @param packets   total packets in the file, 0 = one packet per flow plus the SYN share
 * @param synShare  fraction of packets that are SYNs from new flows, in [0, 1)
 * @param ipv6      IPv6 instead of IPv4
 * @param frameSize frame size on the wire including the 4-byte FCS (RFC 2544), 0 = minimum
 * @param vips      number of destination addresses the flows are spread over
 * @param dstPort   destination TCP port of every flow
 * @param seed      seeds tuple scrambling and the SYN placement: same seed, same bytes
 * @param synVipOffset added to the VIP of every SYN of a new flow (0: the established flows' VIPs),
 *                  so that a forwarder can keep the new flows (a flood, say) on a service of their
 *                  own and count them apart from the established ones
 */
record TrafficSpec(
        long flows,
        long packets,
        double synShare,
        boolean ipv6,
        int frameSize,
        int vips,
        int dstPort,
        long seed,
        int synVipOffset) {
    /** Upper bound of the flag; the tuple space itself holds 2^39. */
    static final long MAX_FLOWS = 100_000_000L;

    TrafficSpec {
        if (flows < 1 || flows > MAX_FLOWS) {
            throw new IllegalArgumentException("flows must be in [1, " + MAX_FLOWS + "]: " + flows);
        }
        if (!(synShare >= 0 && synShare < 1)) {
            throw new IllegalArgumentException("syn share must be in [0, 1): " + synShare);
        }
        if (packets < 0) {
            throw new IllegalArgumentException("packets must be >= 0: " + packets);
        }
        if (vips < 1 || vips > 65535) {
            throw new IllegalArgumentException("vips must be in [1, 65535]: " + vips);
        }
        if (synVipOffset < 0 || synVipOffset > 65535) {
            throw new IllegalArgumentException("syn VIP offset must be in [0, 65535]: " + synVipOffset);
        }
        if (frameSize == 0) {
            frameSize = ipv6 ? TcpFrameBuilder.MIN_FRAME_IPV6 : TcpFrameBuilder.MIN_FRAME_IPV4;
        }
    }

    /** New flows on the established flows' VIPs. */
    TrafficSpec(
            long flows, long packets, double synShare, boolean ipv6, int frameSize, int vips, int dstPort, long seed) {
        this(flows, packets, synShare, ipv6, frameSize, vips, dstPort, seed, 0);
    }

    /** Packets in the file: as given, or enough for every flow once plus the SYN share. */
    long totalPackets() {
        if (packets > 0) {
            return packets;
        }
        return (long) Math.ceil(flows / (1.0 - synShare));
    }

    /** A short stable name for caching files generated from this spec. */
    String fileStem() {
        return (ipv6 ? "tcp6" : "tcp4") + "-f" + flows + "-p" + totalPackets() + "-syn" + Math.round(synShare * 1000)
                + "pm-s" + frameSize + "-v" + vips + "-d" + dstPort + "-seed" + seed
                + (synVipOffset == 0 ? "" : "-synvip" + synVipOffset);
    }
}
