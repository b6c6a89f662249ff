package io.levitate.gre;

/** Outcome of {@link GreEncapsulator#encapsulate}; {@link #id()} is a stable counter index. */
public enum EncapVerdict {
    /** The frame now carries outer Ethernet + IP + GRE: transmit toward the backend. */
    ENCAPSULATED(0, false),
    /**
     * Too big and the inner packet forbids fragmentation: the frame was rewritten in place into
     * an ICMP "fragmentation needed" (IPv4) or "packet too big" (IPv6) for the client. Transmit
     * it back out of the port it came in on.
     */
    TOO_BIG_ICMP_SENT(1, false),
    /** Too big, inner forbids fragmentation, but the ICMP rate limit is spent: drop. */
    TOO_BIG_RATE_LIMITED(2, true),
    /** Too big and the inner packet allows fragmentation: we do not fragment (see policy), drop. */
    TOO_BIG_DROPPED(3, true),
    /** Not enough headroom in front of the packet for the outer headers: drop. */
    NO_HEADROOM(4, true),
    /** The classification does not describe an IP packet in this buffer: drop. */
    NOT_IP(5, true);

    private static final EncapVerdict[] BY_ID = values();

    private final int id;
    private final boolean drop;

    EncapVerdict(int id, boolean drop) {
        this.id = id;
        this.drop = drop;
    }

    public int id() {
        return id;
    }

    public static EncapVerdict byId(int id) {
        return BY_ID[id];
    }

    /** True when the caller must free the mbuf instead of transmitting it. */
    public boolean isDrop() {
        return drop;
    }
}
