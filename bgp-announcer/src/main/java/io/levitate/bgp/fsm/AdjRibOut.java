package io.levitate.bgp.fsm;

import io.levitate.bgp.Log;
import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.net.SocketAddresses;
import io.levitate.bgp.wire.BgpWire;
import io.levitate.bgp.wire.OpenMessage;
import io.levitate.bgp.wire.PathAttributes;
import io.levitate.bgp.wire.UpdateEncoder;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One session's Adj-RIB-Out (RFC 4271 §3.2): what the peer holds from us, the path attributes and
 * address families agreed from its OPEN, and the UPDATEs that bring the peer from what it holds to
 * the speaker's current routes (withdrawals first, then announcements grouped by attribute set).
 * {@link PeerSession} owns the state machine and the connection and calls this when Established;
 * this class never ends a session itself: it says when the outbound buffer could not take the
 * UPDATEs and the session decides. Speaker thread only.
 */
final class AdjRibOut {
    /** What {@link #sync} did. */
    enum Sync {
        /** The peer already holds exactly the wanted routes. */
        NOTHING,
        /** UPDATEs were queued on the connection. */
        SENT,
        /** The outbound buffer filled up: the peer is not reading. */
        BUFFER_FULL
    }

    private final String peerName;
    /** What the peer holds from us: address -> announced with GRACEFUL_SHUTDOWN. */
    private final Map<InetAddress, Boolean> advertised = new HashMap<>();

    private int advertisedV4;
    private int advertisedV6;
    private boolean sendIpv4;
    private boolean sendIpv6;
    private PathAttributes attributes;

    AdjRibOut(final String peerName) {
        this.peerName = peerName;
    }

    /**
     * The peer's OPEN was accepted: the attributes for its routes (next hops: configured, else the
     * session's local address) and the families it gets (those it supports and we have a next hop for).
     */
    void negotiated(
            final OpenMessage open,
            final PeerConfig peer,
            final SpeakerConfig speaker,
            final boolean ibgp,
            final InetAddress sessionLocal) {
        attributes = buildAttributes(open, peer, speaker, ibgp, sessionLocal);
        sendIpv4 = open.supportsIpv4Unicast() && attributes.nextHop4() != null;
        sendIpv6 = open.ipv6Unicast() && attributes.nextHop6() != null;
    }

    boolean sendsIpv4() {
        return sendIpv4;
    }

    boolean sendsIpv6() {
        return sendIpv6;
    }

    int advertisedV4() {
        return advertisedV4;
    }

    int advertisedV6() {
        return advertisedV6;
    }

    /** The session ended: the peer dropped everything it held from us with it. */
    void clear() {
        advertised.clear();
        advertisedV4 = 0;
        advertisedV6 = 0;
    }

    /**
     * A route refresh (RFC 2918) for one family: forget what the peer holds of it, so that the
     * next {@link #sync} announces it all again.
     */
    void forgetFamily(final int afi) {
        final int length = afi == BgpWire.AFI_IPV4 ? 4 : 16;
        advertised.keySet().removeIf(a -> a.getAddress().length == length);
        count();
    }

    /** End-of-RIB (RFC 4724 §2) for every family this session carries. */
    void endOfRib(final Connection conn) {
        if (sendIpv4) {
            UpdateEncoder.endOfRib(conn.out, BgpWire.AFI_IPV4);
        }
        if (sendIpv6) {
            UpdateEncoder.endOfRib(conn.out, BgpWire.AFI_IPV6);
        }
    }

