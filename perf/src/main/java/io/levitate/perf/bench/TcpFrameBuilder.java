package io.levitate.perf.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes one Ethernet + IPv4/IPv6 + TCP frame into a reused buffer, checksums included. Used
 * only offline, by {@link PcapGenerator} and to set up {@code lb.BurstPathBenchmark}'s frames, so it
 * favours plain, readable code over speed.
 *
 * <p>Frame size follows RFC 2544: a "64-byte frame" counts the 4-byte FCS the NIC appends, so
 * the bytes captured in a pcap are {@code frameSize - 4}. The IP total length covers everything
 * after the Ethernet header (the extra bytes are zero TCP payload, not an Ethernet trailer), so
 * every byte of the frame belongs to the packet and no dissector reports padding.
 */
public final class TcpFrameBuilder {
    /** Ethernet FCS: on the wire, not in the capture. */
    static final int FCS_LENGTH = 4;

    static final int ETHERNET_HEADER_LENGTH = 14;
    /** RFC 791: 20 bytes without options. */
    static final int IPV4_HEADER_LENGTH = 20;
    /** RFC 8200: fixed 40-byte header. */
    static final int IPV6_HEADER_LENGTH = 40;
    /** RFC 9293: 20 bytes without options. */
    static final int TCP_HEADER_LENGTH = 20;
    /** Smallest frame (with FCS) holding Ethernet + IPv4 + TCP: 58 rounds up to Ethernet's 64. */
    public static final int MIN_FRAME_IPV4 = 64;
    /** Ethernet + IPv6 + TCP + FCS = 78, above Ethernet's 64-byte minimum. */
    public static final int MIN_FRAME_IPV6 =
            ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + TCP_HEADER_LENGTH + FCS_LENGTH;

    static final int MAX_FRAME = 1518;

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86DD;
    static final int PROTO_TCP = 6;
    static final int TCP_FLAG_SYN = 0x02;
    public static final int TCP_FLAG_ACK = 0x10;
    /** Locally administered unicast MACs: no real vendor, never multicast. */
    static final byte[] SRC_MAC = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

    static final byte[] DST_MAC = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

    private final boolean ipv6;
    private final int capturedLength;
    private final byte[] frame;
    private final ByteBuffer buffer;

    public TcpFrameBuilder(boolean ipv6, int frameSize) {
        int min = ipv6 ? MIN_FRAME_IPV6 : MIN_FRAME_IPV4;
        if (frameSize < min || frameSize > MAX_FRAME) {
            throw new IllegalArgumentException("frame size " + frameSize + " outside [" + min + ", " + MAX_FRAME
                    + "] for " + (ipv6 ? "IPv6" : "IPv4") + " + TCP");
        }
        this.ipv6 = ipv6;
        this.capturedLength = frameSize - FCS_LENGTH;
        this.frame = new byte[capturedLength];
        this.buffer = ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN);
    }

    public int capturedLength() {
        return capturedLength;
    }

    /** The frame built by the last call to a {@code build} method (reused buffer). */
    public byte[] frame() {
        return frame;
    }

    /**
     * Builds a TCP segment. Addresses: for IPv4 the low 32 bits of {@code srcLow}/{@code dstLow};
     * for IPv6 {@code prefixHigh} is the upper 64 bits of both addresses, the low halves are
     * {@code srcLow}/{@code dstLow}.
     */
    public void build(
            long prefixHigh,
            long srcLow,
            long dstLow,
            int srcPort,
            int dstPort,
            int flags,
            int seq,
            int ack,
            int ipId) {
        java.util.Arrays.fill(frame, (byte) 0);
        buffer.clear();
        buffer.put(DST_MAC).put(SRC_MAC).putShort((short) (ipv6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4));
        int l3 = ETHERNET_HEADER_LENGTH;
        int l4;
        int l4Length;
        if (ipv6) {
            l4 = l3 + IPV6_HEADER_LENGTH;
            l4Length = capturedLength - l4;
            buffer.putInt(l3, 6 << 28); // version 6, traffic class 0, flow label 0
            buffer.putShort(l3 + 4, (short) l4Length); // payload length
            buffer.put(l3 + 6, (byte) PROTO_TCP); // next header
            buffer.put(l3 + 7, (byte) 64); // hop limit
            buffer.putLong(l3 + 8, prefixHigh).putLong(l3 + 16, srcLow);
            buffer.putLong(l3 + 24, prefixHigh).putLong(l3 + 32, dstLow);
        } else {
            l4 = l3 + IPV4_HEADER_LENGTH;
            l4Length = capturedLength - l4;
            buffer.put(l3, (byte) 0x45); // version 4, IHL 5 words
            buffer.putShort(l3 + 2, (short) (capturedLength - l3)); // total length
            buffer.putShort(l3 + 4, (short) ipId);
            buffer.putShort(l3 + 6, (short) 0x4000); // DF, as TCP stacks send
            buffer.put(l3 + 8, (byte) 64); // TTL
            buffer.put(l3 + 9, (byte) PROTO_TCP);
            buffer.putInt(l3 + 12, (int) srcLow).putInt(l3 + 16, (int) dstLow);
            buffer.putShort(l3 + 10, (short) ~onesComplementSum(frame, l3, IPV4_HEADER_LENGTH, 0));
        }
        buffer.putShort(l4, (short) srcPort).putShort(l4 + 2, (short) dstPort);
        buffer.putInt(l4 + 4, seq).putInt(l4 + 8, (flags & TCP_FLAG_ACK) != 0 ? ack : 0);
        buffer.put(l4 + 12, (byte) ((TCP_HEADER_LENGTH / 4) << 4)); // data offset
        buffer.put(l4 + 13, (byte) flags);
        buffer.putShort(l4 + 14, (short) 64240); // window: a common Linux initial value
        buffer.putShort(l4 + 16, (short) tcpChecksum(l3, l4, l4Length));
    }

    /** RFC 9293 §3.1 / RFC 8200 §8.1: sum over the pseudo-header, then over the segment. */
    private int tcpChecksum(int l3, int l4, int l4Length) {
        int pseudo;
        if (ipv6) {
            pseudo = onesComplementSum(frame, l3 + 8, 32, 0);
        } else {
            pseudo = onesComplementSum(frame, l3 + 12, 8, 0);
        }
        pseudo += PROTO_TCP + l4Length;
        int sum = onesComplementSum(frame, l4, l4Length, pseudo);
        return ~sum & 0xFFFF;
    }

    /** RFC 1071 one's-complement sum of 16-bit words, folded to 16 bits. */
    static int onesComplementSum(byte[] data, int offset, int length, int initial) {
        long sum = initial & 0xFFFFFFFFL;
        int i = offset;
        int end = offset + length;
        for (; i + 1 < end; i += 2) {
            sum += ((data[i] & 0xFF) << 8) | (data[i + 1] & 0xFF);
        }
        if (i < end) {
            sum += (data[i] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
