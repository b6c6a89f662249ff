package io.levitate.packet.testing;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds test frames byte by byte, independently of the flyweights under test (its own layout
 * code and its own RFC 1071 checksum), so that a flyweight reading a field and tshark reading the
 * same field are two independent opinions about bytes written by a third.
 *
 * <p>Usage: {@code new FrameBuilder().vlan(0x8100, 10).ipv4("10.0.0.1", "192.0.2.1").tcp(1234, 80, SYN).build()}.
 */
public final class FrameBuilder {
    public static final long DEFAULT_DST_MAC = 0x02_00_00_00_00_01L;
    public static final long DEFAULT_SRC_MAC = 0x02_00_00_00_00_02L;

    private long dstMac = DEFAULT_DST_MAC;
    private long srcMac = DEFAULT_SRC_MAC;
    private final List<int[]> vlans = new ArrayList<>();
    private int etherType = -1;

    private int ipVersion;
    private byte[] src;
    private byte[] dst;
    private int ttl = 64;
    private int tos;
    private int identification = 0x1234;
    private boolean dontFragment;
    private boolean moreFragments;
    private int fragmentOffset;
    private byte[] ipv4Options = new byte[0];
    private int flowLabel = 0x12345;
    private final List<byte[]> extensions = new ArrayList<>();
    private final List<Integer> extensionTypes = new ArrayList<>();

    private int protocol = -1;
    private byte[] l4Header = new byte[0];
    private int l4ChecksumField = -1;
    private boolean l4PseudoHeader;
    private byte[] payload = new byte[0];
    private byte[] rawL3;
    private int padTo;
    private boolean udpLength;

    public FrameBuilder macs(long dst, long src) {
        this.dstMac = dst;
        this.srcMac = src;
        return this;
    }

    public FrameBuilder vlan(int tpid, int vid) {
        vlans.add(new int[] {tpid, vid});
        return this;
    }

    public FrameBuilder etherType(int type) {
        this.etherType = type;
        return this;
    }

    /** Raw bytes after the Ethernet header (ARP bodies, garbage, ...). */
    public FrameBuilder rawL3(int type, byte[] bytes) {
        this.etherType = type;
        this.rawL3 = bytes;
        return this;
    }

    public FrameBuilder ipv4(String source, String destination) {
        ipVersion = 4;
        src = address(source, 4);
        dst = address(destination, 4);
        if (etherType < 0) {
            etherType = 0x0800;
        }
        return this;
    }

    public FrameBuilder ipv6(String source, String destination) {
        ipVersion = 6;
        src = address(source, 16);
        dst = address(destination, 16);
        if (etherType < 0) {
            etherType = 0x86DD;
        }
        return this;
    }

    public FrameBuilder ttl(int ttl) {
        this.ttl = ttl;
        return this;
    }

    public FrameBuilder tos(int tos) {
        this.tos = tos;
        return this;
    }

    public FrameBuilder identification(int id) {
        this.identification = id;
        return this;
    }

    public FrameBuilder dontFragment() {
        this.dontFragment = true;
        return this;
    }

    /** IPv4 fragment fields (offset in 8-byte units). */
    public FrameBuilder fragment(int offsetUnits, boolean more) {
        this.fragmentOffset = offsetUnits;
        this.moreFragments = more;
        return this;
    }

    public FrameBuilder ipv4Options(byte[] options) {
        this.ipv4Options = options;
        return this;
    }

    public FrameBuilder flowLabel(int label) {
        this.flowLabel = label;
        return this;
    }

    /** An options-style extension header (hop-by-hop 0, destination options 60) of 8 x (1 + extraUnits) bytes, PadN-filled. */
    public FrameBuilder optionsHeader(int type, int extraUnits) {
        int len = 8 * (1 + extraUnits);
        byte[] h = new byte[len];
        h[1] = (byte) extraUnits;
        h[2] = 1; // PadN
        h[3] = (byte) (len - 4);
        extensionTypes.add(type);
        extensions.add(h);
        return this;
    }

