package io.levitate.forwarder.lb;

import io.levitate.core.counters.PrometheusText;
import io.levitate.forwarder.config.BackendDefinition;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.ServiceDefinition;
import io.levitate.maglev.Backend;
import io.levitate.maglev.BackendState;
import io.levitate.maglev.FlowHash;
import io.levitate.maglev.ServiceTable;
import io.levitate.packet.FlowKey;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The answers of the control socket's read-only commands, read from a published (immutable)
 * {@link DataPlaneSnapshot}: {@code tables} (per service M, digest and each backend's weight,
 * state, health and slots as the workers use them now) and {@code lookup} (which backend a flow
 * gets and why). The same code answers {@code levitate lookup} for a configuration file, over a
 * snapshot built from it, so the live and the offline answers cannot drift apart.
 *
 * <p>The lines are {@code key=value} words after a leading kind word ({@code service},
 * {@code backend}, {@code flow}), so a script can read them and the CLI can turn them into JSON.
 */
public final class LiveState {
    private LiveState() {}

    /**
     * {@code tables}: one {@code service} line per service, then one {@code backend} line per
     * backend of its table.
     *
     * @param configured the running configuration, for telling a backend a health check took down
     *                   from one configured down (null: unknown, health is then the state's)
     */
    public static List<String> tables(final DataPlaneSnapshot snapshot, final LevitateConfig configured) {
        final List<String> lines = new ArrayList<>();
        for (final ServiceState service : snapshot.services()) {
            final ServiceTable table = service.table;
            lines.add(String.format(
                    Locale.ROOT,
                    "service %s match=%s M=%d digest=%s healthy=%d seed=%d hash=%s generation=%d",
                    service.name,
                    match(table),
                    table.size(),
                    table.digestHex(),
                    service.healthyBackends,
                    table.seed(),
                    table.config().hashFields().name().toLowerCase(Locale.ROOT),
                    snapshot.generation));
            final ServiceDefinition definition = configured != null ? configured.service(service.name) : null;
            for (int i = 0; i < table.backendCount(); i++) {
                final Backend b = table.backend(i);
                final BackendState wanted = configuredState(definition, b);
                final boolean checkedDown = b.state() == BackendState.DOWN && wanted != BackendState.DOWN;
                lines.add(String.format(
                        Locale.ROOT,
                        "  backend %s weight=%d state=%s health=%s slots=%d share=%.2f%%",
                        b.identity(),
                        b.weight(),
                        (wanted != null ? wanted : b.state()).name().toLowerCase(Locale.ROOT),
                        checkedDown ? "down" : b.state() == BackendState.DOWN ? "-" : "up",
                        table.slotCount(i),
                        100.0 * table.slotCount(i) / table.size()));
            }
        }
        return lines;
    }

    /** The state a backend has in the configuration (before health checks), or null when unknown. */
    private static BackendState configuredState(final ServiceDefinition definition, final Backend b) {
        if (definition == null) {
            return null;
        }
        for (final BackendDefinition d : definition.backends()) {
            if (d.toBackend().sameIdentity(b)) {
                return d.state();
            }
        }
        return null;
    }

    /** {@code 198.18.0.10:80/tcp} from a table's own configuration. */
    static String match(final ServiceTable table) {
        final var c = table.config();
        final String host = io.levitate.packet.Addresses.format(c.vip());
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + (c.port() == 0 ? "any" : c.port()) + "/"
                + (c.protocol() == 6 ? "tcp" : c.protocol() == 17 ? "udp" : Integer.toString(c.protocol()));
    }

    /** A parsed flow: protocol number, client address and port, VIP address and port. */
    public record Flow(int protocol, InetAddress client, int clientPort, InetAddress vip, int vipPort) {
        public Flow {
            if ((client.getAddress().length == 4) != (vip.getAddress().length == 4)) {
                throw new IllegalArgumentException("client and VIP must be of one address family");
            }
            if (clientPort < 0 || clientPort > 0xFFFF || vipPort < 0 || vipPort > 0xFFFF) {
                throw new IllegalArgumentException("port out of range 0..65535");
            }
        }

        /** {@code tcp 10.9.0.1 20000 198.18.0.10 80}: the words of a {@code lookup} request. */
        public static Flow parse(final String words) {
            final String[] w = words.strip().split("\\s+");
            if (w.length != 5) {
                throw new IllegalArgumentException(
                        "lookup needs PROTOCOL CLIENT_ADDRESS CLIENT_PORT VIP_ADDRESS VIP_PORT, got '" + words + "'");
            }
            return new Flow(protocol(w[0]), address(w[1]), port(w[2]), address(w[3]), port(w[4]));
        }

        /** The request words again ({@link #parse}'s input). */
        public String words() {
            return (protocol == 6 ? "tcp" : protocol == 17 ? "udp" : Integer.toString(protocol)) + " "
                    + io.levitate.packet.Addresses.format(client) + " " + clientPort + " "
                    + io.levitate.packet.Addresses.format(vip) + " " + vipPort;
        }

        static int protocol(final String word) {
            return switch (word.toLowerCase(Locale.ROOT)) {
                case "tcp", "6" -> 6;
                case "udp", "17" -> 17;
                default -> throw new IllegalArgumentException("protocol must be tcp or udp, not '" + word + "'");
            };
        }

        static int port(final String word) {
            try {
                return Integer.parseInt(word);
            } catch (final NumberFormatException ex) {
                throw new IllegalArgumentException("not a port: '" + word + "'");
            }
        }

