package io.levitate.gre;

/**
 * Where the packet is after {@link GreEncapsulator#encapsulate}: a reusable holder (one per
 * worker). The caller moves the mbuf's data_off by {@code dataOffset - oldOffset} (negative:
 * prepend) and sets data_len = pkt_len = {@code dataLength}.
 */
public final class EncapResult {
    /** Kept as an id: a reference store per packet would cost a GC write barrier. */
    private int verdictId = EncapVerdict.NOT_IP.id();
    /** New start of the frame (absolute, same space as the input offset). */
    public long dataOffset;
    /** New frame length. */
    public int dataLength;

    public EncapVerdict verdict() {
        return EncapVerdict.byId(verdictId);
    }

    EncapVerdict set(EncapVerdict v, long offset, int length) {
        verdictId = v.id();
        dataOffset = offset;
        dataLength = length;
        return v;
    }

    @Override
    public String toString() {
        return "EncapResult{" + verdict() + " offset=" + dataOffset + " length=" + dataLength + "}";
    }
}
