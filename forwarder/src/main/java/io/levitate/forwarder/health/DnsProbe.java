package io.levitate.forwarder.health;

import io.levitate.forwarder.config.HealthCheckConfig;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A dns check: one query over UDP from a fresh ephemeral port, with a random id, to the backend.
 *
 * <p>The socket is connected, so the kernel hands it only datagrams from the backend's address
 * and port (and an ICMP port unreachable fails the probe at once). A datagram that is not an
 * answer to this query ({@link DnsMessage#answerCode}: wrong id, not a response, another question,
 * garbage) is ignored and the probe keeps waiting until its deadline; the first answer decides:
 * the backend passes when its RCODE is the expected one. A random id and port per probe make an
 * off-path spoofed "healthy" reply a guess of about 2^32.
 */
final class DnsProbe {
    static final int DEFAULT_PORT = 53;
    /** Room for any answer without EDNS, and more: a longer one is truncated, which changes nothing. */
    private static final int RECEIVE_BUFFER = 4096;

    private DnsProbe() {}

    /** Null when the answer came with the expected RCODE before {@code deadline} (nanoTime), else why not. */
    static String probe(
            final InetAddress address,
            final int port,
            final HealthCheckConfig.Dns dns,
            final long deadline,
            final Random random) {
        return probe(null, address, port, dns, deadline, random);
    }

    /** @param local where the socket is bound (a health check through the tunnel), or null for anywhere */
    static String probe(
            final java.net.InetSocketAddress local,
            final InetAddress address,
            final int port,
            final HealthCheckConfig.Dns dns,
            final long deadline,
            final Random random) {
        final byte[] query = new byte[DnsMessage.MAX_QUERY_LENGTH];
        final int queryLength =
                DnsMessage.encodeQuery(query, random.nextInt(0x10000), dns.queryName(), dns.queryType());
        final byte[] reply = new byte[RECEIVE_BUFFER];
        int ignored = 0;
        try (DatagramSocket socket = local != null ? new DatagramSocket(local) : new DatagramSocket()) {
            socket.connect(address, port);
            socket.send(new DatagramPacket(query, queryLength));
            while (true) {
                final long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return noAnswer(ignored);
                }
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
                final DatagramPacket packet = new DatagramPacket(reply, reply.length);
                socket.receive(packet);
                final int rcode = DnsMessage.answerCode(query, queryLength, reply, packet.getLength());
                if (rcode == DnsMessage.NOT_AN_ANSWER) {
                    ignored++;
                    continue;
                }
                return rcode == dns.expectRcode()
                        ? null
                        : "answered " + DnsMessage.rcodeName(rcode) + ", expected "
                                + DnsMessage.rcodeName(dns.expectRcode());
            }
        } catch (final SocketTimeoutException ex) {
            return noAnswer(ignored);
        } catch (final PortUnreachableException ex) {
            return "port unreachable";
        } catch (final IOException ex) {
            return "DNS: "
                    + (ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName());
        }
    }

    private static String noAnswer(final int ignored) {
        return "no answer within the timeout"
                + (ignored > 0 ? " (" + ignored + " datagram(s) that were not one ignored)" : "");
    }
}
