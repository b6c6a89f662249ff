package io.levitate.gre;

import io.levitate.packet.Classification;
import io.levitate.packet.EtherTypes;
import io.levitate.packet.FlowKey;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.NetworkOrder;
import io.levitate.packet.Verdict;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.ip.Ipv6Flyweight;
import io.levitate.packet.transport.GreFlyweight;
import java.lang.foreign.MemorySegment;

/**
 * GRE-encapsulates a classified client packet in place, toward a {@link GreTunnel}.
 *
 * <p>The client's Ethernet header (and any VLAN tags) is dropped and replaced, in the bytes just
 * before the IP header, by:
 * <pre>
 *   Ethernet (14: dst = next hop, src = port MAC)
 *   outer IPv4 (20) or IPv6 (40), by the backend's family
 *   GRE (4, or 8 with a key; RFC 2784 / RFC 2890; protocol type = inner family's EtherType)
 *   inner IP packet, unchanged, Ethernet padding trimmed
 * </pre>
 * With an untagged client frame the new headers need 24-48 bytes of headroom beyond the 14 the
 * old Ethernet header frees; DPDK gives 128.
 *
 * <p>Outer fields: TOS/traffic class copied from the inner packet (DSCP keeps its meaning
 * across the tunnel and ECN marks survive, as RFC 6040's normal mode does); IPv4 DF by
 * {@link DfPolicy}; IPv4 identification from a per-worker counter; IPv6 flow label from the flow
 * hash (RFC 6438: routers on the way may hash on it); source address fixed or per-flow (see
 * {@link EncapConfig}).
 *
 * <h2>MTU policy</h2>
 * When the outer packet would exceed the configured MTU:
 * <ul>
 *   <li>if the inner packet forbids fragmentation (IPv4 with DF, or any IPv6), the frame is
 *       rewritten into an ICMP "fragmentation needed" (RFC 792/1191) or ICMPv6 "packet too big"
 *       (RFC 4443) addressed to the client, from the VIP, advertising MTU minus the tunnel
 *       overhead, so the client's path MTU discovery shrinks its packets. At most
 *       {@code icmpPerSecond} (burst {@code icmpBurst}) per worker; beyond that, drop.</li>
 *   <li>otherwise (IPv4 without DF) the packet is dropped: fragmenting would need a second mbuf
 *       and the backend would have to reassemble; a client that clears DF also sends small
 *       packets when it has to (and TCP stacks set DF anyway).</li>
 *   <li>an ICMP error is never answered with another (dropped as above).</li>
 * </ul>
 * Each outcome is counted ({@link #count(EncapVerdict)}).
 *
 * <p>One instance per worker: it owns its counters, IPv4 id, rate limiter and IPv6 flyweight.
 */
public final class GreEncapsulator {
    private static final int ETHERNET = EthernetFlyweight.HEADER_LENGTH;
    /** Ethernet, outer IPv4 and a key-less GRE header: {@link #writeTunnel}'s 38 bytes for such a tunnel. */
    private static final int IPV4_GRE_HEADERS = ETHERNET + Ipv4Flyweight.MIN_HEADER_LENGTH + GreFlyweight.BASE_LENGTH;
    /** Ethernet, outer IPv6 and a key-less GRE header: {@link #writeTunnel}'s 58 bytes for such a tunnel. */
    private static final int IPV6_GRE_HEADERS = ETHERNET + Ipv6Flyweight.HEADER_LENGTH + GreFlyweight.BASE_LENGTH;

    private final EncapConfig config;
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final IcmpTooBigWriter tooBig;
    private final TokenBucket icmpLimiter;
    private final long[] counters = new long[EncapVerdict.values().length];
    private final boolean dfSet;
    private final boolean dfCopyInner;
    private int ipIdentification;

