package io.levitate.bgp.wire;

/**
 * The attributes one session puts on every route it announces. Built once per session (when the
 * OPENs are exchanged); {@link UpdateEncoder} writes them.
 *
 * @param localAs          our AS.
 * @param ibgp             peer AS equals ours: empty AS_PATH and LOCAL_PREF (RFC 4271 §5.1.2, §5.1.5).
 * @param fourOctetAs      both sides sent capability 65: AS_PATH carries 4-byte ASNs (RFC 6793 §4.1).
 * @param nextHop4         IPv4 NEXT_HOP (4 bytes), or null when IPv4 routes are not sent.
 * @param nextHop6         IPv6 next hop for MP_REACH_NLRI (16 bytes), or null when IPv6 routes are not sent.
 * @param med              MULTI_EXIT_DISC, or -1 for none.
 * @param localPref        LOCAL_PREF on iBGP.
 * @param communities      RFC 1997 communities (each high 16 bits AS, low 16 bits value).
 * @param largeCommunities RFC 8092 large communities, three ints per community.
 */
public record PathAttributes(
        long localAs,
        boolean ibgp,
        boolean fourOctetAs,
        byte[] nextHop4,
        byte[] nextHop6,
        long med,
        int localPref,
        int[] communities,
        int[] largeCommunities) {}
