package io.levitate.gre;

import io.levitate.packet.Classification;
import io.levitate.packet.DropReason;
import io.levitate.packet.EtherTypes;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.PacketClassifier;
import io.levitate.packet.Verdict;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.transport.GreFlyweight;
import java.lang.foreign.MemorySegment;

/**
 * The inverse of {@link GreEncapsulator}, for tests and tools (a backend-side decapsulator, a
 * pcap inspector): finds the inner IP packet of an Ethernet + IPv4/IPv6 + GRE frame and can turn
 * it back into an Ethernet frame in place. Fragmented outer packets are not reassembled.
 */
public final class GreDecapsulator {
    private final PacketClassifier classifier = new PacketClassifier();
    private final Classification outer = new Classification();
    private final GreFlyweight gre = new GreFlyweight();
    private final EthernetFlyweight ethernet = new EthernetFlyweight();

    /** Parses the frame; {@code out.dropReason} is {@link DropReason#NONE} when it is a usable GRE packet. */
    public boolean decapsulate(MemorySegment segment, long offset, int length, DecapResult out) {
        out.clear();
        Verdict v = classifier.classify(segment, offset, length, outer);
        if (v == Verdict.MALFORMED) {
            out.dropReason = outer.dropReason();
            return false;
        }
        if (outer.key.protocol != IpProtocols.GRE || outer.key.fragment || outer.l4Offset < 0) {
            out.dropReason = DropReason.BAD_GRE;
            return false;
        }
        GreFlyweight g = gre.wrap(segment, outer.l4Offset, outer.l4Length);
        DropReason r = g.validate();
        int type = r == DropReason.NONE ? g.protocolType() : 0;
        if (r != DropReason.NONE || (type != EtherTypes.IPV4 && type != EtherTypes.IPV6)) {
            out.dropReason = DropReason.BAD_GRE;
            return false;
        }
        out.outerFamily = outer.key.family;
        out.innerEtherType = type;
        out.keyed = g.hasKey();
        out.key = g.hasKey() ? g.key() : 0;
        out.innerOffset = outer.l4Offset + g.headerLength();
        out.innerLength = outer.l4Length - g.headerLength();
        return true;
    }

    /**
     * After a successful {@link #decapsulate}: writes an untagged Ethernet header in front of the
     * inner packet (over the end of the outer headers, which are always longer than 14 bytes).
     */
    public void toEthernet(MemorySegment segment, DecapResult r, long destinationMac, long sourceMac) {
        long start = r.innerOffset - EthernetFlyweight.HEADER_LENGTH;
        ethernet.wrap(segment, start, EthernetFlyweight.HEADER_LENGTH)
                .destination(destinationMac)
                .source(sourceMac)
                .outerEtherType(r.innerEtherType);
        r.frameOffset = start;
        r.frameLength = EthernetFlyweight.HEADER_LENGTH + r.innerLength;
    }
}