    public GreEncapsulator(EncapConfig config) {
        this.config = config;
        this.tooBig = new IcmpTooBigWriter(config.portMac);
        this.icmpLimiter = new TokenBucket(config.icmpPerSecond, config.icmpBurst);
        this.dfSet = config.dfPolicy == DfPolicy.SET;
        this.dfCopyInner = config.dfPolicy == DfPolicy.COPY_INNER;
    }

    /**
     * Encapsulates the packet described by {@code c} (which must come from classifying this very
     * frame) toward {@code tunnel}.
     *
     * @param segment    the memory holding the frame
     * @param dataOffset where the frame starts (mbuf data pointer)
     * @param dataLength the frame's length
     * @param headroom   writable bytes before {@code dataOffset}
     * @param c          the frame's classification; {@code c.key} feeds the per-flow hash (put the
     *                   steered flow's key there for ICMP errors, so they share the flow's outer
     *                   source address)
     * @param tunnel     the backend
     * @param nowNanos   the worker's clock for the ICMP rate limit
     * @param out        receives the new frame position and the verdict
     */
    public EncapVerdict encapsulate(
            MemorySegment segment,
            long dataOffset,
            int dataLength,
            int headroom,
            Classification c,
            GreTunnel tunnel,
            long nowNanos,
            EncapResult out) {
        EncapVerdict v = encapsulate0(segment, dataOffset, dataLength, headroom, c, tunnel, nowNanos, out);
        counters[v.id()]++;
        return v;
    }

    private EncapVerdict encapsulate0(
            MemorySegment segment,
            long dataOffset,
            int dataLength,
            int headroom,
            Classification c,
            GreTunnel tunnel,
            long nowNanos,
            EncapResult out) {
        if (!describesIpPacket(c, dataOffset, dataLength)) {
            return out.set(EncapVerdict.NOT_IP, dataOffset, dataLength);
        }
        int overhead = outerIpLength(tunnel) + greLength(tunnel);
        if (overhead + c.l3Length > config.mtu) {
            return tooBig(segment, dataOffset, dataLength, headroom, c, overhead, nowNanos, out);
        }
        if (c.l3Offset - ETHERNET - overhead < dataOffset - headroom) {
            return out.set(EncapVerdict.NO_HEADROOM, dataOffset, dataLength);
        }
        long start = writeTunnel(
                segment,
                c.l3Offset,
                c.l3Length,
                c.key.family,
                c.trafficClass,
                c.dontFragment,
                flowHash(c.key),
                tunnel,
                tunnel.nextHopMac());
        return out.set(EncapVerdict.ENCAPSULATED, start, ETHERNET + overhead + c.l3Length);
    }

    /**
     * The load-balancing worker's fast path: encapsulates the IPv4 packet of an untagged frame in
     * {@link NetworkOrder#ALL} (the frame starts {@value #ETHERNET} bytes before {@code l3}), with
     * every check of {@link #encapsulate} already made by the caller: the frame is well formed, the
     * outer packet fits the MTU ({@link #fitsAnyTunnel}) and the headroom holds the headers. The
     * bytes written and the counting are {@link #encapsulate}'s for the same packet.
     *
     * <p>Toward an IPv4 backend without a GRE key (the common tunnel) the 38 header bytes go out
     * in five 8-byte stores ({@link #writeIpv4Unkeyed}), and the flow hash is computed only when
     * the outer source takes bits from it; other tunnels take {@link #encapsulate}'s writer.
     *
     * @param srcLo      the inner source address (IPv4, in the low 32 bits)
     * @param ports      the inner source port in the high 16 bits, the destination port in the low 16
     * @param protocol   the inner IP protocol
     * @param nextHopMac the Ethernet destination
     * @return where the new frame starts; it ends where the IP packet does
     */
    public long encapsulateIpv4(
            long l3,
            int ipLength,
            int tos,
            boolean dontFragment,
            long srcLo,
            int ports,
            int protocol,
            GreTunnel tunnel,
            long nextHopMac) {
        counters[EncapVerdict.ENCAPSULATED.id()]++;
        if (tunnel.family() != FlowKey.FAMILY_IPV4 || tunnel.keyed()) {
            // Kept out of this method so that its common case stays small enough to be inlined
            // into the fast path (the JIT's size limits; measured, see perf/results/README.md).
            return encapsulateIpv4Otherwise(
                    l3, ipLength, tos, dontFragment, srcLo, ports, protocol, tunnel, nextHopMac);
        }
        final int mask = config.sourceV4HostMask;
        // The flow hash only where it is used: the outer IPv4 source's host bits.
        final long hash = mask == 0 ? 0 : flowHash(0, srcLo, ports >>> 16, ports & 0xFFFF, protocol);
        return writeIpv4Unkeyed(
                l3,
                ipLength,
                tos,
                dontFragment,
                config.sourceV4 | ((int) hash & mask),
                tunnel.destinationV4(),
                nextHopMac);
    }

