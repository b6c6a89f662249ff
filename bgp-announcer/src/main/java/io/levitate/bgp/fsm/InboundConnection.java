package io.levitate.bgp.fsm;

import io.levitate.bgp.Log;
import io.levitate.bgp.net.Libc;
import io.levitate.bgp.wire.BgpWire;
import io.levitate.bgp.wire.DecodeResult;
import io.levitate.bgp.wire.MessageEncoder;
import io.levitate.bgp.wire.Notification;
import io.levitate.bgp.wire.OpenMessage;

/**
 * The passive side of one peer's session and connection collisions (RFC 4271 §6.8): what to do
 * with a connection the peer opened to our listener, and the one such connection that is kept
 * aside while our own is not yet Established, until its OPEN shows the peer's BGP identifier. The
 * connection opened by the speaker with the higher identifier survives; the other gets
 * Cease/Connection Collision Resolution. {@link PeerSession} owns the state machine and the main
 * connection and hands this class the accepted connections and the messages read on the pending
 * one; this class tells the session which connection to go on with. Speaker thread only.
 */
final class InboundConnection {
    private final PeerSession session;
    private final String peerName;
    private final int routerId;
    /** The peer's connection kept aside during a collision, or null. */
    private Connection pending;

    InboundConnection(final PeerSession session, final String peerName, final int routerId) {
        this.session = session;
        this.peerName = peerName;
        this.routerId = routerId;
    }

    Connection pending() {
        return pending;
    }

    /** The pending connection's descriptor and the events wanted; 0 or 1 added. */
    int pollDescriptors(final int[] fds, final short[] events, final int at) {
        if (pending == null) {
            return 0;
        }
        fds[at] = pending.fd;
        events[at] = (short) (Libc.POLLIN | (pending.hasPendingOutput() ? Libc.POLLOUT : 0));
        return 1;
    }

    boolean owns(final int fd) {
        return pending != null && fd == pending.fd;
    }

    /** An accepted connection from this peer's address. */
    void onAccepted(final Connection c, final long now) {
        if (session.isAdminDown()) {
            reject(c, Notification.cease(BgpWire.CEASE_ADMINISTRATIVE_SHUTDOWN, "administratively down"));
            return;
        }
        if (session.isBfdHeld()) {
            reject(c, Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_CONNECTION_REJECTED));
            return;
        }
        final Connection ours = session.connection();
        if (ours == null) {
            session.useAccepted(c, now, "accepted incoming connection");
            return;
        }
        final SessionState state = session.state();
        if (state == SessionState.ESTABLISHED || pending != null) {
            // RFC 4271 §6.8: an Established session wins over any new connection.
            reject(c, Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_CONNECTION_COLLISION_RESOLUTION));
            return;
        }
        if (state == SessionState.CONNECT) {
            // Our SYN has not been answered yet; the peer's connection is as good and already up.
            session.useAccepted(c, now, "accepted incoming connection (abandoning our pending connect)");
            return;
        }
        pending = c;
        session.sendOpen(c, now);
        Log.info(peerName + ": incoming connection while " + state.rfcName() + ": collision, waiting for its OPEN");
    }

    private void reject(final Connection c, final Notification n) {
        MessageEncoder.notification(c.out, n);
        session.notificationSent(n);
        c.flushBlocking(PeerSession.CLOSE_FLUSH_MILLIS);
        c.close();
    }

    /** Poll results for the pending connection. */
    void onReady(final short revents, final long now, final String[] error) {
        if ((revents & Libc.POLLOUT) != 0 && !pending.flush(now, error)) {
            close(null, error[0]);
            return;
        }
        if ((revents & (Libc.POLLIN | Libc.POLLERR | Libc.POLLHUP)) != 0) {
            session.readAndProcess(pending, now);
        }
    }

    /**
     * A whole message on the pending connection: only its OPEN is expected, and decides the
     * collision. False when the pending connection was closed (the session's own goes on, if any).
     */
    boolean onMessage(final DecodeResult decoded, final long now) {
        if (decoded.type() != BgpWire.TYPE_OPEN) {
            close(
                    decoded.type() == BgpWire.TYPE_NOTIFICATION
                            ? null
                            : Notification.of(BgpWire.ERR_FSM, BgpWire.FSM_UNEXPECTED_IN_OPENSENT),
                    "unexpected message before OPEN");
            return false;
        }
        final OpenMessage open = decoded.open();
        final boolean adminDown = session.isAdminDown();
        if (session.connection() == null && (adminDown || session.isBfdHeld())) {
            close(
                    adminDown
                            ? Notification.cease(BgpWire.CEASE_ADMINISTRATIVE_SHUTDOWN, "administratively down")
                            : Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_CONNECTION_REJECTED),
                    "session held down");
            return false;
        }
        if (session.connection() == null) {
            // Our connection is gone already: the peer resolved the collision first and closed it
            // with a Cease (FRR does, whichever identifier is higher). Its connection is all there
            // is: the session goes on there, not on a reconnect.
            final Connection winner = pending;
            pending = null;
            return session.goOnOver(
                    winner,
                    open,
                    null,
                    now,
                    "collision resolved by the peer (it closed our connection): keeping its connection");
        }
        // RFC 4271 §6.8: compare identifiers as unsigned integers; the connection initiated by the
        // higher one survives. The pending one was initiated by the peer.
        final boolean keepOurs = Integer.toUnsignedLong(routerId) > Integer.toUnsignedLong(open.bgpIdentifier());
        final Notification collision =
                Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_CONNECTION_COLLISION_RESOLUTION);
        if (keepOurs) {
            close(collision, "collision resolved: keeping our connection (our identifier is higher)");
            return false;
        }
        final Connection winner = pending;
        pending = null;
        return session.goOnOver(
                winner,
                open,
                collision,
                now,
                "collision resolved: keeping the peer's connection (its identifier is higher)");
    }

    /** Closes the pending connection, after {@code n} if given. */
    void close(final Notification n, final String why) {
        final Connection c = pending;
        pending = null;
        if (n != null) {
            MessageEncoder.notification(c.out, n);
            c.flushBlocking(PeerSession.CLOSE_FLUSH_MILLIS);
        }
        c.close();
        Log.info(peerName + ": incoming connection closed: " + why);
    }

    /** As {@link #close} when there is a pending connection. */
    void closeIfAny(final Notification n, final String why) {
        if (pending != null) {
            close(n, why);
        }
    }

    /** Closes the pending connection without a word (speaker thread exiting). */
    void closeQuietly() {
        if (pending != null) {
            pending.close();
            pending = null;
        }
    }
}