    /**
     * Queues on {@code conn} what it takes for the peer to hold exactly {@code want}: withdrawals
     * first, then announcements grouped by attribute set (with or without GRACEFUL_SHUTDOWN).
     */
    Sync sync(final Map<InetAddress, Boolean> want, final Connection conn) {
        final List<byte[]> withdraw4 = new ArrayList<>();
        final List<byte[]> withdraw6 = new ArrayList<>();
        for (final Iterator<Map.Entry<InetAddress, Boolean>> it =
                        advertised.entrySet().iterator();
                it.hasNext(); ) {
            final InetAddress a = it.next().getKey();
            if (!want.containsKey(a)) {
                (a.getAddress().length == 4 ? withdraw4 : withdraw6).add(a.getAddress());
                it.remove();
            }
        }
        final List<byte[]> normal4 = new ArrayList<>();
        final List<byte[]> gshut4 = new ArrayList<>();
        final List<byte[]> normal6 = new ArrayList<>();
        final List<byte[]> gshut6 = new ArrayList<>();
        for (final Map.Entry<InetAddress, Boolean> e : want.entrySet()) {
            final boolean v4 = e.getKey().getAddress().length == 4;
            if ((v4 && !sendIpv4) || (!v4 && !sendIpv6)) {
                continue;
            }
            final Boolean have = advertised.get(e.getKey());
            if (have == null || !have.equals(e.getValue())) {
                final List<byte[]> target = e.getValue() ? (v4 ? gshut4 : gshut6) : (v4 ? normal4 : normal6);
                target.add(e.getKey().getAddress());
                advertised.put(e.getKey(), e.getValue());
            }
        }
        if (withdraw4.isEmpty()
                && withdraw6.isEmpty()
                && normal4.isEmpty()
                && gshut4.isEmpty()
                && normal6.isEmpty()
                && gshut6.isEmpty()) {
            return Sync.NOTHING;
        }
        for (final List<byte[]> l : List.of(withdraw4, withdraw6, normal4, gshut4, normal6, gshut6)) {
            l.sort(Arrays::compareUnsigned);
        }
        boolean ok = write(conn, withdraw4, (from) -> UpdateEncoder.withdrawIpv4(conn.out, withdraw4, from));
        ok = ok && write(conn, withdraw6, (from) -> UpdateEncoder.withdrawIpv6(conn.out, withdraw6, from));
        ok = ok
                && write(
                        conn,
                        normal4,
                        (from) -> UpdateEncoder.announceIpv4(conn.out, attributes, normal4, from, false));
        ok = ok && write(conn, gshut4, (from) -> UpdateEncoder.announceIpv4(conn.out, attributes, gshut4, from, true));
        ok = ok
                && write(
                        conn,
                        normal6,
                        (from) -> UpdateEncoder.announceIpv6(conn.out, attributes, normal6, from, false));
        ok = ok && write(conn, gshut6, (from) -> UpdateEncoder.announceIpv6(conn.out, attributes, gshut6, from, true));
        count();
        if (!ok) {
            return Sync.BUFFER_FULL;
        }
        Log.info(peerName + ": sent" + describe("withdraw", withdraw4, withdraw6)
                + describe("announce", normal4, normal6) + describe("announce+GRACEFUL_SHUTDOWN", gshut4, gshut6));
        return Sync.SENT;
    }

    private interface Chunk {
        int write(int from);
    }

    /** Writes LIST in as many UPDATEs as it takes; false when the buffer cannot take the next one. */
    private static boolean write(final Connection conn, final List<byte[]> list, final Chunk chunk) {
        int from = 0;
        while (from < list.size()) {
            if (!conn.hasRoomForMessage()) {
                return false;
            }
            final int n = chunk.write(from);
            if (n <= 0) {
                return false;
            }
            from += n;
        }
        return true;
    }

    private static String describe(final String what, final List<byte[]> v4, final List<byte[]> v6) {
        if (v4.isEmpty() && v6.isEmpty()) {
            return "";
        }
        final StringBuilder sb = new StringBuilder(" ").append(what).append(" [");
        for (final List<byte[]> l : List.of(v4, v6)) {
            for (final byte[] a : l) {
                try {
                    sb.append(' ').append(io.levitate.packet.Addresses.format(InetAddress.getByAddress(a)));
                } catch (final UnknownHostException e) {
                    sb.append(" ?");
                }
            }
        }
        return sb.append(" ]").toString();
    }

    private void count() {
        int v4 = 0;
        for (final InetAddress a : advertised.keySet()) {
            if (a.getAddress().length == 4) {
                v4++;
            }
        }
        advertisedV4 = v4;
        advertisedV6 = advertised.size() - v4;
    }

    private static PathAttributes buildAttributes(
            final OpenMessage open,
            final PeerConfig peer,
            final SpeakerConfig speaker,
            final boolean ibgp,
            final InetAddress sessionLocal) {
        final InetAddress local = peer.localAddress() != null ? peer.localAddress() : sessionLocal;
        byte[] nh4 = null;
        if (peer.nextHop4() != null) {
            nh4 = peer.nextHop4().getAddress();
        } else if (local instanceof Inet4Address) {
            nh4 = local.getAddress();
        }
        byte[] nh6 = null;
        if (peer.nextHop6() != null) {
            nh6 = peer.nextHop6().getAddress();
        } else if (local != null && local.getAddress().length == 16) {
            nh6 = local.getAddress();
        } else if (nh4 != null) {
            // IPv4-mapped IPv6 (RFC 4291 §2.5.5.2): what other speakers send for IPv6 routes
            // over an IPv4 session when no IPv6 next hop is configured.
            nh6 = SocketAddresses.ipv4MappedBytes(nh4);
        }
        return new PathAttributes(
                speaker.localAs(),
                ibgp,
                open.fourOctetAs() >= 0,
                nh4,
                nh6,
                speaker.med(),
                BgpWire.DEFAULT_LOCAL_PREF,
                speaker.communities(),
                speaker.largeCommunities());
    }
}
