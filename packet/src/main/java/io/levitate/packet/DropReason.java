package io.levitate.packet;

/**
 * Why the classifier called a frame malformed. Each reason has a stable {@link #id()} so it can
 * index a per-worker counter array and appear, unchanged across releases, in the counters file
 * and on the metrics endpoint. Append new reasons with new ids; never renumber or reuse one.
 */
public enum DropReason {
    /** Not dropped. */
    NONE(0),
    /** Frame shorter than the 14-byte Ethernet header. */
    TRUNCATED_ETHERNET(1),
    /** A VLAN tag announced but its 4 bytes are missing. */
    TRUNCATED_VLAN(2),
    /** More than two stacked VLAN tags (QinQ is the most we accept). */
    TOO_MANY_VLAN_TAGS(3),
    /** ARP shorter than its fixed Ethernet/IPv4 form, or not Ethernet/IPv4 ARP. */
    BAD_ARP(4),
    /** Fewer bytes than the fixed IPv4 or IPv6 header. */
    TRUNCATED_IP(5),
    /** IP version nibble disagrees with the EtherType. */
    BAD_IP_VERSION(6),
    /** IPv4 IHL below 5 or beyond the bytes present. */
    BAD_IHL(7),
    /** IPv4 total length below the header length or beyond the bytes present. */
    BAD_TOTAL_LENGTH(8),
    /** IPv4 header checksum wrong (only when the classifier is told to verify it). */
    BAD_IPV4_CHECKSUM(9),
    /** TTL / hop limit 0: no router may forward it, neither do we. */
    TTL_ZERO(10),
    /** Fragment offset plus length beyond 65535 (the "ping of death" shape). */
    BAD_FRAGMENT(11),
    /** IPv6 payload length beyond the bytes present. */
    BAD_PAYLOAD_LENGTH(12),
    /** IPv6 payload length 0 (jumbogram, RFC 2675): never seen on an Ethernet LB path. */
    JUMBOGRAM(13),
    /** More IPv6 extension headers than the walk bound. */
    TOO_MANY_EXTENSION_HEADERS(14),
    /** An IPv6 extension header runs past the payload. */
    TRUNCATED_EXTENSION_HEADER(15),
    /** Hop-by-hop options not directly after the IPv6 header (RFC 8200 section 4.1). */
    MISPLACED_HOP_BY_HOP(16),
    /** Fewer than 20 bytes of TCP header. */
    TRUNCATED_TCP(17),
    /** TCP data offset below 5 or beyond the segment. */
    BAD_TCP_DATA_OFFSET(18),
    /** Fewer than 8 bytes of UDP header. */
    TRUNCATED_UDP(19),
    /** UDP length below 8 or beyond the datagram. */
    BAD_UDP_LENGTH(20),
    /** ICMP/ICMPv6 message shorter than its 8-byte header. */
    TRUNCATED_ICMP(21),
    /**
     * Source address no host may use: multicast or broadcast (the parser refuses these for every
     * packet); for traffic to a VIP the forwarder also counts here 0.0.0.0/8, 127.0.0.0/8, ::, ::1
     * and the VIPs themselves. Named {@code bad_source_address} in earlier builds (same id).
     */
    MARTIAN_SOURCE(22),
    /** The packet an ICMP error quotes is too short or not IP. */
    BAD_ICMP_INNER(23),
    /** GRE header with a non-zero version or optional fields past the end. */
    BAD_GRE(24),
    /** Ethernet source address with the group bit set (broadcast or multicast): no station sends from one. */
    ETHERNET_SOURCE_NOT_UNICAST(25);

    private static final DropReason[] BY_ID;

    static {
        DropReason[] values = values();
        BY_ID = new DropReason[values.length];
        for (DropReason r : values) {
            if (BY_ID[r.id] != null) {
                throw new ExceptionInInitializerError("duplicate drop reason id " + r.id);
            }
            BY_ID[r.id] = r;
        }
    }

    private final int id;

    DropReason(int id) {
        this.id = id;
    }

    /** Stable counter index. */
    public int id() {
        return id;
    }

    /** Size a counter array so every {@link #id()} indexes it. */
    public static int count() {
        return BY_ID.length;
    }

    public static DropReason byId(int id) {
        return BY_ID[id];
    }
}