    /** {@link #encapsulateIpv4} toward an IPv6 backend or through a keyed tunnel (already counted). */
    private long encapsulateIpv4Otherwise(
            long l3,
            int ipLength,
            int tos,
            boolean dontFragment,
            long srcLo,
            int ports,
            int protocol,
            GreTunnel tunnel,
            long nextHopMac) {
        final long hash = flowHash(0, srcLo, ports >>> 16, ports & 0xFFFF, protocol);
        if (tunnel.family() == FlowKey.FAMILY_IPV6 && !tunnel.keyed()) {
            return writeIpv6Unkeyed(l3, ipLength, tos, EtherTypes.IPV4, hash, tunnel, nextHopMac);
        }
        return writeTunnel(
                NetworkOrder.ALL, l3, ipLength, FlowKey.FAMILY_IPV4, tos, dontFragment, hash, tunnel, nextHopMac);
    }

    /**
     * {@link #encapsulateIpv4} for the IPv6 packet of an untagged frame (no extension headers
     * needed: the caller passes the flow's fields), with the same preconditions: every check of
     * {@link #encapsulate} made by the caller. The bytes written and the counting are {@link
     * #encapsulate}'s for the same packet; an IPv6 inner packet never has its fragmentation allowed,
     * so the outer IPv4 DF is the policy's with the inner DF set.
     *
     * @param srcHi      the inner source address's high 64 bits
     * @param srcLo      its low 64 bits
     * @param ports      the inner source port in the high 16 bits, the destination port in the low 16
     * @return where the new frame starts; it ends where the IP packet does
     */
    public long encapsulateIpv6(
            long l3,
            int ipLength,
            int trafficClass,
            long srcHi,
            long srcLo,
            int ports,
            int protocol,
            GreTunnel tunnel,
            long nextHopMac) {
        counters[EncapVerdict.ENCAPSULATED.id()]++;
        // The flow label and the outer source's host bits come from it, whatever the outer family.
        final long hash = flowHash(srcHi, srcLo, ports >>> 16, ports & 0xFFFF, protocol);
        if (tunnel.family() == FlowKey.FAMILY_IPV6 && !tunnel.keyed()) {
            return writeIpv6Unkeyed(l3, ipLength, trafficClass, EtherTypes.IPV6, hash, tunnel, nextHopMac);
        }
        return writeTunnel(
                NetworkOrder.ALL, l3, ipLength, FlowKey.FAMILY_IPV6, trafficClass, true, hash, tunnel, nextHopMac);
    }

