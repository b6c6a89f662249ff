package io.levitate.perf.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes the benchmark's input pcap and, optionally, the matching l3fwd exact-match rule file
 * (one rule per distinct 5-tuple, all to the sink port, so l3fwd hits its hash table for every
 * packet instead of bouncing misses back out of the input port).
 *
 * <p>Replay limit: net_pcap with {@code infinite_rx=1} copies every packet of the file into an
 * mbuf when the rx queue is set up, and keeps them for the whole run. An mbuf costs about 2.4 KB
 * (2176-byte default data room plus headers), so 1 M packets need ≈ 2.5 GB of hugepages in each
 * contender's pool. The generator writes up to 100 M flows (10 M flows of 64-byte frames ≈ 800 MB
 * of pcap) but files beyond what the pools hold cannot be replayed that way; see
 * {@code perf/results/README.md}.
 */
@Command(
        name = "pcap-generator",
        mixinStandardHelpOptions = true,
        description = "Generate a pcap of TCP frames over N flows (deterministic for a given seed).")
public final class PcapGenerator implements Callable<Integer> {
    /** Client addresses: 10.0.0.0/8 (RFC 1918), host part from {@link FlowKeys}. */
    static final int IPV4_CLIENT_NET = 0x0A000000;
    /** IPv6 documentation prefix 2001:db8::/64 (RFC 3849) for clients and VIPs alike. */
    static final long IPV6_PREFIX_HIGH = 0x20010DB800000000L;
    /** VIPs in IPv6 sit at 2001:db8::ffff:0:1 and up, far from client host numbers (< 2^24). */
    static final long IPV6_VIP_LOW = 0x0000FFFF00000001L;
    /** Default IPv4 VIP: 198.18.0.1, from the RFC 2544 benchmarking range. */
    static final String DEFAULT_VIP4 = "198.18.0.1";

    @Option(names = "--out", required = true, description = "pcap file to write")
    Path out;

    @Option(
            names = "--flows",
            defaultValue = "1024",
            description = "established flows, 1 to 100M (default ${DEFAULT-VALUE})")
    long flows;

    @Option(
            names = "--packets",
            defaultValue = "0",
            description = "packets in the file; 0 = each flow once plus the SYN share (default)")
    long packets;

    @Option(
            names = "--syn-share",
            defaultValue = "0",
            description = "share of packets that are SYNs of new flows, [0,1)")
    double synShare;

    @Option(names = "--ipv6", description = "IPv6 instead of IPv4 (minimum frame then 78 bytes)")
    boolean ipv6;

    @Option(
            names = "--frame-size",
            defaultValue = "0",
            description = "frame size incl. 4-byte FCS (RFC 2544); 0 = minimum: 64 (IPv4), 78 (IPv6)")
    int frameSize;

    @Option(names = "--vips", defaultValue = "1", description = "destination addresses flows are spread over")
    int vips;

    @Option(
            names = "--vip",
            defaultValue = DEFAULT_VIP4,
            description = "first IPv4 destination (default ${DEFAULT-VALUE})")
    String vip;

    @Option(names = "--dst-port", defaultValue = "80", description = "destination TCP port (default ${DEFAULT-VALUE})")
    int dstPort;

    @Option(
            names = "--syn-vip-offset",
            defaultValue = "0",
            description = "SYNs of new flows go to the VIP plus this (0 = the established flows' VIPs; "
                    + "1 puts a flood on a service of its own)")
    int synVipOffset;

    @Option(names = "--seed", defaultValue = "1", description = "RNG seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--l3fwd-rules", description = "also write an l3fwd EM rule file (--rule_ipv4/--rule_ipv6)")
    Path rules;

    @Option(
            names = "--rule-port",
            defaultValue = "1",
            description = "egress port of every l3fwd rule (default ${DEFAULT-VALUE})")
    int rulePort;

    /** What {@link #generate} wrote. */
    record Summary(long packets, long flows, long synPackets, int capturedLength, long bytes) {
        long distinctTuples() {
            return Math.min(flows, packets - synPackets) + synPackets;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new PcapGenerator()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        TrafficSpec spec =
                new TrafficSpec(flows, packets, synShare, ipv6, frameSize, vips, dstPort, seed, synVipOffset);
        Summary s = generate(spec, parseVip(vip), out, rules, rulePort);
        System.out.printf(
                "wrote %s: %d packets of %d bytes (+4 FCS), %d established flows, %d SYNs, %d distinct 5-tuples%s%n",
                out,
                s.packets(),
                s.capturedLength(),
                s.flows(),
                s.synPackets(),
                s.distinctTuples(),
                rules == null ? "" : "; l3fwd rules in " + rules);
        return 0;
    }

    static int parseVip(String dotted) throws UnknownHostException {
        byte[] a = InetAddress.getByName(dotted).getAddress();
        if (a.length != 4) {
            throw new IllegalArgumentException("--vip must be an IPv4 address: " + dotted);
        }
        return ByteBuffer.wrap(a).getInt();
    }

