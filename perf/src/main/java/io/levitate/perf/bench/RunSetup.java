package io.levitate.perf.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one contender launch shares with every other launch of the same scenario: the
 * same vdevs, pcap, cores, memory kind and pool size. Only the file prefix differs per launch.
 *
 * @param pcap        input file replayed by net_pcap
 * @param rulesIpv4   l3fwd EM rules for IPv4 (a placeholder rule when the pcap is IPv6)
 * @param rulesIpv6   l3fwd EM rules for IPv6 (a placeholder rule when the pcap is IPv4)
 * @param ipv6        whether the pcap holds IPv6
 * @param mbufs       mbuf pool size for every contender (must hold the whole pcap)
 * @param hugepages   true: {@code --in-memory} on hugepages; false: {@code --no-huge -m memoryMb}
 * @param memoryMb    EAL memory for {@code --no-huge}
 * @param mainCore    EAL main lcore (control thread)
 * @param fwdCore     the one forwarding core every contender uses
 * @param paths       where the contenders' executables are
 * @param safetySecs  a self-imposed deadline passed to contenders that have one
 */
record RunSetup(
        Path pcap,
        Path rulesIpv4,
        Path rulesIpv6,
        boolean ipv6,
        long mbufs,
        boolean hugepages,
        int memoryMb,
        int mainCore,
        int fwdCore,
        Tools paths,
        int safetySecs) {

    /** Source: replays the pcap forever (copied into mbufs at queue setup). Port 0. */
    static final String SOURCE_DEVICE = "net_pcap0";
    /** Sink: drops everything transmitted, counts it; receives nothing. Port 1. */
    static final String SINK_DEVICE = "net_null0";

    /** Executables of the contenders. */
    /** @param levitateJar the jar the launcher runs (passed as LEVITATE_JAR). */
    record Tools(Path testpmd, Path l3fwd, Path levitate, Path levitateJar) {}

    String sourceVdev() {
        return sourceVdev(1);
    }

    /**
     * The source with {@code queues} rx queues, each replaying the whole pcap (net_pcap makes one
     * rx queue per {@code rx_pcap}; it has no RSS): every worker of a multi-worker contender polls a
     * queue of its own and sees every flow, as each of N Levitate machines behind ECMP sees its
     * share. The pool must hold {@code queues} copies of the pcap.
     */
    String sourceVdev(int queues) {
        StringBuilder sb = new StringBuilder(SOURCE_DEVICE);
        for (int q = 0; q < queues; q++) {
            sb.append(",rx_pcap=").append(pcap);
        }
        return sb.append(",infinite_rx=1").toString();
    }

    String sinkVdev() {
        return SINK_DEVICE + ",no-rx=1";
    }

    /** EAL arguments of the C contenders (Levitate takes its own flags for the same). */
    List<String> ealArgs(String prefix, String coreList) {
        List<String> args = new ArrayList<>(List.of("-l", coreList, "--file-prefix", prefix));
        if (hugepages) {
            args.add("--in-memory");
        } else {
            args.addAll(List.of("--no-huge", "-m", Integer.toString(memoryMb)));
        }
        args.addAll(List.of("--no-pci", "--vdev=" + sourceVdev(), "--vdev=" + sinkVdev()));
        return args;
    }
}