    /**
     * {@link #writeTunnel} for an IPv4 inner packet, an IPv4 outer header and GRE without a key,
     * in {@link NetworkOrder#ALL}: the same bytes, as five big-endian 8-byte stores (the last two
     * overlap by two bytes of the destination address) instead of a dozen narrow ones.
     */
    private long writeIpv4Unkeyed(
            long l3, int ipLength, int tos, boolean innerDontFragment, int source, int destination, long nextHopMac) {
        final long frame = l3 - IPV4_GRE_HEADERS;
        // The outer header's three first words, as Ipv4Flyweight.writeHeader forms them.
        final int w0 =
                (4 << 28) | (5 << 24) | ((tos & 0xFF) << 16) | ((ipLength + IPV4_GRE_HEADERS - ETHERNET) & 0xFFFF);
        final int w1 = (ipIdentification++ & 0xFFFF) << 16
                | (outerDontFragment(innerDontFragment) ? Ipv4Flyweight.FLAG_DONT_FRAGMENT : 0);
        final int w2 = (config.ttl << 24) | (IpProtocols.GRE << 16);
        final int checksum = Ipv4Flyweight.headerChecksum(w0, w1, w2, source, destination);
        final long mac = config.portMac;
        final MemorySegment all = NetworkOrder.ALL;
        // 0: next hop MAC, port MAC's first 2 bytes; 8: its last 4, EtherType, version/IHL, TOS.
        NetworkOrder.putI64(all, frame, nextHopMac << 16 | (mac >>> 32 & 0xFFFF));
        NetworkOrder.putI64(all, frame + 8, (mac & 0xFFFF_FFFFL) << 32 | (long) EtherTypes.IPV4 << 16 | w0 >>> 16);
        // 16: total length, identification, flags, TTL, protocol; 24: checksum, source, destination's first 2.
        NetworkOrder.putI64(all, frame + 16, (long) (w0 & 0xFFFF) << 48 | (w1 & 0xFFFF_FFFFL) << 16 | w2 >>> 16);
        NetworkOrder.putI64(
                all, frame + 24, (long) checksum << 48 | (source & 0xFFFF_FFFFL) << 16 | destination >>> 16);
        // 30: destination, GRE flags and version (0), protocol type (the inner packet is IPv4).
        NetworkOrder.putI64(all, frame + 30, (destination & 0xFFFF_FFFFL) << 32 | EtherTypes.IPV4);
        return frame;
    }

    /**
     * {@link #writeTunnel} for an IPv6 outer header and GRE without a key (inner packet of either
     * family), in {@link NetworkOrder#ALL}: the same bytes, as eight big-endian 8-byte stores (the
     * last two overlap by four bytes of the destination address) instead of a flyweight's fields.
     */
    private long writeIpv6Unkeyed(
            long l3, int ipLength, int trafficClass, int innerEtherType, long hash, GreTunnel tunnel, long nextHopMac) {
        final long frame = l3 - IPV6_GRE_HEADERS;
        // writeOuterV6's fields: a flow label that is never 0, the outer source's host bits from the hash.
        final int label = (int) (hash >>> 40) & Ipv6Flyweight.FLOW_LABEL_MASK;
        final int w0 = Ipv6Flyweight.PLAIN_VERSION_WORD | (trafficClass & 0xFF) << 20 | (label == 0 ? 1 : label);
        final int w1 = (ipLength + GreFlyweight.BASE_LENGTH) << 16 | IpProtocols.GRE << 8 | (config.ttl & 0xFF);
        final long srcHi = config.sourceV6Hi;
        final long srcLo = config.sourceV6Lo | (hash & config.sourceV6HostMask);
        final long dstHi = tunnel.destinationV6Hi();
        final long dstLo = tunnel.destinationV6Lo();
        final long mac = config.portMac;
        final MemorySegment all = NetworkOrder.ALL;
        // 0: next hop MAC, port MAC's first 2 bytes; 8: its last 4, EtherType, word 0's first half.
        NetworkOrder.putI64(all, frame, nextHopMac << 16 | (mac >>> 32 & 0xFFFF));
        NetworkOrder.putI64(all, frame + 8, (mac & 0xFFFF_FFFFL) << 32 | (long) EtherTypes.IPV6 << 16 | w0 >>> 16);
        // 16: word 0's second half, word 1, the source's first 2 bytes; then 8 bytes at a time, shifted by 2.
        NetworkOrder.putI64(all, frame + 16, (long) (w0 & 0xFFFF) << 48 | (w1 & 0xFFFF_FFFFL) << 16 | srcHi >>> 48);
        NetworkOrder.putI64(all, frame + 24, srcHi << 16 | srcLo >>> 48);
        NetworkOrder.putI64(all, frame + 32, srcLo << 16 | dstHi >>> 48);
        NetworkOrder.putI64(all, frame + 40, dstHi << 16 | dstLo >>> 48);
        NetworkOrder.putI64(all, frame + 48, dstLo << 16);
        // 50: the destination's last 4 bytes, GRE flags and version (0), protocol type (the inner family).
        NetworkOrder.putI64(all, frame + 50, (dstLo & 0xFFFF_FFFFL) << 32 | innerEtherType);
        return frame;
    }