    /**
     * Writes {@code spec} to {@code pcap} (and the rule file when {@code rules} is not null).
     * Deterministic: the same spec gives the same bytes.
     */
    static Summary generate(TrafficSpec spec, int vip4, Path pcap, Path rules, int rulePort) throws IOException {
        return generate(spec, vip4, pcap, rules, rulePort, false);
    }

    /** The gateway perf/bench/lb.yaml names, and its MAC in the leading ARP reply. */
    static final byte[] GATEWAY_IP = {10, 0, 1, 1};

    static final byte[] GATEWAY_MAC = {0x02, 0, 0, 0, 0, 0x01};
    static final byte[] LB_IP = {10, 0, 1, 2};

    /** An ARP reply from the gateway to the load balancer (RFC 826), padded to 60 bytes. */
    static byte[] gatewayArpReply() {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1})
                .put(GATEWAY_MAC)
                .putShort((short) 0x0806)
                .putShort((short) 1)
                .putShort((short) 0x0800)
                .put((byte) 6)
                .put((byte) 4)
                .putShort((short) 2)
                .put(GATEWAY_MAC)
                .put(GATEWAY_IP)
                .put(new byte[6])
                .put(LB_IP);
        return b.array();
    }

    /** The IPv6 gateway perf/bench/lb.yaml names (2001:db8:1::1), as two halves; its MAC is {@link #GATEWAY_MAC}. */
    static final long GATEWAY_IPV6_HIGH = 0x20010DB800010000L;

    static final long GATEWAY_IPV6_LOW = 1;
    /** ff02::1, all nodes (RFC 4291 section 2.7.1), and its Ethernet group address 33:33:00:00:00:01 (RFC 2464 section 7). */
    static final long ALL_NODES_HIGH = 0xFF02000000000000L;

    static final byte[] ALL_NODES_MAC = {0x33, 0x33, 0, 0, 0, 0x01};
    /** RFC 4861 section 4.4: an NA is 24 bytes, then the target link-layer address option (8 on Ethernet). */
    static final int NA_LENGTH = 24 + 8;

    /**
     * An unsolicited neighbour advertisement from the IPv6 gateway to all nodes (RFC 4861 section
     * 7.2.6: Override set, Solicited clear, its target link-layer address option), hop limit 255,
     * with a correct ICMPv6 checksum: what a router sends when its address comes up, and what a
     * forwarder validating ND (RFC 4861 section 7.1.2) learns the gateway's MAC from.
     */
    static byte[] gatewayNeighbourAdvertisement() {
        int l3 = TcpFrameBuilder.ETHERNET_HEADER_LENGTH;
        int l4 = l3 + TcpFrameBuilder.IPV6_HEADER_LENGTH;
        byte[] frame = new byte[l4 + NA_LENGTH];
        ByteBuffer b = ByteBuffer.wrap(frame);
        b.put(ALL_NODES_MAC).put(GATEWAY_MAC).putShort((short) TcpFrameBuilder.ETHERTYPE_IPV6);
        b.putInt(6 << 28)
                .putShort((short) NA_LENGTH)
                .put((byte) 58) // ICMPv6
                .put((byte) 255) // hop limit: on-link only
                .putLong(GATEWAY_IPV6_HIGH)
                .putLong(GATEWAY_IPV6_LOW)
                .putLong(ALL_NODES_HIGH)
                .putLong(1);
        b.put((byte) 136) // neighbour advertisement
                .put((byte) 0)
                .putShort((short) 0) // checksum, below
                .putInt(0x2000_0000) // Override
                .putLong(GATEWAY_IPV6_HIGH)
                .putLong(GATEWAY_IPV6_LOW)
                .put((byte) 2) // target link-layer address
                .put((byte) 1) // one 8-byte unit
                .put(GATEWAY_MAC);
        // RFC 8200 section 8.1 pseudo-header: addresses, upper-layer length, next header.
        int pseudo = TcpFrameBuilder.onesComplementSum(frame, l3 + 8, 32, 0) + NA_LENGTH + 58;
        int sum = TcpFrameBuilder.onesComplementSum(frame, l4, NA_LENGTH, pseudo);
        b.putShort(l4 + 2, (short) ~sum);
        return frame;
    }

    /**
     * As {@link #generate(TrafficSpec, int, Path, Path, int)}; with {@code gatewayArp} the capture
     * starts with {@link #gatewayArpReply()}, and an IPv6 capture then with
     * {@link #gatewayNeighbourAdvertisement()} too (neither counted in the summary), so a forwarder
     * that resolves its next hops from the wire learns them on every replay.
     */
    static Summary generate(TrafficSpec spec, int vip4, Path pcap, Path rules, int rulePort, boolean gatewayArp)
            throws IOException {
        long total = spec.totalPackets();
        long synBudget = Math.round(total * spec.synShare());
        if (spec.flows() + synBudget > FlowKeys.CAPACITY) {
            throw new IllegalArgumentException("flows + SYNs exceed the tuple space");
        }
        FlowKeys keys = new FlowKeys(spec.seed());
        SplittableRandom rng = new SplittableRandom(spec.seed());
        TcpFrameBuilder builder = new TcpFrameBuilder(spec.ipv6(), spec.frameSize());
        long synPackets = 0;
        long established = 0;
        try (PcapFileWriter writer = new PcapFileWriter(pcap)) {
            if (gatewayArp) {
                byte[] arp = gatewayArpReply();
                writer.write(arp, arp.length);
                if (spec.ipv6()) {
                    byte[] na = gatewayNeighbourAdvertisement();
                    writer.write(na, na.length);
                }
            }
            for (long i = 0; i < total; i++) {
                // Exactly synBudget SYNs, spread uniformly: selection sampling (Knuth's Algorithm S).
                boolean syn = rng.nextLong(total - i) < synBudget - synPackets;
                long flowIndex = syn ? spec.flows() + synPackets++ : established++ % spec.flows();
                long key = keys.key(flowIndex);
                int vipIndex = (int) (flowIndex % spec.vips()) + (syn ? spec.synVipOffset() : 0);
                int seq = rng.nextInt();
                int flags = syn ? TcpFrameBuilder.TCP_FLAG_SYN : TcpFrameBuilder.TCP_FLAG_ACK;
                if (spec.ipv6()) {
                    builder.build(
                            IPV6_PREFIX_HIGH,
                            FlowKeys.host(key),
                            IPV6_VIP_LOW + vipIndex,
                            FlowKeys.port(key),
                            spec.dstPort(),
                            flags,
                            seq,
                            rng.nextInt(),
                            0);
                } else {
                    builder.build(
                            0,
                            IPV4_CLIENT_NET | FlowKeys.host(key),
                            vip4 + vipIndex,
                            FlowKeys.port(key),
                            spec.dstPort(),
                            flags,
                            seq,
                            rng.nextInt(),
                            (int) i);
                }
                writer.write(builder.frame(), builder.capturedLength());
            }
        }
        if (rules != null) {
            writeL3fwdRules(spec, vip4, keys, synPackets, Math.min(established, spec.flows()), rules, rulePort);
        }
        return new Summary(total, spec.flows(), synPackets, builder.capturedLength(), Files.size(pcap));
    }

    /**
     * l3fwd EM rule lines (format of DPDK's em_default_v4.cfg):
     * {@code R<dst addr> <src addr> <dst port> <src port> <proto> <out port>}.
     */
    private static void writeL3fwdRules(
            TrafficSpec spec, int vip4, FlowKeys keys, long synPackets, long establishedUsed, Path rules, int rulePort)
            throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(rules)) {
            w.write("# l3fwd exact-match rules written by Levitate's PcapGenerator: every 5-tuple of the pcap -> port "
                    + rulePort + "\n");
            StringBuilder line = new StringBuilder(96);
            for (long f = 0; f < spec.flows() + synPackets; f++) {
                if (f >= establishedUsed && f < spec.flows()) {
                    continue; // flows that the packet budget never reached are not in the pcap
                }
                long key = keys.key(f);
                int vipIndex = (int) (f % spec.vips()) + (f >= spec.flows() ? spec.synVipOffset() : 0);
                line.setLength(0);
                line.append('R');
                if (spec.ipv6()) {
                    appendIpv6(line, IPV6_PREFIX_HIGH, IPV6_VIP_LOW + vipIndex).append(' ');
                    appendIpv6(line, IPV6_PREFIX_HIGH, FlowKeys.host(key));
                } else {
                    appendIpv4(line, vip4 + vipIndex).append(' ');
                    appendIpv4(line, IPV4_CLIENT_NET | FlowKeys.host(key));
                }
                line.append(' ')
                        .append(spec.dstPort())
                        .append(' ')
                        .append(FlowKeys.port(key))
                        .append(' ')
                        .append(TcpFrameBuilder.PROTO_TCP)
                        .append(' ')
                        .append(rulePort)
                        .append('\n');
                w.append(line);
            }
        }
    }

    static StringBuilder appendIpv4(StringBuilder sb, int a) {
        return sb.append(a >>> 24)
                .append('.')
                .append((a >>> 16) & 0xFF)
                .append('.')
                .append((a >>> 8) & 0xFF)
                .append('.')
                .append(a & 0xFF);
    }

    /** Full (uncompressed) form: inet_pton accepts it and it is unambiguous. */
    static StringBuilder appendIpv6(StringBuilder sb, long high, long low) {
        for (int i = 0; i < 8; i++) {
            long half = i < 4 ? high : low;
            int group = (int) (half >>> (48 - 16 * (i % 4))) & 0xFFFF;
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(group));
        }
        return sb;
    }
}
