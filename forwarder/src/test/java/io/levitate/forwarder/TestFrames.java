package io.levitate.forwarder;

import io.levitate.packet.Checksums;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;

/** Builds well-formed test frames (checksums included) on heap buffers. */
final class TestFrames {
    static final byte[] GATEWAY_MAC = {0x02, 0, 0, 0, 0, 0x01};
    static final byte[] CLIENT_MAC = {0x02, 0, 0, 0, 0, 0x02};
    static final byte[] PORT_MAC = {0x02, 0x70, 0x63, 0x61, 0x70, 0x00}; // net_pcap0's MAC

    private TestFrames() {}

    static byte[] ip(final String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (final java.net.UnknownHostException ex) {
            throw new IllegalArgumentException(ex);
        }
    }

    /** TCP (proto 6) or UDP (17) over IPv4 or IPv6 (by the address length), with a small payload. */
    static byte[] l4(
            final String src, final String dst, final int proto, final int sport, final int dport, final int flags) {
        final byte[] s = ip(src);
        final byte[] d = ip(dst);
        final byte[] payload = "levitate".getBytes();
        final int l4Length = (proto == 6 ? 20 : 8) + payload.length;
        final ByteBuffer l4 = ByteBuffer.allocate(l4Length);
        if (proto == 6) {
            l4.putShort((short) sport)
                    .putShort((short) dport)
                    .putInt(1)
                    .putInt(flags == 0x02 ? 0 : 1)
                    .put((byte) 0x50)
                    .put((byte) flags)
                    .putShort((short) 64240)
                    .putShort((short) 0)
                    .putShort((short) 0);
        } else {
            l4.putShort((short) sport)
                    .putShort((short) dport)
                    .putShort((short) l4Length)
                    .putShort((short) 0);
        }
        l4.put(payload);
        return ethernet(s.length == 4 ? 0x0800 : 0x86DD, ipPacket(s, d, proto, l4.array(), proto == 6 ? 16 : 6, 64));
    }

    /** An IP packet around an upper-layer message; fills the upper-layer checksum at {@code checksumAt}. */
    static byte[] ipPacket(
            final byte[] s, final byte[] d, final int proto, final byte[] upper, final int checksumAt, final int ttl) {
        final boolean v4 = s.length == 4;
        final int header = v4 ? 20 : 40;
        final ByteBuffer b = ByteBuffer.allocate(header + upper.length);
        if (v4) {
            b.put((byte) 0x45)
                    .put((byte) 0)
                    .putShort((short) (20 + upper.length))
                    .putShort((short) 0x1234)
                    .putShort((short) 0x4000)
                    .put((byte) ttl)
                    .put((byte) proto)
                    .putShort((short) 0)
                    .put(s)
                    .put(d);
        } else {
            b.putInt(0x6000_0000)
                    .putShort((short) upper.length)
                    .put((byte) proto)
                    .put((byte) ttl)
                    .put(s)
                    .put(d);
        }
        b.put(upper);
        final byte[] packet = b.array();
        final MemorySegment seg = MemorySegment.ofArray(packet);
        if (v4) {
            final int sum = Checksums.ipv4Header(seg, 0, 20);
            packet[10] = (byte) (sum >>> 8);
            packet[11] = (byte) sum;
        }
        if (checksumAt >= 0) {
            final long pseudo = v4
                    ? Checksums.pseudoHeaderV4(
                            ByteBuffer.wrap(s).getInt(), ByteBuffer.wrap(d).getInt(), proto, upper.length)
                    : Checksums.pseudoHeaderV6(seg, 8, proto, upper.length);
            int sum = proto == 1
                    ? Checksums.icmpV4(seg, header, upper.length)
                    : Checksums.upperLayer(seg, header, upper.length, checksumAt, pseudo);
            if (proto == 17) {
                sum = Checksums.udpOnWire(sum);
            }
            packet[header + checksumAt] = (byte) (sum >>> 8);
            packet[header + checksumAt + 1] = (byte) sum;
        }
        return packet;
    }

    /**
     * The gateways introducing themselves (an ARP reply from 10.0.1.1 to 10.0.1.2, a neighbour
     * advertisement for fd00:1::1), as a capture starts so that tunnels have a next hop.
     */
    static List<byte[]> gatewaysIntroduced() {
        final ByteBuffer na = ByteBuffer.allocate(32)
                .put((byte) 136)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(0x60000000)
                .put(ip("fd00:1::1"))
                .put((byte) 2)
                .put((byte) 1)
                .put(GATEWAY_MAC);
        return List.of(
                arp(2, GATEWAY_MAC, "10.0.1.1", PORT_MAC, "10.0.1.2"),
                ethernet(0x86DD, ipPacket(ip("fe80::1"), ip("fd00:1::2"), 58, na.array(), 2, 255)));
    }

    static byte[] ethernet(final int type, final byte[] payload) {
        final int length = Math.max(60, 14 + payload.length);
        final ByteBuffer b = ByteBuffer.allocate(length);
        b.put(PORT_MAC).put(CLIENT_MAC).putShort((short) type).put(payload);
        return b.array();
    }

    static byte[] arp(
            final int op,
            final byte[] senderMac,
            final String senderIp,
            final byte[] targetMac,
            final String targetIp) {
        final ByteBuffer b = ByteBuffer.allocate(60);
        b.put(op == 1 ? new byte[] {-1, -1, -1, -1, -1, -1} : PORT_MAC)
                .put(senderMac)
                .putShort((short) 0x0806)
                .putShort((short) 1)
                .putShort((short) 0x0800)
                .put((byte) 6)
                .put((byte) 4)
                .putShort((short) op)
                .put(senderMac)
                .put(ip(senderIp))
                .put(targetMac)
                .put(ip(targetIp));
        return b.array();
    }

    /** ICMP "fragmentation needed" from a router, quoting a packet the VIP sent to a client (DSR reply path). */
    static byte[] icmpTooBig(
            final String router,
            final String vip,
            final String client,
            final int vipPort,
            final int clientPort,
            final int mtu) {
        final byte[] quoted = ipPacket(
                ip(vip),
                ip(client),
                6,
                ByteBuffer.allocate(20)
                        .putShort((short) vipPort)
                        .putShort((short) clientPort)
                        .putInt(7)
                        .putInt(9)
                        .put((byte) 0x50)
                        .put((byte) 0x10)
                        .putShort((short) 100)
                        .putInt(0)
                        .array(),
                16,
                60);
        final ByteBuffer icmp = ByteBuffer.allocate(8 + 28);
        icmp.put((byte) 3)
                .put((byte) 4)
                .putShort((short) 0)
                .putShort((short) 0)
                .putShort((short) mtu)
                .put(quoted, 0, 28);
        return ethernet(0x0800, ipPacket(ip(router), ip(vip), 1, icmp.array(), 2, 64));
    }
}
