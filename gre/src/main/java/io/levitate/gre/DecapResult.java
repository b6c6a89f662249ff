package io.levitate.gre;

import io.levitate.packet.DropReason;

/** What {@link GreDecapsulator} found: where the inner packet is and how it was tunnelled. */
public final class DecapResult {
    public DropReason dropReason = DropReason.NONE;
    /** Outer family (4 or 6). */
    public int outerFamily;
    /** EtherType from the GRE header: the inner family. */
    public int innerEtherType;

    public boolean keyed;
    public int key;
    /** Inner IP packet. */
    public long innerOffset;

    public int innerLength;
    /** Inner packet as an Ethernet frame (after {@code toEthernet}). */
    public long frameOffset;

    public int frameLength;

    void clear() {
        dropReason = DropReason.NONE;
        outerFamily = 0;
        innerEtherType = 0;
        keyed = false;
        key = 0;
        innerOffset = -1;
        innerLength = 0;
        frameOffset = -1;
        frameLength = 0;
    }
}
