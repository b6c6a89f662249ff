package io.levitate.packet;

/** What the classifier decided a frame is; {@link #id()} is stable for counters. */
public enum Verdict {
    /** Well-formed IPv4/IPv6 TCP, UDP or fragment: look its destination up in the VIP table. */
    VIP_CANDIDATE(0),
    /** Ethernet/IPv4 ARP: to the neighbour resolver. */
    ARP(1),
    /** ICMPv6 neighbour discovery (types 133-137): to the neighbour resolver. */
    ND(2),
    /** ICMP/ICMPv6 error quoting another packet: steer by the quoted flow (gre's steering). */
    ICMP_ERROR(3),
    /** Well-formed but none of the above (other EtherTypes, other protocols, echo, ...). */
    OTHER(4),
    /** Dropped; see the {@link DropReason}. */
    MALFORMED(5);

    private static final Verdict[] BY_ID = values();

    private final int id;

    Verdict(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public static Verdict byId(int id) {
        return BY_ID[id];
    }
}