    /** A type-0-free routing header (segments left 0, type 253 experimental) of 24 bytes. */
    public FrameBuilder routingHeader() {
        byte[] h = new byte[24];
        h[1] = 2;
        h[2] = (byte) 253;
        h[3] = 0;
        extensionTypes.add(43);
        extensions.add(h);
        return this;
    }

    public FrameBuilder ipv6Fragment(int offsetUnits, boolean more, int id) {
        byte[] h = new byte[8];
        int word = (offsetUnits << 3) | (more ? 1 : 0);
        h[2] = (byte) (word >>> 8);
        h[3] = (byte) word;
        h[4] = (byte) (id >>> 24);
        h[5] = (byte) (id >>> 16);
        h[6] = (byte) (id >>> 8);
        h[7] = (byte) id;
        extensionTypes.add(44);
        extensions.add(h);
        return this;
    }

    public FrameBuilder tcp(int sport, int dport, int flags) {
        byte[] h = new byte[20];
        put16(h, 0, sport);
        put16(h, 2, dport);
        put32(h, 4, 0x01020304);
        put32(h, 8, (flags & 0x10) != 0 ? 0x0A0B0C0D : 0);
        h[12] = (byte) (5 << 4);
        h[13] = (byte) flags;
        put16(h, 14, 65535);
        return l4(6, h, 16, true);
    }

    /** TCP with options (length multiple of 4). */
    public FrameBuilder tcpWithOptions(int sport, int dport, int flags, byte[] options) {
        tcp(sport, dport, flags);
        byte[] h = new byte[20 + options.length];
        System.arraycopy(l4Header, 0, h, 0, 20);
        System.arraycopy(options, 0, h, 20, options.length);
        h[12] = (byte) (((20 + options.length) / 4) << 4);
        l4Header = h;
        return this;
    }

    public FrameBuilder udp(int sport, int dport) {
        byte[] h = new byte[8];
        put16(h, 0, sport);
        put16(h, 2, dport);
        l4(17, h, 6, true);
        udpLength = true;
        return this;
    }

    /** ICMPv4: type, code, 4-byte rest-of-header word; body via {@link #payload}. */
    public FrameBuilder icmp(int type, int code, int rest) {
        byte[] h = new byte[8];
        h[0] = (byte) type;
        h[1] = (byte) code;
        put32(h, 4, rest);
        return l4(1, h, 2, false);
    }

    public FrameBuilder icmpv6(int type, int code, int body) {
        byte[] h = new byte[8];
        h[0] = (byte) type;
        h[1] = (byte) code;
        put32(h, 4, body);
        return l4(58, h, 2, true);
    }

    /** Any protocol with a raw header; no checksum is computed. */
    public FrameBuilder protocol(int protocol, byte[] header) {
        return l4(protocol, header, -1, false);
    }

    public FrameBuilder payload(byte[] payload) {
        this.payload = payload;
        return this;
    }