    /**
     * True when an IP packet of {@code ipLength} bytes fits the MTU inside any tunnel (the largest
     * overhead: IPv6 outer and a keyed GRE header), so {@link #encapsulateIpv4} may skip the check.
     */
    public boolean fitsAnyTunnel(int ipLength) {
        return ipLength + MAX_EXTRA_HEADROOM <= config.mtu;
    }

    /**
     * The most headroom {@link #encapsulateIpv4} needs beyond the client's 14-byte Ethernet header,
     * and the largest tunnel overhead: IPv6 outer and a keyed GRE header.
     */
    public static final int MAX_EXTRA_HEADROOM =
            Ipv6Flyweight.HEADER_LENGTH + GreFlyweight.BASE_LENGTH + GreFlyweight.OPTION_LENGTH;

    /** The outer IP header's length: by the backend's family. */
    private static int outerIpLength(GreTunnel tunnel) {
        return tunnel.family() == FlowKey.FAMILY_IPV4 ? Ipv4Flyweight.MIN_HEADER_LENGTH : Ipv6Flyweight.HEADER_LENGTH;
    }

    private static int greLength(GreTunnel tunnel) {
        return tunnel.keyed() ? GreFlyweight.BASE_LENGTH + GreFlyweight.OPTION_LENGTH : GreFlyweight.BASE_LENGTH;
    }

    /**
     * Writes Ethernet, outer IP and GRE headers in front of the inner IP packet at {@code inner}.
     *
     * @return where the new frame starts (it ends where the inner packet does)
     */
    private long writeTunnel(
            MemorySegment segment,
            long inner,
            int innerLength,
            int innerFamily,
            int tos,
            boolean innerDontFragment,
            long hash,
            GreTunnel tunnel,
            long nextHopMac) {
        boolean outerV4 = tunnel.family() == FlowKey.FAMILY_IPV4;
        int outerIp = outerIpLength(tunnel);
        int greLength = greLength(tunnel);
        int outerLength = outerIp + greLength + innerLength;
        long l3 = inner - outerIp - greLength;
        long start = l3 - ETHERNET;
        NetworkOrder.putMac(segment, start, nextHopMac);
        NetworkOrder.putMac(segment, start + EthernetFlyweight.SOURCE_OFFSET, config.portMac);
        NetworkOrder.putU16(
                segment, start + EthernetFlyweight.ETHER_TYPE_OFFSET, outerV4 ? EtherTypes.IPV4 : EtherTypes.IPV6);
        if (outerV4) {
            int source = config.sourceV4 | ((int) hash & config.sourceV4HostMask);
            Ipv4Flyweight.writeHeader(
                    segment,
                    l3,
                    tos,
                    outerLength,
                    ipIdentification++ & 0xFFFF,
                    outerDontFragment(innerDontFragment) ? Ipv4Flyweight.FLAG_DONT_FRAGMENT : 0,
                    config.ttl,
                    IpProtocols.GRE,
                    source,
                    tunnel.destinationV4());
        } else {
            writeOuterV6(segment, l3, outerLength, tos, tunnel, hash);
        }
        GreFlyweight.write(
                segment,
                l3 + outerIp,
                innerFamily == FlowKey.FAMILY_IPV4 ? EtherTypes.IPV4 : EtherTypes.IPV6,
                tunnel.keyed(),
                tunnel.key());
        return start;
    }

