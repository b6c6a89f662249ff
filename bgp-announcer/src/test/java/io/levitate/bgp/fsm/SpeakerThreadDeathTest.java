package io.levitate.bgp.fsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.wire.BgpWire;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A bug that escapes the speaker's loop must not leave the process running with its BGP sessions
 * open and nobody driving them (the routers would keep our routes until their hold timer): the
 * speaker closes its sockets, so the peer sees the session end at once, and tells its fatal
 * handler, which in the process ends it. A scripted peer on loopback, plain sockets.
 */
class SpeakerThreadDeathTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private record Death(String thread, Throwable cause) {}

    @Test
    void anExceptionInTheLoopClosesTheSessionsAndCallsTheFatalHandler() throws Exception {
        try (ServerSocket peerListener = new ServerSocket(0, 1, LOOPBACK)) {
            final PeerConfig peer =
                    new PeerConfig(LOOPBACK, 65000, peerListener.getLocalPort(), null, null, null, null, false, -1);
            final SpeakerConfig config = new SpeakerConfig(
                    65001, (10 << 24) | 2, 3, 200, 1500, 0, new int[0], new int[0], -1, null, List.of(peer));
            final CompletableFuture<Death> death = new CompletableFuture<>();
            try (BgpSpeaker speaker = new BgpSpeaker(
                                    config, (thread, cause) -> death.complete(new Death(thread, cause)))
                            .start();
                    Socket session = accept(peerListener)) {
                assertEquals(BgpWire.TYPE_OPEN, readType(session), "the speaker's OPEN");
                final IllegalStateException bug = new IllegalStateException("a bug in a command");
                speaker.submit(now -> {
                    throw bug;
                });
                final Death d = death.get(5, TimeUnit.SECONDS);
                assertEquals("bgp-speaker", d.thread());
                assertSame(bug, d.cause());
                assertTrue(closedByPeer(session), "the speaker's connection must be closed");
            }
        }
    }

    private static Socket accept(final ServerSocket listener) throws IOException {
        listener.setSoTimeout(5_000);
        final Socket s = listener.accept();
        s.setSoTimeout(5_000);
        return s;
    }

    /** True when the other end closed S (EOF or reset) within the socket's timeout; false on data or timeout. */
    private static boolean closedByPeer(final Socket s) throws IOException {
        final InputStream in = s.getInputStream();
        try {
            while (true) {
                final int b = in.read();
                if (b < 0) {
                    return true;
                }
                // A KEEPALIVE may still be in flight: skip whole bytes until the close.
            }
        } catch (final java.net.SocketTimeoutException e) {
            return false;
        } catch (final SocketException reset) {
            return true;
        }
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
}
