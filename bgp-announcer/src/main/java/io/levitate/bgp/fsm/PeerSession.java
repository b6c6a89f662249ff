package io.levitate.bgp.fsm;

import io.levitate.bgp.Log;
import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.PeerStatus;
import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.net.Libc;
import io.levitate.bgp.wire.BgpWire;
import io.levitate.bgp.wire.DecodeResult;
import io.levitate.bgp.wire.MessageDecoder;
import io.levitate.bgp.wire.MessageEncoder;
import io.levitate.bgp.wire.Notification;
import io.levitate.bgp.wire.OpenMessage;
import io.levitate.bgp.wire.UpdateEncoder;

/**
 * The RFC 4271 §8 state machine of one peer, driven by the speaker thread: timers through
 * {@link #onTimers}, socket readiness through {@link #onReady}, route changes through
 * {@link #syncRoutes}. A route change only ever produces UPDATEs; only errors, timers, the peer,
 * or an administrative stop end a session.
 *
 * <p>Owns: the session's state, its main connection and message reading, the timers (connect,
 * hold, keepalive, RFC 9687 send hold, reconnect backoff), OPEN negotiation, the ends of a session
 * (NOTIFICATION, administrative stop, BFD Down) and the published {@link PeerStatus}. What the
 * peer holds from us and the UPDATEs that change it are {@link AdjRibOut}'s; connections the peer
 * opens to our listener and collisions (RFC 4271 §6.8) are {@link InboundConnection}'s.
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
    /** The peer's connections to our listener, and collisions. */
    private final InboundConnection inbound;

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

    /** What the peer holds from us, and the UPDATEs that change it. */
    private final AdjRibOut ribOut;

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
        this.ribOut = new AdjRibOut(peer.name());
        this.inbound = new InboundConnection(this, peer.name(), speaker.routerId());
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
        n += inbound.pollDescriptors(fds, events, n);
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
        } else if (inbound.owns(fd)) {
            inbound.onReady(revents, now, error);
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

    void sendOpen(final Connection c, final long now) {
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

    void readAndProcess(final Connection c, final long now) {
        while (!c.closed) {
            final int n = c.read(error);
            if (n < 0) {
                if (c == conn) {
                    dropSession(now, null, error[0]);
                } else {
                    inbound.close(null, error[0]);
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
                    inbound.close(n, "malformed message on incoming connection: " + n.describe());
                }
                return false;
            }
            final int length = decoded.length();
            alive = c == conn ? onMessage(now) : inbound.onMessage(decoded, now);
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
        ribOut.negotiated(open, peer, speaker, ibgp, conn.localAddress);
        Log.info(peer.name() + ": OPEN received: " + open.summary() + "; hold " + hold + " s, families"
                + (ribOut.sendsIpv4() ? " ipv4" : "") + (ribOut.sendsIpv6() ? " ipv6" : ""));
        setState(SessionState.OPEN_CONFIRM);
        sendKeepalive(now);
        restartHold(now);
        return true;
    }

    private void establish(final long now) {
        establishedAt = now;
        setState(SessionState.ESTABLISHED);
        restartHold(now);
        Log.info(peer.name() + ": Established");
        syncRoutes(now);
        // RFC 4724 §2: End-of-RIB after the initial announcements, per family.
        ribOut.endOfRib(conn);
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
        ribOut.forgetFamily(afi);
        publish();
        syncRoutes(now);
        UpdateEncoder.endOfRib(conn.out, afi);
        afterSend(now);
    }

    // ------------------------------------------------------------------ routes

    /**
     * Sends what it takes for the peer to hold exactly the speaker's current routes (see
     * {@link AdjRibOut#sync}); a peer that does not read them loses the session.
     */
    public void syncRoutes(final long now) {
        if (state != SessionState.ESTABLISHED || conn == null) {
            return;
        }
        final AdjRibOut.Sync result = ribOut.sync(routes.current(), conn);
        if (result == AdjRibOut.Sync.NOTHING) {
            return;
        }
        publish();
        if (result == AdjRibOut.Sync.BUFFER_FULL) {
            dropSession(
                    now,
                    Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_OUT_OF_RESOURCES),
                    "outbound buffer full: the peer is not reading");
            return;
        }
        afterSend(now);
    }

    // ------------------------------------------------------------------ passive side and collisions

    /** An accepted connection from this peer's address: see {@link InboundConnection#onAccepted}. */
    void onAccepted(final Connection c, final long now) {
        inbound.onAccepted(c, now);
    }

    boolean isAdminDown() {
        return adminDown;
    }

    boolean isBfdHeld() {
        return bfdHeld;
    }

    /** The session's own connection (ours, or an accepted one it went on with), or null. */
    Connection connection() {
        return conn;
    }

    /** The session goes on over connection {@code c} the peer opened (ours, if any, abandoned unanswered). */
    void useAccepted(final Connection c, final long now, final String why) {
        if (conn != null) {
            conn.close();
        }
        conn = c;
        Log.info(peer.name() + ": " + why);
        onTcpUp(now);
    }

    /**
     * A collision was resolved for the peer's connection {@code winner}, whose {@code open} just
     * arrived: ours (if still there) gets {@code toOurs} and is closed, the session goes on over
     * the winner from OpenSent. False when the session ended (an unacceptable OPEN).
     */
    boolean goOnOver(
            final Connection winner,
            final OpenMessage open,
            final Notification toOurs,
            final long now,
            final String why) {
        if (conn != null) {
            MessageEncoder.notification(conn.out, toOurs);
            conn.flushBlocking(CLOSE_FLUSH_MILLIS);
            conn.close();
        }
        conn = winner;
        Log.info(peer.name() + ": " + why);
        setState(SessionState.OPEN_SENT);
        return acceptOpen(open, now);
    }

    /** A NOTIFICATION went out on a connection the session does not keep. */
    void notificationSent(final Notification n) {
        lastNotificationSent = n.describe();
        publish();
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
        ribOut.clear();
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
        inbound.closeIfAny(
                Notification.cease(BgpWire.CEASE_ADMINISTRATIVE_SHUTDOWN, message), "administrative shutdown");
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
        inbound.closeIfAny(Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_BFD_DOWN), why);
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
        inbound.closeQuietly();
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
                ribOut.advertisedV4(),
                ribOut.advertisedV6(),
                lastNotificationSent,
                lastNotificationReceived,
                lastError,
                state == SessionState.ESTABLISHED ? (int) (holdMillis / 1000) : -1);
    }
}