    public FrameBuilder payload(int length) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) (i * 7 + 1);
        }
        this.payload = p;
        return this;
    }

    /** Pads the frame with zeros to at least this many bytes (60 = Ethernet minimum without FCS). */
    public FrameBuilder padTo(int frameLength) {
        this.padTo = frameLength;
        return this;
    }

    private FrameBuilder l4(int protocol, byte[] header, int checksumField, boolean pseudo) {
        this.protocol = protocol;
        this.l4Header = header;
        this.l4ChecksumField = checksumField;
        this.l4PseudoHeader = pseudo;
        return this;
    }

    /** Only the IP packet (no Ethernet header): for ICMP error bodies and tunnel payloads. */
    public byte[] buildL3() {
        if (rawL3 != null) {
            return rawL3.clone();
        }
        byte[] l4 = concat(l4Header, payload);
        if (udpLength) {
            put16(l4, 4, l4.length);
        }
        boolean firstFragmentOrWhole = fragmentOffset == 0;
        if (l4ChecksumField >= 0 && firstFragmentOrWhole && !moreFragments && !hasV6Fragment()) {
            long sum = l4PseudoHeader ? pseudoHeader(l4.length) : 0;
            int c = ~fold(sum + sum(l4)) & 0xFFFF;
            if (protocol == 17 && c == 0) {
                c = 0xFFFF;
            }
            put16(l4, l4ChecksumField, c);
        }
        if (ipVersion == 4) {
            int ihl = 20 + ipv4Options.length;
            byte[] ip = new byte[ihl];
            ip[0] = (byte) (0x40 | (ihl / 4));
            ip[1] = (byte) tos;
            put16(ip, 2, ihl + l4.length);
            put16(ip, 4, identification);
            put16(ip, 6, (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | fragmentOffset);
            ip[8] = (byte) ttl;
            ip[9] = (byte) protocol;
            System.arraycopy(src, 0, ip, 12, 4);
            System.arraycopy(dst, 0, ip, 16, 4);
            System.arraycopy(ipv4Options, 0, ip, 20, ipv4Options.length);
            put16(ip, 10, ~fold(sum(ip)) & 0xFFFF);
            return concat(ip, l4);
        }
        if (ipVersion == 6) {
            ByteArrayOutputStream ext = new ByteArrayOutputStream();
            for (int i = 0; i < extensions.size(); i++) {
                byte[] h = extensions.get(i).clone();
                h[0] = (byte) (i + 1 < extensions.size() ? extensionTypes.get(i + 1) : protocol);
                ext.writeBytes(h);
            }
            byte[] extBytes = ext.toByteArray();
            byte[] ip = new byte[40];
            put32(ip, 0, (6 << 28) | (tos << 20) | flowLabel);
            put16(ip, 4, extBytes.length + l4.length);
            ip[6] = (byte) (extensions.isEmpty() ? protocol : extensionTypes.get(0));
            ip[7] = (byte) ttl;
            System.arraycopy(src, 0, ip, 8, 16);
            System.arraycopy(dst, 0, ip, 24, 16);
            return concat(concat(ip, extBytes), l4);
        }
        throw new IllegalStateException("no L3 configured");
    }

    public byte[] build() {
        byte[] l3 = buildL3();
        byte[] eth = new byte[14 + 4 * vlans.size()];
        putMac(eth, 0, dstMac);
        putMac(eth, 6, srcMac);
        int at = 12;
        for (int[] v : vlans) {
            put16(eth, at, v[0]);
            put16(eth, at + 2, v[1]);
            at += 4;
        }
        put16(eth, at, etherType);
        byte[] frame = concat(eth, l3);
        if (frame.length < padTo) {
            byte[] padded = new byte[padTo];
            System.arraycopy(frame, 0, padded, 0, frame.length);
            frame = padded;
        }
        return frame;
    }

    /** A fragment header that makes this a real fragment (an atomic one, offset 0 and M clear, is whole). */
    private boolean hasV6Fragment() {
        for (int i = 0; i < extensionTypes.size(); i++) {
            byte[] h = extensions.get(i);
            if (extensionTypes.get(i) == 44 && ((h[2] & 0xFF) << 8 | (h[3] & 0xFF)) != 0) {
                return true;
            }
        }
        return false;
    }

    private long pseudoHeader(int l4Length) {
        long s = sum(src) + sum(dst) + protocol;
        return s + (l4Length >>> 16) + (l4Length & 0xFFFF);
    }

    /** RFC 1071 sum of 16-bit words, odd byte padded. */
    public static long sum(byte[] b) {
        long s = 0;
        for (int i = 0; i + 1 < b.length; i += 2) {
            s += ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
        }
        if ((b.length & 1) != 0) {
            s += (b[b.length - 1] & 0xFF) << 8;
        }
        return s;
    }

    public static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    public static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    public static void put32(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    public static void putMac(byte[] b, int at, long mac) {
        for (int i = 0; i < 6; i++) {
            b[at + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }

    public static byte[] address(String literal, int size) {
        try {
            byte[] a = InetAddress.getByName(literal).getAddress();
            if (a.length != size) {
                throw new IllegalArgumentException(literal + " is not " + size + " bytes");
            }
            return a;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
