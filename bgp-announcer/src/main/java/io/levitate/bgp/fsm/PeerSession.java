package io.levitate.bgp.fsm;

import io.levitate.bgp.Log;
import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.PeerStatus;
import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.net.Libc;
import io.levitate.bgp.net.SocketAddresses;
import io.levitate.bgp.wire.BgpWire;
import io.levitate.bgp.wire.DecodeResult;
import io.levitate.bgp.wire.MessageDecoder;
import io.levitate.bgp.wire.MessageEncoder;
import io.levitate.bgp.wire.Notification;
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
 * The RFC 4271 §8 state machine of one peer, driven by the speaker thread: timers through
 * {@link #onTimers}, socket readiness through {@link #onReady}, route changes through
 * {@link #syncRoutes}. A route change only ever produces UPDATEs; only errors, timers, the peer,
 * or an administrative stop end a session.
 *
 * <p>Collisions (RFC 4271 §6.8): while our own connection is not yet Established, an incoming one
 * is kept aside until its OPEN shows the peer's BGP identifier; the connection opened by the
 * speaker with the higher identifier survives, the other gets Cease/Connection Collision Resolution.
 */
public final class PeerSession {
    /** RFC 4271 §8.2.2: the hold timer while waiting for the peer's OPEN ("4 minutes is suggested"). */
    static final long OPEN_SENT_HOLD_MILLIS = 240_000;
    /** A SYN that gets no answer (a silent wrong MD5 key, a dead host) is abandoned after this. */
    static final long CONNECT_TIMEOUT_MILLIS = 5_000;
    /** RFC 9687 §4: send hold time is at least 8 minutes (or twice the hold time, if larger). */
    static final long MIN_SEND_HOLD_MILLIS = 480_000;
    /** A session that stayed up this long earns a fresh (short) backoff when it drops. */
    static final long STABLE_SESSION_MILLIS = 30_000;
    /** Time given to a Cease to reach the kernel before the socket closes. */
    static final long CLOSE_FLUSH_MILLIS = 1_000;

    private final PeerConfig peer;
    private final SpeakerConfig speaker;
    private final SpeakerRoutes routes;
    private final MessageDecoder decoder = new MessageDecoder();
    private final DecodeResult decoded = new DecodeResult();
    private final String[] error = new String[1];
    private final Backoff backoff;
    private final boolean ibgp;

    private SessionState state;
    private Connection conn;
    private Connection pendingInbound;
    private long nextConnectAt;
    private long connectDeadline;
    private long holdDeadline = Long.MAX_VALUE;
    private long keepaliveDue = Long.MAX_VALUE;
    private long holdMillis;
    private long keepaliveMillis;
    private long establishedAt;
    private boolean adminDown;
    /** BFD left Up: no connection until it is Up again (see {@link #bfdDown}). */
    private boolean bfdHeld;

    private boolean sendIpv4;
    private boolean sendIpv6;
    private PathAttributes attributes;
    /** What the peer holds from us: address -> announced with GRACEFUL_SHUTDOWN. */
    private final Map<InetAddress, Boolean> advertised = new HashMap<>();

    private int advertisedV4;
    private int advertisedV6;

    private long flaps;
    private String lastNotificationSent;
    private String lastNotificationReceived;
    private String lastError;
    private long stateSince = System.currentTimeMillis();
    private volatile PeerStatus status;

    public PeerSession(final PeerConfig peer, final SpeakerConfig speaker, final SpeakerRoutes routes, final long now) {
        this.peer = peer;
        this.speaker = speaker;
        this.routes = routes;
        this.ibgp = peer.remoteAs() == speaker.localAs();
        this.backoff = new Backoff(speaker.connectRetryMillis(), SpeakerConfig.MAX_BACKOFF_MILLIS);
        this.state = peer.passive() ? SessionState.ACTIVE : SessionState.IDLE;
        this.nextConnectAt = now;
        publish();
    }

    public PeerConfig peer() {
        return peer;
    }

    public PeerStatus status() {
        return status;
    }

    public SessionState state() {
        return state;
    }

    // ------------------------------------------------------------------ polling support

    /** Connections to poll, with the events wanted ({@code POLLIN}, plus {@code POLLOUT} when bytes wait). */
    int pollDescriptors(final int[] fds, final short[] events, final int at) {
        int n = at;
        if (conn != null) {
            fds[n] = conn.fd;
            events[n] = (short) (Libc.POLLIN | (!conn.connected || conn.hasPendingOutput() ? Libc.POLLOUT : 0));
            n++;
        }
        if (pendingInbound != null) {
            fds[n] = pendingInbound.fd;
            events[n] = (short) (Libc.POLLIN | (pendingInbound.hasPendingOutput() ? Libc.POLLOUT : 0));
            n++;
        }
        return n - at;
    }

    /** The earliest monotonic time a timer of this session fires. */
    long nextDeadline() {
        long d = Math.min(holdDeadline, keepaliveDue);
        if (state == SessionState.IDLE && !adminDown && !bfdHeld && !peer.passive()) {
            d = Math.min(d, nextConnectAt);
        }
        if (state == SessionState.CONNECT) {
            d = Math.min(d, connectDeadline);
        }
        if (conn != null && conn.hasPendingOutput()) {
            d = Math.min(d, conn.lastSendProgress + sendHoldMillis());
        }
        return d;
    }

    // ------------------------------------------------------------------ timers

    public void onTimers(final long now) {
        switch (state) {
            case IDLE -> {
                if (!adminDown && !bfdHeld && !peer.passive() && now >= nextConnectAt) {
                    startConnect(now);
                }
            }
            case CONNECT -> {
                if (now >= connectDeadline) {
                    fail(
                            now,
                            "connect timed out after " + CONNECT_TIMEOUT_MILLIS + " ms"
                                    + (peer.md5Password() != null ? " (a TCP MD5 key mismatch looks like this)" : ""));
                }
            }
            default -> {
                if (conn == null) {
                    return;
                }
                if (now >= holdDeadline) {
                    dropSession(
                            now,
                            Notification.of(BgpWire.ERR_HOLD_TIMER_EXPIRED, 0),
                            "hold timer expired ("
                                    + (state == SessionState.OPEN_SENT ? OPEN_SENT_HOLD_MILLIS : holdMillis)
                                    + " ms without a message)");
                    return;
                }
                if (conn.hasPendingOutput() && now - conn.lastSendProgress >= sendHoldMillis()) {
                    dropSession(
                            now,
                            Notification.of(BgpWire.ERR_SEND_HOLD_TIMER_EXPIRED, 0),
                            "send hold timer expired: peer accepted nothing for " + sendHoldMillis()
                                    + " ms (RFC 9687)");
                    return;
                }
                if (now >= keepaliveDue && (state == SessionState.ESTABLISHED || state == SessionState.OPEN_CONFIRM)) {
                    sendKeepalive(now);
                }
            }
        }
    }

    private long sendHoldMillis() {
        return Math.max(MIN_SEND_HOLD_MILLIS, 2 * holdMillis);
    }

    private void startConnect(final long now) {
        conn = Connection.connect(peer.address(), peer.port(), peer.localAddress(), peer.md5Password(), now, error);
        if (conn == null) {
            fail(now, error[0]);
            return;
        }
        if (conn.connected) {
            onTcpUp(now);
        } else {
            connectDeadline = now + CONNECT_TIMEOUT_MILLIS;
            setState(SessionState.CONNECT);
        }
    }

    // ------------------------------------------------------------------ I/O

    /** Handles poll results for {@code fd}. */
    void onReady(final int fd, final short revents, final long now) {
        if (conn != null && fd == conn.fd) {
            onMainReady(revents, now);
        } else if (pendingInbound != null && fd == pendingInbound.fd) {
            onInboundReady(revents, now);
        }
    }

    private void onMainReady(final short revents, final long now) {
        if (state == SessionState.CONNECT) {
            if ((revents & (Libc.POLLOUT | Libc.POLLERR | Libc.POLLHUP)) != 0) {
                final int err = conn.finishConnect();
                if (err != 0) {
                    fail(now, "connect: " + Libc.strerror(err));
                    return;
                }
                onTcpUp(now);
            }
            return;
        }
        if ((revents & Libc.POLLOUT) != 0 && !conn.flush(now, error)) {
            dropSession(now, null, error[0]);
            return;
        }
        if ((revents & (Libc.POLLIN | Libc.POLLERR | Libc.POLLHUP)) != 0) {
            readAndProcess(conn, now);
        }
    }

    private void onTcpUp(final long now) {
        setState(SessionState.OPEN_SENT);
        sendOpen(conn, now);
        holdDeadline = now + OPEN_SENT_HOLD_MILLIS;
        keepaliveDue = Long.MAX_VALUE;
        Log.info(peer.name() + ": TCP up from "
                + (conn.localAddress == null ? "?" : io.levitate.packet.Addresses.format(conn.localAddress))
                + (peer.md5Password() != null ? " (TCP MD5)" : "") + ", OPEN sent");
    }

    private void sendOpen(final Connection c, final long now) {
        MessageEncoder.open(
                c.out,
                speaker.localAs(),
                localHoldSeconds(),
                speaker.routerId(),
                true,
                true,
                speaker.gracefulRestartSeconds());
        if (!c.flush(now, error)) {
            Log.warn(peer.name() + ": " + error[0]);
        }
    }

    private int localHoldSeconds() {
        return peer.holdTimeSeconds() >= 0 ? peer.holdTimeSeconds() : speaker.holdTimeSeconds();
    }

    private void readAndProcess(final Connection c, final long now) {
        while (!c.closed) {
            final int n = c.read(error);
            if (n < 0) {
                if (c == conn) {
                    dropSession(now, null, error[0]);
                } else {
                    closeInbound(null, error[0]);
                }
                return;
            }
            if (!processMessages(c, now) || n == 0) {
                return;
            }
        }
    }

    /** Decodes every whole message in the buffer; false when the connection went away. */
    private boolean processMessages(final Connection c, final long now) {
        int offset = 0;
        boolean alive = true;
        while (alive) {
            decoder.decode(c.in, offset, c.inLength - offset, decoded);
            if (decoded.status() == DecodeResult.INCOMPLETE) {
                break;
            }
            if (decoded.status() == DecodeResult.ERROR) {
                final Notification n = decoded.error();
                if (c == conn) {
                    dropSession(now, n, "malformed message from peer: " + n.describe());
                } else {
                    closeInbound(n, "malformed message on incoming connection: " + n.describe());
                }
                return false;
            }
            final int length = decoded.length();
            alive = c == conn ? onMessage(now) : onInboundMessage(now);
            offset += length;
        }
        if (!c.closed && offset > 0) {
            c.consume(offset);
        }
        return alive && !c.closed;
    }

    /** A whole message on the main connection; false when the session ended. */
    private boolean onMessage(final long now) {
        final int type = decoded.type();
        if (type == BgpWire.TYPE_NOTIFICATION) {
            final Notification n = decoded.notification();
            lastNotificationReceived = n.describe();
            dropSession(now, null, "peer sent NOTIFICATION " + n.describe());
            return false;
        }
        switch (state) {
            case OPEN_SENT -> {
                if (type != BgpWire.TYPE_OPEN) {
                    return fsmError(now, BgpWire.FSM_UNEXPECTED_IN_OPENSENT, type);
                }
                return acceptOpen(decoded.open(), now);
            }
            case OPEN_CONFIRM -> {
                if (type == BgpWire.TYPE_KEEPALIVE) {
                    establish(now);
                    return true;
                }
                return fsmError(now, BgpWire.FSM_UNEXPECTED_IN_OPENCONFIRM, type);
            }
            case ESTABLISHED -> {
                switch (type) {
                    case BgpWire.TYPE_KEEPALIVE, BgpWire.TYPE_UPDATE -> restartHold(now);
                    case BgpWire.TYPE_ROUTE_REFRESH -> {
                        restartHold(now);
                        refresh(decoded.refreshAfi(), decoded.refreshSafi(), now);
                    }
                    default -> {
                        return fsmError(now, BgpWire.FSM_UNEXPECTED_IN_ESTABLISHED, type);
                    }
                }
                return true;
            }
            default -> {
                return true;
            }
        }
    }

    private boolean fsmError(final long now, final int subcode, final int type) {
        dropSession(
                now,
                Notification.of(BgpWire.ERR_FSM, subcode),
                "unexpected message type " + type + " in " + state.rfcName());
        return false;
    }

    private boolean acceptOpen(final OpenMessage open, final long now) {
        final Notification bad = MessageDecoder.checkOpenAgainstConfig(open, peer.remoteAs(), speaker.routerId(), ibgp);
        if (bad != null) {
            dropSession(now, bad, "unacceptable OPEN (" + open.summary() + "): " + bad.describe());
            return false;
        }
        final int hold = Math.min(localHoldSeconds(), open.holdTime());
        holdMillis = hold * 1000L;
        // RFC 4271 §10: keepalive at a third of the hold time; a zero hold time means none at all.
        keepaliveMillis = hold == 0 ? 0 : Math.max(1000L, holdMillis / 3);
        attributes = buildAttributes(open);
        sendIpv4 = open.supportsIpv4Unicast() && attributes.nextHop4() != null;
        sendIpv6 = open.ipv6Unicast() && attributes.nextHop6() != null;
        Log.info(peer.name() + ": OPEN received: " + open.summary() + "; hold " + hold + " s, families"
                + (sendIpv4 ? " ipv4" : "") + (sendIpv6 ? " ipv6" : ""));
        setState(SessionState.OPEN_CONFIRM);
        sendKeepalive(now);
        restartHold(now);
        return true;
    }

    private PathAttributes buildAttributes(final OpenMessage open) {
        final InetAddress local = peer.localAddress() != null ? peer.localAddress() : conn.localAddress;
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

    private void establish(final long now) {
        establishedAt = now;
        setState(SessionState.ESTABLISHED);
        restartHold(now);
        Log.info(peer.name() + ": Established");
        syncRoutes(now);
        // RFC 4724 §2: End-of-RIB after the initial announcements, per family.
        if (sendIpv4) {
            UpdateEncoder.endOfRib(conn.out, BgpWire.AFI_IPV4);
        }
        if (sendIpv6) {
            UpdateEncoder.endOfRib(conn.out, BgpWire.AFI_IPV6);
        }
        afterSend(now);
    }

    private void restartHold(final long now) {
        holdDeadline = holdMillis == 0 ? Long.MAX_VALUE : now + holdMillis;
    }

    private void sendKeepalive(final long now) {
        MessageEncoder.keepalive(conn.out);
        afterSend(now);
    }

    /** Every message sent restarts the keepalive timer (RFC 4271 §4.4). */
    private void afterSend(final long now) {
        keepaliveDue = keepaliveMillis == 0 ? Long.MAX_VALUE : now + keepaliveMillis;
        if (conn != null && !conn.flush(now, error)) {
            dropSession(now, null, error[0]);
        }
    }

    private void refresh(final int afi, final int safi, final long now) {
        if (safi != BgpWire.SAFI_UNICAST || (afi != BgpWire.AFI_IPV4 && afi != BgpWire.AFI_IPV6)) {
            return; // RFC 2918 §4: ignore a refresh for a family we did not advertise.
        }
        final int length = afi == BgpWire.AFI_IPV4 ? 4 : 16;
        advertised.keySet().removeIf(a -> a.getAddress().length == length);
        countAdvertised();
        syncRoutes(now);
        UpdateEncoder.endOfRib(conn.out, afi);
        afterSend(now);
    }

    // ------------------------------------------------------------------ routes

    /**
     * Sends what it takes for the peer to hold exactly the speaker's current routes: withdrawals
     * first, then announcements grouped by attribute set (with or without GRACEFUL_SHUTDOWN).
     */
    public void syncRoutes(final long now) {
        if (state != SessionState.ESTABLISHED || conn == null) {
            return;
        }
        final Map<InetAddress, Boolean> want = routes.current();
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
            return;
        }
        for (final List<byte[]> l : List.of(withdraw4, withdraw6, normal4, gshut4, normal6, gshut6)) {
            l.sort(Arrays::compareUnsigned);
        }
        boolean ok = write(withdraw4, (from) -> UpdateEncoder.withdrawIpv4(conn.out, withdraw4, from));
        ok = ok && write(withdraw6, (from) -> UpdateEncoder.withdrawIpv6(conn.out, withdraw6, from));
        ok = ok && write(normal4, (from) -> UpdateEncoder.announceIpv4(conn.out, attributes, normal4, from, false));
        ok = ok && write(gshut4, (from) -> UpdateEncoder.announceIpv4(conn.out, attributes, gshut4, from, true));
        ok = ok && write(normal6, (from) -> UpdateEncoder.announceIpv6(conn.out, attributes, normal6, from, false));
        ok = ok && write(gshut6, (from) -> UpdateEncoder.announceIpv6(conn.out, attributes, gshut6, from, true));
        countAdvertised();
        if (!ok) {
            dropSession(
                    now,
                    Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_OUT_OF_RESOURCES),
                    "outbound buffer full: the peer is not reading");
            return;
        }
        Log.info(peer.name() + ": sent" + describe("withdraw", withdraw4, withdraw6)
                + describe("announce", normal4, normal6) + describe("announce+GRACEFUL_SHUTDOWN", gshut4, gshut6));
        afterSend(now);
    }

    private interface Chunk {
        int write(int from);
    }

    private boolean write(final List<byte[]> list, final Chunk chunk) {
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

    private void countAdvertised() {
        int v4 = 0;
        for (final InetAddress a : advertised.keySet()) {
            if (a.getAddress().length == 4) {
                v4++;
            }
        }
        advertisedV4 = v4;
        advertisedV6 = advertised.size() - v4;
        publish();
    }

    // ------------------------------------------------------------------ passive side and collisions

    /** An accepted connection from this peer's address. */
    void onAccepted(final Connection c, final long now) {
        if (adminDown) {
            reject(c, Notification.cease(BgpWire.CEASE_ADMINISTRATIVE_SHUTDOWN, "administratively down"));
            return;
        }
        if (bfdHeld) {
            reject(c, Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_CONNECTION_REJECTED));
            return;
        }
        if (conn == null) {
            conn = c;
            Log.info(peer.name() + ": accepted incoming connection");
            onTcpUp(now);
            return;
        }
        if (state == SessionState.ESTABLISHED || pendingInbound != null) {
            // RFC 4271 §6.8: an Established session wins over any new connection.
            reject(c, Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_CONNECTION_COLLISION_RESOLUTION));
            return;
        }
        if (state == SessionState.CONNECT) {
            // Our SYN has not been answered yet; the peer's connection is as good and already up.
            conn.close();
            conn = c;
            Log.info(peer.name() + ": accepted incoming connection (abandoning our pending connect)");
            onTcpUp(now);
            return;
        }
        pendingInbound = c;
        sendOpen(c, now);
        Log.info(peer.name() + ": incoming connection while " + state.rfcName() + ": collision, waiting for its OPEN");
    }

    private void reject(final Connection c, final Notification n) {
        MessageEncoder.notification(c.out, n);
        lastNotificationSent = n.describe();
        c.flushBlocking(CLOSE_FLUSH_MILLIS);
        c.close();
        publish();
    }

    private void onInboundReady(final short revents, final long now) {
        if ((revents & Libc.POLLOUT) != 0 && !pendingInbound.flush(now, error)) {
            closeInbound(null, error[0]);
            return;
        }
        if ((revents & (Libc.POLLIN | Libc.POLLERR | Libc.POLLHUP)) != 0) {
            readAndProcess(pendingInbound, now);
        }
    }

    private boolean onInboundMessage(final long now) {
        if (decoded.type() != BgpWire.TYPE_OPEN) {
            closeInbound(
                    decoded.type() == BgpWire.TYPE_NOTIFICATION
                            ? null
                            : Notification.of(BgpWire.ERR_FSM, BgpWire.FSM_UNEXPECTED_IN_OPENSENT),
                    "unexpected message before OPEN");
            return false;
        }
        final OpenMessage open = decoded.open();
        if (conn == null && (adminDown || bfdHeld)) {
            closeInbound(
                    adminDown
                            ? Notification.cease(BgpWire.CEASE_ADMINISTRATIVE_SHUTDOWN, "administratively down")
                            : Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_CONNECTION_REJECTED),
                    "session held down");
            return false;
        }
        if (conn == null) {
            // Our connection is gone already: the peer resolved the collision first and closed it
            // with a Cease (FRR does, whichever identifier is higher). Its connection is all there
            // is: the session goes on there, not on a reconnect.
            conn = pendingInbound;
            pendingInbound = null;
            Log.info(peer.name()
                    + ": collision resolved by the peer (it closed our connection): keeping its connection");
            setState(SessionState.OPEN_SENT);
            return acceptOpen(open, now);
        }
        // RFC 4271 §6.8: compare identifiers as unsigned integers; the connection initiated by the
        // higher one survives. The pending one was initiated by the peer.
        final boolean keepOurs =
                Integer.toUnsignedLong(speaker.routerId()) > Integer.toUnsignedLong(open.bgpIdentifier());
        final Notification collision =
                Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_CONNECTION_COLLISION_RESOLUTION);
        if (keepOurs) {
            closeInbound(collision, "collision resolved: keeping our connection (our identifier is higher)");
            return false;
        }
        final Connection winner = pendingInbound;
        pendingInbound = null;
        MessageEncoder.notification(conn.out, collision);
        conn.flushBlocking(CLOSE_FLUSH_MILLIS);
        conn.close();
        conn = winner;
        Log.info(peer.name() + ": collision resolved: keeping the peer's connection (its identifier is higher)");
        setState(SessionState.OPEN_SENT);
        return acceptOpen(open, now);
    }

    private void closeInbound(final Notification n, final String why) {
        final Connection c = pendingInbound;
        pendingInbound = null;
        if (n != null) {
            MessageEncoder.notification(c.out, n);
            c.flushBlocking(CLOSE_FLUSH_MILLIS);
        }
        c.close();
        Log.info(peer.name() + ": incoming connection closed: " + why);
    }

    // ------------------------------------------------------------------ ending sessions

    /** Before the session exists: schedule the next attempt. */
    private void fail(final long now, final String why) {
        if (conn != null) {
            conn.close();
            conn = null;
        }
        lastError = why;
        scheduleReconnect(now);
        Log.warn(peer.name() + ": " + why + "; next attempt in " + (nextConnectAt - now) + " ms");
    }

    private void scheduleReconnect(final long now) {
        holdDeadline = Long.MAX_VALUE;
        keepaliveDue = Long.MAX_VALUE;
        nextConnectAt = now + backoff.next();
        setState(peer.passive() ? SessionState.ACTIVE : SessionState.IDLE);
    }

    /**
     * Ends the session: sends {@code notification} if given, closes, forgets what the peer held
     * (the peer drops our routes with the session) and schedules a reconnect.
     */
    private void dropSession(final long now, final Notification notification, final String why) {
        final boolean wasEstablished = state == SessionState.ESTABLISHED;
        if (conn != null) {
            if (notification != null) {
                // Queued messages are whole, so the NOTIFICATION goes after them (a partly written
                // message cut short would desynchronise the peer); if the queue is full, say nothing.
                if (MessageEncoder.notification(conn.out, notification)) {
                    lastNotificationSent = notification.describe();
                }
                conn.flushBlocking(notification.code() == BgpWire.ERR_SEND_HOLD_TIMER_EXPIRED ? 0 : CLOSE_FLUSH_MILLIS);
            }
            conn.close();
            conn = null;
        }
        if (wasEstablished) {
            flaps++;
            if (now - establishedAt >= STABLE_SESSION_MILLIS) {
                backoff.reset();
            }
        }
        advertised.clear();
        advertisedV4 = 0;
        advertisedV6 = 0;
        lastError = why;
        if (adminDown) {
            holdDeadline = Long.MAX_VALUE;
            keepaliveDue = Long.MAX_VALUE;
            setState(SessionState.IDLE);
            Log.info(peer.name() + ": session closed: " + why);
            return;
        }
        scheduleReconnect(now);
        Log.warn(peer.name() + ": session down" + (wasEstablished ? " (was Established)" : "") + ": " + why
                + (notification != null ? "; sent " + notification.describe() : "")
                + "; next attempt in " + (nextConnectAt - now)
                + " ms");
    }

    /**
     * Administrative stop: Cease/Administrative Shutdown with {@code message} (RFC 9003) and no
     * reconnect until {@link #adminUp}.
     */
    public void adminShutdown(final String message, final long now) {
        adminDown = true;
        if (pendingInbound != null) {
            closeInbound(Notification.cease(BgpWire.CEASE_ADMINISTRATIVE_SHUTDOWN, message), "administrative shutdown");
        }
        if (conn != null && state != SessionState.CONNECT) {
            dropSession(
                    now,
                    Notification.cease(BgpWire.CEASE_ADMINISTRATIVE_SHUTDOWN, message),
                    "administrative shutdown: " + message);
        } else {
            if (conn != null) {
                conn.close();
                conn = null;
            }
            holdDeadline = Long.MAX_VALUE;
            keepaliveDue = Long.MAX_VALUE;
            setState(SessionState.IDLE);
        }
    }

    /**
     * A reason to try at once: ends an administrative stop, and makes an idle session waiting
     * out its backoff connect now with the backoff back at its start. A session that is
     * connecting or up is left alone.
     */
    public void reconnectNow(final long now) {
        if (adminDown) {
            adminUp(now);
            return;
        }
        if (conn == null && (state == SessionState.IDLE || state == SessionState.ACTIVE)) {
            backoff.reset();
            nextConnectAt = now;
        }
    }

    /**
     * BFD declared the path down after having been Up: end the session with Cease/BFD Down
     * (RFC 9384) and open none until {@link #bfdUp}, as bird2 and FRR do with BFD on a neighbour.
     */
    public void bfdDown(final long now, final String why) {
        bfdHeld = true;
        if (pendingInbound != null) {
            closeInbound(Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_BFD_DOWN), why);
        }
        if (conn != null && state != SessionState.CONNECT) {
            dropSession(now, Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_BFD_DOWN), why);
        } else if (conn != null) {
            conn.close();
            conn = null;
            scheduleReconnect(now);
        }
        lastError = why + "; BGP held down until BFD is Up";
        Log.warn(peer.name() + ": " + lastError);
        publish();
    }

    /** BFD is Up (again): connect at once if {@link #bfdDown} held the session. */
    public void bfdUp(final long now) {
        if (bfdHeld) {
            bfdHeld = false;
            backoff.reset();
            nextConnectAt = now;
            Log.info(peer.name() + ": BFD Up, BGP may connect again");
        }
    }

    public void adminUp(final long now) {
        adminDown = false;
        backoff.reset();
        nextConnectAt = now;
        setState(peer.passive() ? SessionState.ACTIVE : SessionState.IDLE);
    }

    /** Closes sockets without a word (speaker thread exiting). */
    void closeQuietly() {
        if (conn != null) {
            conn.close();
            conn = null;
        }
        if (pendingInbound != null) {
            pendingInbound.close();
            pendingInbound = null;
        }
    }

    // ------------------------------------------------------------------ status

    private void setState(final SessionState next) {
        if (next != state) {
            state = next;
            stateSince = System.currentTimeMillis();
        }
        publish();
    }

    private void publish() {
        status = new PeerStatus(
                peer.name(),
                peer.remoteAs(),
                state.rfcName(),
                state.ordinal(),
                stateSince,
                flaps,
                advertisedV4,
                advertisedV6,
                lastNotificationSent,
                lastNotificationReceived,
                lastError,
                state == SessionState.ESTABLISHED ? (int) (holdMillis / 1000) : -1);
    }
}
