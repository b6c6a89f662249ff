package io.levitate.packet;

import io.levitate.packet.ethernet.EthernetFlyweight;

/**
 * The classifier's answer for one frame: a reusable mutable holder, one per worker, overwritten
 * by every {@link PacketClassifier#classify} call. Only primitives are written per packet (the
 * verdict and drop reason are kept as their ids): a reference store costs a GC write barrier.
 * All offsets are absolute (in the same space as the offset passed to the classifier), so the
 * forwarder can use them as native addresses.
 * Fields past the point where the classifier stopped keep their reset values.
 */
public final class Classification {
    /** Offset value meaning "this layer is absent". */
    public static final long NO_OFFSET = -1;

    private int verdictId = Verdict.OTHER.id();
    private int dropReasonId = DropReason.NONE.id();

    public long frameOffset;
    public int frameLength;

    /** Ethernet header length including VLAN tags. */
    public int l2Length;
    /** EtherType after the VLAN tags. */
    public int etherType;

    public int outerVlanId = EthernetFlyweight.NO_VLAN;
    public int innerVlanId = EthernetFlyweight.NO_VLAN;

    /** Start of the IP header, or {@link #NO_OFFSET}. */
    public long l3Offset = NO_OFFSET;
    /** The IP packet's own length (total length / 40 + payload length): Ethernet padding excluded. */
    public int l3Length;
    /** IPv4 IHL x 4, or 40 plus every IPv6 extension header walked. */
    public int ipHeaderLength;
    /** TTL or hop limit. */
    public int ttl;
    /** IPv4 TOS byte or IPv6 traffic class (DSCP + ECN). */
    public int trafficClass;
    /** IPv4 DF bit; always true for IPv6, which routers never fragment. */
    public boolean dontFragment;
    /** Number of IPv6 extension headers walked. */
    public int extensionHeaders;

    /** Start of the upper-layer header, or {@link #NO_OFFSET} (non-first fragments, unknown). */
    public long l4Offset = NO_OFFSET;
    /** Upper-layer bytes from {@link #l4Offset} to the end of the IP packet. */
    public int l4Length;
    /** TCP flag bits (CWR..FIN), 0 otherwise. */
    public int tcpFlags;

    public int icmpType = -1;
    public int icmpCode = -1;

    /** 5-tuple, or 3-tuple for fragments; family {@link FlowKey#FAMILY_NONE} for non-IP. */
    public final FlowKey key = new FlowKey();

    /** Called by the classifier at the start of every frame. */
    public void reset(long frameOffset, int frameLength) {
        verdictId = Verdict.OTHER.id();
        dropReasonId = DropReason.NONE.id();
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
        l2Length = 0;
        etherType = 0;
        outerVlanId = EthernetFlyweight.NO_VLAN;
        innerVlanId = EthernetFlyweight.NO_VLAN;
        l3Offset = NO_OFFSET;
        l3Length = 0;
        ipHeaderLength = 0;
        ttl = 0;
        trafficClass = 0;
        dontFragment = false;
        extensionHeaders = 0;
        l4Offset = NO_OFFSET;
        l4Length = 0;
        tcpFlags = 0;
        icmpType = -1;
        icmpCode = -1;
        key.clear();
    }

    /** Marks the frame malformed; returns {@link Verdict#MALFORMED} for tail calls. */
    public Verdict drop(DropReason reason) {
        dropReasonId = reason.id();
        verdictId = Verdict.MALFORMED.id();
        return Verdict.MALFORMED;
    }

    /** Sets the verdict; returns it for tail calls. */
    public Verdict verdict(Verdict v) {
        verdictId = v.id();
        return v;
    }

    public Verdict verdict() {
        return Verdict.byId(verdictId);
    }

    /** {@link DropReason#NONE} unless the verdict is {@link Verdict#MALFORMED}. */
    public DropReason dropReason() {
        return DropReason.byId(dropReasonId);
    }

    /** The verdict's stable id (a counter index). */
    public int verdictId() {
        return verdictId;
    }

    /** The drop reason's stable id (a counter index). */
    public int dropReasonId() {
        return dropReasonId;
    }

    @Override
    public String toString() {
        return "Classification{" + verdict() + (dropReasonId != 0 ? "/" + dropReason() : "")
                + " l2=" + l2Length + " type=0x" + Integer.toHexString(etherType)
                + " l3=" + l3Offset + "+" + l3Length + " l4=" + l4Offset + "+" + l4Length + " " + key + "}";
    }
}
