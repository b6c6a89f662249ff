package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.conntrack.ConntrackConfig;
import io.levitate.conntrack.ConntrackTable;
import io.levitate.forwarder.config.BackendDefinition;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.ServiceDefinition;
import io.levitate.gre.EncapConfig;
import io.levitate.gre.GreEncapsulator;
import io.levitate.maglev.BackendState;
import io.levitate.packet.testing.FrameBuilder;
import java.lang.foreign.Arena;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Backend ids are reused without misdirecting a flow: 10,000 reloads, each removing a backend of
 * one of two services and adding a new one, under traffic through two real workers (their own
 * conntrack tables, of different sizes, so their sweeps end at different times), with the
 * builder's quarantine fed by the workers' published sweep generations. Every tunnelled packet
 * must go to the backend its flow was bound to (while that backend is configured) or to the
 * current Maglev choice for the flow in its own service, never to a recycled id's new backend.
 * The same run with ids reused at once (no quarantine) does misdirect flows: the check can fail.
 */
class BackendIdReuseTest {
    private static final long PORT_MAC = 0x0270_6361_7000L;
    private static final long GATEWAY_MAC = 0x0200_0000_0001L;
    private static final int FORWARD = 1;
    private static final int RELOADS = 10_000;
    private static final int BACKENDS_PER_SERVICE = 6;
    private static final int FLOWS_PER_SERVICE = 256;
    private static final int PACKETS_PER_RELOAD = 16;
    private static final String BASE = """
        instance:
          name: t
          ports: [{device: "net_null0"}]
          addresses: {ipv4: 10.0.1.2}
          gateways: {ipv4: 10.0.1.1}
        hash_seed: 9
        services:
          - {name: web, vip: 198.18.0.10, port: 80, protocol: tcp, table_size: 251, backends: [{address: 10.0.0.1}]}
          - {name: api, vip: 198.18.0.11, port: 443, protocol: tcp, table_size: 251, backends: [{address: 10.0.0.2}]}
        """;