    /** The classification must be of an IP packet lying inside the given frame. */
    private static boolean describesIpPacket(Classification c, long dataOffset, int dataLength) {
        return (c.key.family == FlowKey.FAMILY_IPV4 || c.key.family == FlowKey.FAMILY_IPV6)
                && c.l3Offset >= dataOffset + EthernetFlyweight.HEADER_LENGTH
                && c.l3Length > 0
                && c.l3Offset + c.l3Length <= dataOffset + dataLength;
    }

    private void writeOuterV6(
            MemorySegment segment, long l3, int totalLength, int trafficClass, GreTunnel tunnel, long hash) {
        long sourceLo = config.sourceV6Lo | (hash & config.sourceV6HostMask);
        // A zero flow label means "unlabelled"; keep it non-zero so the label always carries entropy.
        int label = (int) (hash >>> 40) & Ipv6Flyweight.FLOW_LABEL_MASK;
        ipv6.wrap(segment, l3, Ipv6Flyweight.HEADER_LENGTH)
                .versionClassFlow(trafficClass, label == 0 ? 1 : label)
                .payloadLength(totalLength - Ipv6Flyweight.HEADER_LENGTH)
                .nextHeader(IpProtocols.GRE)
                .hopLimit(config.ttl)
                .source(config.sourceV6Hi, sourceLo)
                .destination(tunnel.destinationV6Hi(), tunnel.destinationV6Lo());
    }

    private boolean outerDontFragment(boolean innerDontFragment) {
        // Booleans resolved at construction: no enum switch (a $SwitchMap lookup) per packet.
        return dfCopyInner ? innerDontFragment : dfSet;
    }

    private EncapVerdict tooBig(
            MemorySegment segment,
            long dataOffset,
            int dataLength,
            int headroom,
            Classification c,
            int overhead,
            long nowNanos,
            EncapResult out) {
        // Never answer an ICMP error with one (RFC 1122 section 3.2.2): with the minimum MTU
        // EncapConfig enforces, a steered error is never too big anyway; this keeps it true.
        if (!c.dontFragment || c.verdictId() == Verdict.ICMP_ERROR.id()) {
            return out.set(EncapVerdict.TOO_BIG_DROPPED, dataOffset, dataLength);
        }
        if (!tooBig.fits(c, dataOffset, headroom)) {
            return out.set(EncapVerdict.NO_HEADROOM, dataOffset, dataLength);
        }
        if (!icmpLimiter.tryAcquire(nowNanos)) {
            return out.set(EncapVerdict.TOO_BIG_RATE_LIMITED, dataOffset, dataLength);
        }
        tooBig.write(segment, c, config.mtu - overhead, out);
        return out.set(EncapVerdict.TOO_BIG_ICMP_SENT, out.dataOffset, out.dataLength);
    }

    /**
     * A well-mixed 64-bit hash of the flow's client side (source address and ports), for the
     * per-flow outer source and flow label. Stable for a flow; not security relevant.
     */
    static long flowHash(FlowKey k) {
        return flowHash(k.srcHi, k.srcLo, k.srcPort, k.dstPort, k.protocol);
    }

    /** {@link #flowHash(FlowKey)} of a key given field by field (IPv4: {@code srcHi} 0, the address in {@code srcLo}). */
    public static long flowHash(long srcHi, long srcLo, int srcPort, int dstPort, int protocol) {
        long h = srcHi * 0x9E3779B97F4A7C15L ^ srcLo;
        h = (h ^ ((long) srcPort << 16 | dstPort) ^ ((long) protocol << 40)) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
        h *= 0x94D049BB133111EBL;
        return h ^ (h >>> 29);
    }

    /** Packets that ended with verdict {@code v} since start. */
    public long count(EncapVerdict v) {
        return counters[v.id()];
    }
}