        static InetAddress address(final String word) {
            try {
                return InetAddress.ofLiteral(
                        word.startsWith("[") && word.endsWith("]") ? word.substring(1, word.length() - 1) : word);
            } catch (final IllegalArgumentException ex) {
                throw new IllegalArgumentException("not an IP address literal: '" + word + "'");
            }
        }
    }

    /** {@link #lookup}'s conntrack argument when no worker was asked (a configuration file). */
    public static final int NOT_ASKED = Integer.MIN_VALUE + 1;

    /**
     * {@code lookup} of a running forwarder: asks each worker's conntrack table (through its
     * {@link ConntrackMailbox}, answered in the worker's housekeeping), then answers as {@link #lookup}.
     */
    public static String lookupLive(
            final DataPlaneSnapshot snapshot, final Flow flow, final java.util.List<ConntrackMailbox> workers) {
        final long[] vip = SnapshotBuilder.halves(flow.vip());
        final long[] client = SnapshotBuilder.halves(flow.client());
        final boolean v4 = flow.vip().getAddress().length == 4;
        final int tracked = workers.isEmpty()
                ? NOT_ASKED
                : ConntrackMailbox.ask(
                        workers,
                        v4 ? FlowKey.FAMILY_IPV4 : FlowKey.FAMILY_IPV6,
                        client[0],
                        client[1],
                        vip[0],
                        vip[1],
                        flow.clientPort(),
                        flow.vipPort(),
                        flow.protocol(),
                        1000);
        return lookup(snapshot, flow, tracked);
    }

    /**
     * Where a flow goes: {@code flow ... service=S backend=B reason=conntrack|maglev|no-backend
     * slot=N M=.. digest=..}, or a {@code refused:} line when no service has the VIP. A flow a worker
     * tracks keeps its conntrack backend (reason {@code conntrack}) unless that backend is down,
     * when the worker rebinds it to Maglev's choice ({@code conntrack=backend-down}); otherwise
     * Maglev's slot decides ({@code conntrack=miss}, or {@code no-answer} when a worker did not
     * answer in time).
     *
     * @param tracked a backend id, {@link io.levitate.conntrack.ConntrackTable#MISS},
     *                {@link io.levitate.conntrack.ConntrackTable#RESOLVE},
     *                {@link ConntrackMailbox#NO_ANSWER} or {@link #NOT_ASKED}
     */
    public static String lookup(final DataPlaneSnapshot snapshot, final Flow flow, final int tracked) {
        final boolean v4 = flow.vip().getAddress().length == 4;
        final long[] vip = SnapshotBuilder.halves(flow.vip());
        final long[] client = SnapshotBuilder.halves(flow.client());
        final int index = snapshot.vips.findService(
                v4 ? FlowKey.FAMILY_IPV4 : FlowKey.FAMILY_IPV6, vip[0], vip[1], flow.vipPort(), flow.protocol());
        final ServiceState service =
                index == VipTable.NONE || index >= snapshot.services.length ? null : snapshot.services[index];
        if (service == null) {
            return "refused: no service has " + io.levitate.packet.Addresses.withPort(flow.vip(), flow.vipPort()) + "/"
                    + (flow.protocol() == 6 ? "tcp" : "udp");
        }
        final ServiceTable table = service.table;
        final long hash = v4
                ? table.hashV4((int) client[1], (int) vip[1], flow.clientPort(), flow.vipPort(), flow.protocol(), false)
                : table.hashV6(
                        client[0],
                        client[1],
                        vip[0],
                        vip[1],
                        flow.clientPort(),
                        flow.vipPort(),
                        flow.protocol(),
                        false);
        final int slot = FlowHash.slot(hash, table.size());
        final int number = table.lookup(hash);
        final String maglev = number < 0 ? "none" : table.backend(number).identity();
        final String head = "flow " + flow.words().replace(' ', ',') + " service=" + service.name;
        final String where = " slot=" + slot + " M=" + table.size() + " digest=" + table.digestHex();
        if (tracked >= 0 && tracked < snapshot.backendCount()) {
            return head + " backend=" + identityOf(snapshot.backendName(tracked)) + " reason=conntrack maglev=" + maglev
                    + where;
        }
        final String conntrack = switch (tracked) {
            case NOT_ASKED -> "";
            case io.levitate.conntrack.ConntrackTable.RESOLVE -> " conntrack=backend-down";
            case ConntrackMailbox.NO_ANSWER -> " conntrack=no-answer";
            default -> " conntrack=miss";
        };
        return head + " backend=" + maglev + " reason=" + (number < 0 ? "no-backend" : "maglev") + conntrack + where;
    }

    /** "service/address:port" (a backend label) to "address:port". */
    private static String identityOf(final String label) {
        final int slash = label.indexOf('/');
        return slash < 0 ? label : label.substring(slash + 1);
    }

    /**
     * {@code levitate_service_table_info{service,digest,size} 1} per service, from the snapshot the
     * workers use now (health included): two forwarders of one cluster that disagree on a digest
     * send some flows of that service to different backends (docs/OPERATIONS.md has the alert).
     */
    public static void prometheus(final DataPlaneSnapshot snapshot, final PrometheusText text) {
        if (!snapshot.services().isEmpty()) {
            text.family(
                    "levitate_service_table_info",
                    "The Maglev table each service's workers use now: its digest and size M (value 1).",
                    "gauge");
        }
        for (final ServiceState service : snapshot.services()) {
            text.sample(
                    "levitate_service_table_info",
                    1,
                    "service",
                    service.name,
                    "digest",
                    service.table.digestHex(),
                    "size",
                    Integer.toString(service.table.size()));
        }
    }
}
