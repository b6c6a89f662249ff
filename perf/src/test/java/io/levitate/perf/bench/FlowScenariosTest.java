package io.levitate.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.ServiceDefinition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The newflows and flood scenarios: their pcaps read back (distinct tuples, the mix, which VIP the
 * SYNs go to), their forwarder configurations against those pcaps (a table too small for the new
 * flows; two services; guard and quota), and the figures computed from counters.
 */
class FlowScenariosTest {
    private static final Path TSHARK = Path.of("/usr/bin/tshark");
    /** Tests run in perf/; the scenarios name their configuration files from the repository root. */
    private static final Path ROOT = Path.of("..");

    @TempDir
    Path dir;

    /** One TCP/IPv4 frame of a generated pcap. */
    record Frame(int src, int srcPort, int dst, int dstPort, boolean syn) {
        long tuple() {
            return ((long) src << 16) | srcPort;
        }
    }

    /** Reads the pcap back (PcapFileWriter's format), skipping the gateway's ARP reply. */
    static List<Frame> read(Path pcap) throws IOException {
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(PcapFileWriter.MAGIC_MICROS, file.getInt(0));
        List<Frame> frames = new ArrayList<>();
        int offset = PcapFileWriter.FILE_HEADER_LENGTH;
        while (offset < file.limit()) {
            int length = file.getInt(offset + 8);
            ByteBuffer f = file.slice(offset + PcapFileWriter.RECORD_HEADER_LENGTH, length)
                    .order(ByteOrder.BIG_ENDIAN);
            offset += PcapFileWriter.RECORD_HEADER_LENGTH + length;
            int etherType = Short.toUnsignedInt(f.getShort(12));
            if (etherType == 0x0806) {
                continue;
            }
            assertEquals(0x0800, etherType);
            assertEquals(6, f.get(23), "TCP");
            frames.add(new Frame(
                    f.getInt(26),
                    Short.toUnsignedInt(f.getShort(34)),
                    f.getInt(30),
                    Short.toUnsignedInt(f.getShort(36)),
                    (f.get(47) & TcpFrameBuilder.TCP_FLAG_SYN) != 0));
        }
        return frames;
    }

    private static int vip() throws IOException {
        return PcapGenerator.parseVip(PcapGenerator.DEFAULT_VIP4);
    }

    /** The traffic BenchRunner generates for {@code s} with its defaults. */
    private static TrafficSpec spec(Scenario s) {
        FlowScenarios.Extras x = FlowScenarios.extras(s);
        return new TrafficSpec(s.flows(), x.packets(), s.synShare(), s.ipv6(), 0, 1, 80, 1, x.synVipOffset());
    }

    private static LevitateConfig config(Scenario s, String contender) throws IOException {
        Contender c = s.contenders().stream()
                .filter(k -> k.name().equals(contender))
                .findFirst()
                .orElseThrow();
        List<String> args = c.extraArgs();
        ConfigResult r = ConfigReader.read(ROOT.resolve(args.get(args.indexOf("--config") + 1)));
        assertTrue(r.valid(), () -> contender + ": " + r.errors());
        return r.config();
    }

    @Test
    void synVipOffsetSendsEveryNewFlowToTheNextVipAndNothingElse() throws IOException {
        TrafficSpec spec = new TrafficSpec(500, 4000, 0.5, false, 0, 1, 80, 11, 1);
        Path pcap = dir.resolve("flood.pcap");
        PcapGenerator.Summary s = PcapGenerator.generate(spec, vip(), pcap, null, 1, true);
        List<Frame> frames = read(pcap);
        assertEquals(4000, frames.size());
        assertEquals(2000, s.synPackets());
        Set<Long> syn = new HashSet<>();
        Set<Long> established = new HashSet<>();
        for (Frame f : frames) {
            assertEquals(80, f.dstPort());
            if (f.syn()) {
                assertEquals(vip() + 1, f.dst(), "a SYN goes to the flood's VIP");
                assertTrue(syn.add(f.tuple()), "every SYN is from a source not seen before");
            } else {
                assertEquals(vip(), f.dst(), "an established flow's packet goes to the first VIP");
                established.add(f.tuple());
            }
        }
        assertEquals(2000, syn.size(), "as many distinct flood sources as SYNs");
        assertEquals(500, established.size());
        syn.retainAll(established);
        assertTrue(syn.isEmpty(), "no flood source is an established flow's");
    }