    private final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        arena.close();
    }

    /** A worker with one mbuf (each frame a burst of one) and its own conntrack table. */
    private final class Worker {
        final OffPortWorker worker;
        final WorkerStats stats;
        final ConntrackTable conntrack;

        Worker(final int index, final int capacity, final AtomicReference<DataPlaneSnapshot> published) {
            final Neighbours neighbours =
                    new Neighbours(0x0A00_0102, true, 0, 0, false, 0x0A00_0101, true, 0, 0, false);
            neighbours.confirmV4(GATEWAY_MAC, Long.MAX_VALUE / 2);
            // Worker index 1 and up: worker 0's housekeeping would ask for gateway MACs through DPDK.
            worker = new OffPortWorker(
                    arena,
                    1 + index,
                    1,
                    published,
                    neighbours,
                    new ConntrackTable(ConntrackConfig.defaults(capacity, 11 + index)
                            .withServices(SnapshotBuilder.MAX_SERVICES, 0)),
                    new GreEncapsulator(EncapConfig.builder()
                            .portMac(PORT_MAC)
                            .mtu(9000)
                            .sourceV4("10.0.1.2", 32)
                            .build()),
                    PORT_MAC);
            stats = worker.stats;
            conntrack = worker.conntrack;
        }

        /** Handles one frame at {@code nowMs}; the tunnel's outer IPv4 destination as an int, or 0 if not forwarded. */
        int tunnel(final byte[] frame, final long nowMs) {
            if (worker.receive(frame, nowMs * 1_000_000) != FORWARD) {
                return 0;
            }
            return ByteBuffer.wrap(worker.frame(0)).getInt(14 + 16);
        }
    }

    /** What a run saw. */
    private record Outcome(
            int misdirected,
            String firstMisdirection,
            int highestIds,
            long distinctBackends,
            int continued,
            int reResolved,
            int forwarded) {}

    private static InetAddress address(final int n) throws Exception {
        // Never reused: 10.(n >> 16).(n >> 8).n, from 10.1.0.0 on.
        final int a = 0x0A01_0000 + n;
        return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
    }

    private static int v4(final InetAddress a) {
        return SnapshotBuilder.v4(a);
    }

    private Outcome run(final boolean quarantine) throws Exception {
        final LevitateConfig base = ConfigReader.parse(BASE, "t.yaml").config();
        final AtomicReference<DataPlaneSnapshot> published = new AtomicReference<>();
        final Worker[] workers = new Worker[2];
        // The quarantine's input: the lowest generation both workers swept at, as DataPlane computes it.
        final LongSupplier swept = quarantine
                ? () -> workers[1] == null
                        ? Long.MAX_VALUE // the first build, before any worker holds an id
                        : Math.min(workers[0].stats.sweptGeneration(), workers[1].stats.sweptGeneration())
                : () -> Long.MAX_VALUE;
        final SnapshotBuilder builder = new SnapshotBuilder(swept);
        final List<List<InetAddress>> backends = new ArrayList<>();
        int nextAddress = 0;
        for (int s = 0; s < 2; s++) {
            final List<InetAddress> list = new ArrayList<>();
            for (int b = 0; b < BACKENDS_PER_SERVICE; b++) {
                list.add(address(nextAddress++));
            }
            backends.add(list);
        }
        published.set(builder.build(config(base, backends), Map.of()));
        workers[0] = new Worker(0, 4096, published);
        workers[1] = new Worker(1, 32768, published);

        // Flows: service s = flow % 2, worker = (flow / 2) % 2; bound[flow]: backend address last used (0: none).
        final int flows = 2 * FLOWS_PER_SERVICE;
        final byte[][] frames = new byte[flows][];
        final int[] clients = new int[flows];
        final int[] ports = new int[flows];
        for (int f = 0; f < flows; f++) {
            clients[f] = 0xCB00_7100 + f; // 203.0.113.0 and up
            ports[f] = 20000 + f;
            frames[f] = new FrameBuilder()
                    .ipv4(
                            InetAddress.getByAddress(ByteBuffer.allocate(4)
                                            .putInt(clients[f])
                                            .array())
                                    .getHostAddress(),
                            f % 2 == 0 ? "198.18.0.10" : "198.18.0.11")
                    .tcp(ports[f], f % 2 == 0 ? 80 : 443, 0x10)
                    .payload(10)
                    .build();
        }
        final int[] bound = new int[flows];
        final SplittableRandom random = new SplittableRandom(2024);
        int misdirected = 0;
        String first = null;
        int highest = 0;
        int continued = 0;
        int reResolved = 0;
        int forwarded = 0;
        long nowMs = 10_000;
        for (int reload = 0; reload < RELOADS; reload++) {
            final DataPlaneSnapshot s = published.get();
            // Which backends are configured now, by address, and each service's table.
            final Map<Integer, String> configured = new HashMap<>();
            for (final ServiceState state : s.services()) {
                for (int i = 0; i < state.table.backendCount(); i++) {
                    configured.put(v4(state.table.backend(i).address()), state.name);
                }
            }
            for (int p = 0; p < PACKETS_PER_RELOAD; p++) {
                final int f = random.nextInt(flows);
                final ServiceState state = s.service(f % 2 == 0 ? "web" : "api");
                final int choice = v4(state.table
                        .backend(state.table.lookupV4(
                                clients[f],
                                f % 2 == 0 ? 0xC612_000A : 0xC612_000B,
                                ports[f],
                                f % 2 == 0 ? 80 : 443,
                                6,
                                false))
                        .address());
                final int to = workers[(f / 2) % 2].tunnel(frames[f], nowMs++);
                assertTrue(to != 0, "flow " + f + " forwarded at reload " + reload);
                forwarded++;
                final boolean stays = to == bound[f] && state.name.equals(configured.get(to));
                if (stays) {
                    continued++;
                } else if (to == choice) {
                    reResolved += bound[f] != 0 && bound[f] != to ? 1 : 0;
                } else {
                    misdirected++;
                    if (first == null) {
                        first = "reload " + reload + ": flow " + f + " of " + state.name + " bound to "
                                + Integer.toHexString(bound[f]) + " went to " + Integer.toHexString(to) + " ("
                                + configured.get(to) + "), Maglev chooses " + Integer.toHexString(choice);
                    }
                }
                bound[f] = to;
            }
            for (final Worker w : workers) {
                w.worker.agent.housekeepingNow(nowMs);
            }
            // The reload: one of the service's backends replaced by a new one.
            final List<InetAddress> list = backends.get(reload % 2);
            list.remove(random.nextInt(list.size()));
            list.add(address(nextAddress++));
            final DataPlaneSnapshot next = builder.build(config(base, backends), Map.of());
            highest = Math.max(highest, next.backendCount());
            published.set(next);
        }
        for (final Worker w : workers) {
            w.conntrack.close();
        }
        return new Outcome(misdirected, first, highest, nextAddress, continued, reResolved, forwarded);
    }

    private static LevitateConfig config(final LevitateConfig base, final List<List<InetAddress>> backends) {
        final List<ServiceDefinition> services = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            final ServiceDefinition d = base.services().get(s);
            final List<BackendDefinition> list = new ArrayList<>();
            for (final InetAddress a : backends.get(s)) {
                list.add(new BackendDefinition(a, d.port(), 100, BackendState.ACTIVE, null));
            }
            services.add(new ServiceDefinition(
                    d.name(),
                    d.vip(),
                    d.port(),
                    d.protocol(),
                    d.tableSize(),
                    d.hashFields(),
                    d.quota(),
                    d.announce(),
                    d.mixedFamilies(),
                    d.fragments(),
                    d.healthCheck(),
                    list));
        }
        return new LevitateConfig(
                base.instance(),
                base.hashSeed(),
                base.conntrack(),
                services,
                base.metrics(),
                base.control(),
                base.bgp());
    }

    @Test
    void tenThousandReloadsUnderTrafficReuseIdsAndNeverMisdirectAFlow() throws Exception {
        final Outcome o = run(true);
        assertEquals(0, o.misdirected(), o.firstMisdirection());
        assertEquals(RELOADS * PACKETS_PER_RELOAD, o.forwarded());
        assertEquals(2 * BACKENDS_PER_SERVICE + RELOADS, o.distinctBackends());
        // 10,012 backends over the run, in a few dozen ids: freed ids were reused.
        assertTrue(o.highestIds() < 100, "ids used: " + o.highestIds());
        // Not vacuous: flows stayed on their backends, and flows of removed backends re-resolved (a flow
        // is seen about every 32 reloads, 16 of its service's, each replacing one backend of six).
        assertTrue(o.continued() > o.forwarded() / 10, o.toString());
        assertTrue(o.reResolved() > 1000, o.toString());
        System.out.println("BackendIdReuseTest: " + o);
    }

    @Test
    void reusingIdsWithoutTheQuarantineMisdirectsFlows() throws Exception {
        final Outcome o = run(false);
        assertTrue(o.misdirected() > 0, o.toString());
        System.out.println("BackendIdReuseTest without quarantine: " + o);
    }
}
