package io.levitate.bgp.fsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.PeerStatus;
import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.wire.BgpWire;
import io.levitate.bgp.wire.MessageEncoder;
import io.levitate.bgp.wire.Notification;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A connection collision that the peer resolves first: both sides connected, the peer closes our
 * connection with Cease/Connection Collision Resolution before its OPEN arrives on its own one
 * (FRR's bgpd does this in the lab). The session must go on over the peer's connection; the
 * speaker once dereferenced the connection it had just dropped there and its thread died.
 * A scripted peer on loopback, plain sockets.
 */
class CollisionResolvedByPeerTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** The peer's identifier, 10.100.0.1: higher than the speaker's, so its connection is the one to keep anyway. */
    private static final int PEER_ID = (10 << 24) | (100 << 16) | 1;

    @Test
    void theSessionGoesOnOverThePeersConnection() throws Exception {
        final int listenPort;
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            listenPort = probe.getLocalPort();
        }
        try (ServerSocket peerListener = new ServerSocket(0, 1, LOOPBACK)) {
            final PeerConfig peer =
                    new PeerConfig(LOOPBACK, 65000, peerListener.getLocalPort(), null, null, null, null, false, -1);
            final SpeakerConfig config = new SpeakerConfig(
                    65001,
                    (10 << 24) | 2,
                    3,
                    200,
                    1500,
                    0,
                    new int[0],
                    new int[0],
                    -1,
                    new InetSocketAddress(LOOPBACK, listenPort),
                    List.of(peer));
            try (BgpSpeaker speaker = new BgpSpeaker(config).start();
                    Socket ours = accept(peerListener)) {
                // The speaker's connection: its OPEN (so it is in OpenSent), unanswered. Then the
                // peer's own: the speaker sees a collision and sends its OPEN there too.
                assertEquals(BgpWire.TYPE_OPEN, readType(ours));
                @SuppressWarnings("resource") // closed below, with the speaker
                final Socket theirs = new Socket(LOOPBACK, listenPort);
                theirs.setSoTimeout(5_000);
                assertEquals(BgpWire.TYPE_OPEN, readType(theirs));
                // The peer resolves the collision: a Cease on the speaker's connection, closed.
                send(
                        ours,
                        b -> MessageEncoder.notification(
                                b, Notification.of(BgpWire.ERR_CEASE, BgpWire.CEASE_CONNECTION_COLLISION_RESOLUTION)));
                ours.close();
                until(
                        () -> status(speaker).lastNotificationReceived() != null
                                && status(speaker).lastNotificationReceived().contains("Collision"),
                        speaker);
                // Then its OPEN and KEEPALIVE on its own connection: Established there.
                send(theirs, b -> MessageEncoder.open(b, 65000, 3, PEER_ID, true, false, -1));
                send(theirs, MessageEncoder::keepalive);
                until(() -> status(speaker).established(), speaker);
                assertEquals(BgpWire.TYPE_KEEPALIVE, readType(theirs));
                assertTrue(
                        speaker.status().get(0).established(), status(speaker).toString());
                theirs.close();
            }
        }
    }

    private static Socket accept(final ServerSocket listener) throws IOException {
        listener.setSoTimeout(5_000);
        final Socket s = listener.accept();
        s.setSoTimeout(5_000);
        return s;
    }

    private static PeerStatus status(final BgpSpeaker speaker) {
        return speaker.status().get(0);
    }

    /** The type of the next whole message on S (its body skipped). */
    private static int readType(final Socket s) throws IOException {
        final DataInputStream in = new DataInputStream(s.getInputStream());
        final byte[] header = new byte[19];
        in.readFully(header);
        final int length = ((header[16] & 0xff) << 8) | (header[17] & 0xff);
        in.readFully(new byte[length - 19]);
        return header[18] & 0xff;
    }

    private interface Encoder {
        boolean encode(ByteBuffer out);
    }

    private static void send(final Socket s, final Encoder encoder) throws IOException {
        final ByteBuffer b = ByteBuffer.allocate(4096);
        assertTrue(encoder.encode(b));
        final OutputStream out = s.getOutputStream();
        out.write(b.array(), 0, b.position());
        out.flush();
    }

    private static void until(final BooleanSupplier condition, final BgpSpeaker speaker) throws InterruptedException {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 5 s: " + speaker.status());
            Thread.sleep(10);
        }
    }
}