    @Test
    void withoutAnOffsetTheFileIsTheOneTheEightComponentSpecWrites() throws IOException {
        Path a = dir.resolve("a.pcap");
        Path b = dir.resolve("b.pcap");
        PcapGenerator.generate(new TrafficSpec(300, 0, 0.25, false, 0, 1, 80, 3), vip(), a, null, 1);
        PcapGenerator.generate(new TrafficSpec(300, 0, 0.25, false, 0, 1, 80, 3, 0), vip(), b, null, 1);
        assertEquals(-1, Files.mismatch(a, b));
        assertEquals(
                new TrafficSpec(300, 0, 0.25, false, 0, 1, 80, 3).fileStem(),
                new TrafficSpec(300, 0, 0.25, false, 0, 1, 80, 3, 0).fileStem(),
                "cached pcaps of the other scenarios keep their names");
        assertNotEquals(
                new TrafficSpec(300, 0, 0.25, false, 0, 1, 80, 3, 0).fileStem(),
                new TrafficSpec(300, 0, 0.25, false, 0, 1, 80, 3, 1).fileStem(),
                "a file with the SYNs elsewhere is another file");
        assertThrows(IllegalArgumentException.class, () -> new TrafficSpec(1, 0, 0, false, 0, 1, 80, 1, -1));
    }

    @Test
    void l3fwdRulesFollowTheSynsToTheirVip() throws IOException {
        Path rules = dir.resolve("r.rules");
        PcapGenerator.Summary s = PcapGenerator.generate(
                new TrafficSpec(100, 0, 0.5, false, 0, 1, 80, 5, 1), vip(), dir.resolve("r.pcap"), rules, 1);
        Map<String, Integer> byDst = new HashMap<>();
        for (String l : Files.readAllLines(rules)) {
            if (l.startsWith("R")) {
                byDst.merge(l.substring(1).split(" ")[0], 1, Integer::sum);
            }
        }
        assertEquals(Map.of("198.18.0.1", 100, "198.18.0.2", (int) s.synPackets()), byDst);
    }

    @Test
    void newflowsPcapHoldsFarMoreNewTuplesThanItsTableKeeps() throws IOException {
        Scenario scenario = FlowScenarios.NEWFLOWS;
        TrafficSpec spec = spec(scenario);
        Path pcap = dir.resolve("newflows.pcap");
        PcapGenerator.Summary s = PcapGenerator.generate(spec, vip(), pcap, null, 1, scenario.gatewayArp());
        List<Frame> frames = read(pcap);
        assertEquals(FlowScenarios.PACKETS, frames.size());
        long syns = frames.stream().filter(Frame::syn).count();
        assertEquals(Math.round(FlowScenarios.PACKETS * 0.9), syns, "the mix: 90 % SYNs");
        Set<Long> synTuples = new HashSet<>();
        Set<Long> all = new HashSet<>();
        for (Frame f : frames) {
            assertEquals(vip(), f.dst(), "one service: every packet to the first VIP");
            all.add(f.tuple());
            if (f.syn()) {
                assertTrue(synTuples.add(f.tuple()), "every SYN is a new 5-tuple within a loop");
            }
        }
        assertEquals(s.distinctTuples(), all.size());
        LevitateConfig small = config(scenario, "levitate-newflows");
        LevitateConfig large = config(scenario, "levitate-kept");
        assertTrue(
                synTuples.size() >= 8L * small.conntrack().capacity(),
                "new tuples per loop (" + synTuples.size() + ") at least 8x the small table ("
                        + small.conntrack().capacity() + "), so an entry is evicted before its tuple returns");
        assertTrue(
                all.size() < large.conntrack().capacity(),
                "the baseline's table keeps every tuple of the loop: there, after the first loop, nothing is new");
        assertEquals(0, small.conntrack().floodGuardNewFlowsPerSecond(), "nothing but the table size limits inserts");
        assertEquals(
                List.of("bench"),
                small.services().stream().map(ServiceDefinition::name).toList());
        assertEquals("bench", FlowScenarios.extras(scenario).establishedService());
    }

