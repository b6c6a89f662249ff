package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.gre.EncapConfig;
import io.levitate.gre.GreEncapsulator;
import io.levitate.packet.testing.FrameBuilder;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Health probes through the tunnel, in a real worker without DPDK: a frame the kernel wrote to a
 * TAP whose source is backend id i's address in the health prefix is GRE-encapsulated to backend i
 * as it stands (not Maglev's choice, not in conntrack), and nothing else from the prefix gets out.
 */
class HealthProbeTunnelTest {
    private static final long PORT_MAC = 0x0270_6361_7000L;
    private static final long GATEWAY_MAC = 0x0200_0000_0001L;
    /** 10.0.1.128/28. */
    private static final int HEALTH_BASE = 0x0A00_0180;

    private static final int HEALTH_SIZE = 16;
    private static final long NOW_NANOS = 5_000_000_000L;
    /** Outer IPv4 destination, inner IPv4 source and destination, in a tunnel frame (Ethernet 14, IPv4 20, GRE 4). */
    private static final int OUTER_DST = 14 + 16;

    private static final int INNER_SRC = 14 + 20 + 4 + 12;
    private static final int INNER_DST = INNER_SRC + 4;

    private static final String CONFIG = """
        instance:
          name: probes
          ports:
            - device: "net_null0"
          addresses:
            ipv4: 10.0.1.2
          gateways:
            ipv4: 10.0.1.1
          health_prefix: 10.0.1.128/28
        hash_seed: 7
        conntrack:
          capacity: 4096
        services:
          - name: web
            vip: 198.18.0.1
            port: 80
            protocol: tcp
            backends: [{address: 10.0.2.1}, {address: 10.0.2.2}, {address: 10.0.2.3}]
          - name: dns
            vip: 198.18.0.2
            port: 53
            protocol: udp
            backends: [{address: 10.0.2.4}]
        """;

    private final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        arena.close();
    }

    private DataPlaneSnapshot snapshot;
    private OffPortWorker worker;

    private void start() throws Exception {
        final LevitateConfig config = ConfigReader.parse(CONFIG, "probes.yaml").config();
        snapshot = new SnapshotBuilder().build(config, Map.of());
        final Neighbours neighbours = new Neighbours(0x0A00_0102, true, 0, 0, false, 0x0A00_0101, true, 0, 0, false);
        neighbours.confirmV4(GATEWAY_MAC, Long.MAX_VALUE / 2);
        // Worker 1: worker 0's housekeeping would ask for gateway MACs through DPDK.
        worker = new OffPortWorker(
                arena,
                1,
                1,
                new AtomicReference<>(snapshot),
                neighbours,
                new ConntrackTable(
                        config.conntrack().toConntrackConfig(7).withServices(SnapshotBuilder.MAX_SERVICES, 0)),
                new GreEncapsulator(EncapConfig.builder()
                        .portMac(PORT_MAC)
                        .mtu(1500)
                        .sourceV4("10.0.1.2", 32)
                        .build()),
                PORT_MAC,
                HEALTH_BASE,
                HEALTH_SIZE);
    }

    private int id(final String label) {
        for (int i = 0; i < snapshot.backendCount(); i++) {
            if (label.equals(snapshot.backendName(i))) {
                return i;
            }
        }
        throw new AssertionError("no backend " + label);
    }

    private static String source(final int id) {
        final int a = HEALTH_BASE + id;
        return (a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }

    private static byte[] syn(final String source, final String vip, final int port) {
        return new FrameBuilder()
                .macs(GATEWAY_MAC, PORT_MAC)
                .ipv4(source, vip)
                .tcp(40000, port, 0x02)
                .build();
    }

    private static String ipv4At(final byte[] frame, final int offset) {
        final int a = ByteBuffer.wrap(frame).getInt(offset);
        return (a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }

    @Test
    void eachProbeSourceIsTunnelledToItsOwnBackendWithoutConntrack() throws Exception {
        start();
        for (final String backend : new String[] {"10.0.2.1", "10.0.2.2", "10.0.2.3"}) {
            final int id = id("web/" + backend + ":80");
            // The same 5-tuple but for the source: Maglev would put them wherever; each goes to its own.
            assertEquals(Action.FORWARD, worker.fromKernel(syn(source(id), "198.18.0.1", 80), NOW_NANOS), backend);
            final byte[] out = worker.frame(0);
            assertEquals(backend, ipv4At(out, OUTER_DST), "outer destination: the backend the source names");
            assertEquals(source(id), ipv4At(out, INNER_SRC), "inner source: the probe address, unchanged");
            assertEquals("198.18.0.1", ipv4At(out, INNER_DST), "inner destination: the VIP");
        }
        assertEquals(3, worker.stats.healthProbes);
        assertEquals(0, worker.conntrack.occupancy(), "probes never enter conntrack");
        final int dnsId = id("dns/10.0.2.4:53");
        final byte[] query = new FrameBuilder()
                .macs(GATEWAY_MAC, PORT_MAC)
                .ipv4(source(dnsId), "198.18.0.2")
                .udp(40000, 53)
                .build();
        assertEquals(Action.FORWARD, worker.fromKernel(query, NOW_NANOS), "UDP probes too");
        assertEquals("10.0.2.4", ipv4At(worker.frame(0), OUTER_DST));
    }

    @Test
    void framesFromOutsideThePrefixAreNotProbes() throws Exception {
        start();
        // The host's own traffic (BGP from 10.0.1.2, anything below or above the prefix) passes as is.
        assertEquals(GeneralPath.NOT_A_PROBE, worker.fromKernel(syn("10.0.1.2", "10.0.1.1", 179), NOW_NANOS));
        assertEquals(GeneralPath.NOT_A_PROBE, worker.fromKernel(syn("10.0.1.127", "198.18.0.1", 80), NOW_NANOS));
        assertEquals(GeneralPath.NOT_A_PROBE, worker.fromKernel(syn("10.0.1.144", "198.18.0.1", 80), NOW_NANOS));
        assertEquals(0, worker.stats.healthProbes);
    }

    @Test
    void probeAddressesWithoutTheirBackendAreCountedDrops() throws Exception {
        start();
        final long before = worker.drops(ForwardDrop.HEALTH_NO_BACKEND.id());
        // An id no backend has (4 backends: ids 0..3).
        assertEquals(Action.DROP, worker.fromKernel(syn(source(15), "198.18.0.1", 80), NOW_NANOS));
        // Backend of web, to the VIP and port of dns: an id reused by a reload under an old probe.
        final byte[] wrongService = new FrameBuilder()
                .macs(GATEWAY_MAC, PORT_MAC)
                .ipv4(source(id("web/10.0.2.1:80")), "198.18.0.2")
                .udp(40000, 53)
                .build();
        assertEquals(Action.DROP, worker.fromKernel(wrongService, NOW_NANOS));
        // The kernel's ICMP from a probe address (no port to speak of) does not leave untunnelled.
        final byte[] echo = new FrameBuilder()
                .macs(GATEWAY_MAC, PORT_MAC)
                .ipv4(source(id("web/10.0.2.1:80")), "198.18.0.1")
                .icmp(8, 0, 0x0001_0001)
                .build();
        assertEquals(Action.DROP, worker.fromKernel(echo, NOW_NANOS));
        assertEquals(before + 3, worker.drops(ForwardDrop.HEALTH_NO_BACKEND.id()));
        assertEquals(0, worker.stats.healthProbes);
    }
}