    @Test
    void floodPcapPutsTheFloodOnItsOwnServiceAndItsConfigurationGuardsIt() throws Exception {
        Scenario scenario = FlowScenarios.FLOOD;
        FlowScenarios.Extras x = FlowScenarios.extras(scenario);
        TrafficSpec spec = spec(scenario);
        Path pcap = dir.resolve("flood.pcap");
        PcapGenerator.generate(spec, vip(), pcap, null, 1, scenario.gatewayArp());
        List<Frame> frames = read(pcap);
        Set<Long> flood = new HashSet<>();
        Set<Long> established = new HashSet<>();
        for (Frame f : frames) {
            if (f.syn()) {
                assertTrue(flood.add(f.tuple()), "unique flood sources");
                assertEquals(vip() + 1, f.dst());
            } else {
                established.add(f.tuple());
                assertEquals(vip(), f.dst());
            }
        }
        assertEquals(FlowScenarios.PACKETS / 2, flood.size(), "half the packets are the flood");
        assertEquals(scenario.flows(), established.size());

        for (String contender : List.of("levitate-flood", "levitate-unguarded")) {
            LevitateConfig c = config(scenario, contender);
            ServiceDefinition est = c.service(x.establishedService());
            ServiceDefinition fl = c.service(x.newFlowService());
            assertNotNull(est, contender);
            assertNotNull(fl, contender);
            assertEquals("198.18.0.1", est.vip().getHostAddress(), contender);
            assertEquals("198.18.0.2", fl.vip().getHostAddress(), contender + ": the pcap's SYN VIP");
            assertTrue(c.conntrack().capacity() > 2 * scenario.flows(), contender + ": room for the established flows");
        }
        LevitateConfig guarded = config(scenario, "levitate-flood");
        int quota = guarded.service(x.newFlowService()).quota();
        assertTrue(quota > 0, "the flood service has a quota");
        assertTrue(guarded.conntrack().floodGuardNewFlowsPerSecond() > 0, "the flood guard is on");
        assertTrue(
                flood.size() >= 16L * quota,
                "flood sources per loop at least 16x its quota: an entry the flood got is replaced by its own later"
                        + " SYNs before the replay brings its source back");
        LevitateConfig unguarded = config(scenario, "levitate-unguarded");
        assertEquals(0, unguarded.conntrack().floodGuardNewFlowsPerSecond());
        assertEquals(0, unguarded.service(x.newFlowService()).quota());

        if (Files.isExecutable(TSHARK)) {
            // An independent dissector agrees on where the SYNs go.
            Process p = new ProcessBuilder(
                            TSHARK.toString(),
                            "-r",
                            pcap.toString(),
                            "-Y",
                            "tcp.flags.syn == 1 && ip.dst != 198.18.0.2",
                            "-T",
                            "fields",
                            "-e",
                            "frame.number")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals("", out.strip(), "no SYN to another VIP than the flood's");
        }
    }

    @Test
    void figuresComeFromTheCounterDeltas() throws IOException {
        FlowScenarios.Extras x = FlowScenarios.extras(FlowScenarios.FLOOD);
        Map<String, Long> before = new HashMap<>();
        Map<String, Long> after = new HashMap<>();
        put(before, after, "worker 0: rx packets", 1_000, 2_001_000);
        put(before, after, "worker 0: drop tx_full", 0, 0);
        put(before, after, "worker 0: drop neighbour_consumed", 5, 15);
        put(before, after, "service established: packets", 500, 990_500);
        put(before, after, "service established: new flows", 10, 110);
        put(before, after, "service flood: packets", 500, 1_000_500);
        put(before, after, "service flood: new flows", 500, 1_000_000);
        put(before, after, "worker 0: conntrack inserts", 100, 200_100);
        put(before, after, "worker 0: conntrack flood-guard skips", 0, 800_000);
        put(before, after, "worker 0: conntrack occupancy", 12_000, 18_192);
        LevitateCounters.Delta d = new LevitateCounters.Delta(
                new LevitateCounters.Snapshot(0, before), new LevitateCounters.Snapshot(2_000_000_000L, after));
        Map<String, Object> f = FlowScenarios.figures(x, d, 0.5, 1);
        assertEquals(2_000_000L, f.get("rx_packets"));
        assertEquals(0.5023, f.get("new_flows_per_packet"), "999.6 k new flows over 1.99 M packets received");
        assertEquals(100L + 999_500L, f.get("new_flows"));
        assertEquals(499_800.0, f.get("new_flows_per_second_per_worker"));
        assertEquals(10L, f.get("drops"));
        assertEquals(Map.of("worker 0: drop neighbour_consumed", 10L), f.get("drops_by_reason"));
        // Received: 990 k + 1 M forwarded + 10 dropped; half of them established.
        assertEquals(1_990_010L, f.get("received_packets"));
        assertEquals(0.995, f.get("established_delivered_share"), "990 k of the 995 k established packets received");
        assertEquals(0.9999, f.get("established_state_kept_share"), "100 of 990 k packets were new flows again");
        assertEquals(0.9995, f.get("flood_new_share"));
        @SuppressWarnings("unchecked")
        Map<String, Object> ct = (Map<String, Object>) f.get("conntrack");
        assertEquals(200_000L, ct.get("inserts"));
        assertEquals(800_000L, ct.get("flood_guard_skips"));
        assertEquals(18_192L, ct.get("occupancy_at_t1"));
        assertNull(FlowScenarios.figures(FlowScenarios.extras(FlowScenarios.NEWFLOWS), d, 0.1, 1)
                .get("flood_new_share"));
    }

    private static void put(Map<String, Long> before, Map<String, Long> after, String label, long b, long a) {
        before.put(label, b);
        after.put(label, a);
    }

    @Test
    void bothScenariosAreListed() {
        assertTrue(Scenario.BY_NAME.get("newflows") == FlowScenarios.NEWFLOWS);
        assertTrue(Scenario.BY_NAME.get("flood") == FlowScenarios.FLOOD);
    }
}
