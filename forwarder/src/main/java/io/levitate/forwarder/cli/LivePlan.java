package io.levitate.forwarder.cli;

import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.config.ConfigPlan;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.ServiceDefinition;
import io.levitate.maglev.Backend;
import io.levitate.maglev.BackendState;
import io.levitate.maglev.MovedShare;
import io.levitate.maglev.ServiceTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code plan --against live} and {@code plan --fail}: what a new configuration, or a backend
 * going down, would move, computed from whole Maglev tables. The live tables are rebuilt from the
 * forwarder's {@code tables} answer (seed, M, hash fields, backends with their live states: a
 * Maglev table depends on nothing else) and the rebuild is checked against the live digest, so a
 * plan never silently compares with a table the workers do not use.
 */
final class LivePlan {
    private LivePlan() {}

    /** A live service's table, rebuilt and checked against the digest the forwarder reported. */
    static ServiceTable rebuilt(final LiveLines.Service service) {
        final ServiceTable table = service.rebuild();
        if (!table.digestHex().equals(service.digest())) {
            throw new LevitateException("service " + service.name() + ": the table rebuilt from the forwarder's answer "
                    + "has digest " + table.digestHex() + ", the forwarder's is " + service.digest()
                    + " (a forwarder of another version?)");
        }
        return table;
    }

    /**
     * Per service holding {@code backend}: the share of new flows that move if it goes down, and
     * where to, from the slots that differ between the table now and the table with it down (its
     * own slots, and the few others a Maglev rebuild reshuffles).
     */
    static String fail(final Map<String, ServiceTable> tables, final String backend) {
        final StringBuilder out = new StringBuilder();
        int matched = 0;
        for (final Map.Entry<String, ServiceTable> entry : tables.entrySet()) {
            final ServiceTable table = entry.getValue();
            for (int i = 0; i < table.backendCount(); i++) {
                final Backend b = table.backend(i);
                if (!matches(b, backend)) {
                    continue;
                }
                matched++;
                final String name = entry.getKey() + " " + LiveMatch.of(table);
                if (b.state() == BackendState.DOWN || table.slotCount(i) == 0) {
                    out.append("service ")
                            .append(name)
                            .append(": ")
                            .append(b.identity())
                            .append(" has no slot now; nothing moves\n");
                    continue;
                }
                final List<Backend> downed = new ArrayList<>(table.backends());
                downed.set(i, b.withState(BackendState.DOWN));
                final ServiceTable after = ServiceTable.build(table.config().withBackends(downed), table.seed());
                final Map<String, Integer> to = new TreeMap<>();
                int moved = 0;
                for (int slot = 0; slot < table.size(); slot++) {
                    if (table.slot(slot) != after.slot(slot)) {
                        moved++;
                        final int dest = after.slot(slot);
                        to.merge(dest < 0 ? "(no backend)" : after.backend(dest).identity(), 1, Integer::sum);
                    }
                }
                out.append(String.format(
                        Locale.ROOT,
                        "service %s: if %s fails, %s of new flows move (%d of %d slots), digest %s -> %s%n",
                        name,
                        b.identity(),
                        ConfigPlan.percent((double) moved / table.size()),
                        moved,
                        table.size(),
                        table.digestHex(),
                        after.digestHex()));
                to.forEach((dest, slots) -> out.append(String.format(
                        Locale.ROOT,
                        "  to %-40s %s (%d slots)%n",
                        dest,
                        ConfigPlan.percent((double) slots / table.size()),
                        slots)));
            }
        }
        if (matched == 0) {
            throw new LevitateException("no service has backend " + backend);
        }
        out.append("flows conntrack already tracks to it are rebound the same way when it goes down\n");
        return out.toString();
    }

    /** {@code ADDRESS:PORT} names one backend; a bare {@code ADDRESS} every backend at that address. */
    static boolean matches(final Backend b, final String spec) {
        if (b.identity().equals(spec)) {
            return true;
        }
        final String bare = spec.startsWith("[") && spec.endsWith("]") ? spec.substring(1, spec.length() - 1) : spec;
        return io.levitate.packet.Addresses.format(b.address()).equals(bare);
    }

    /** The running tables against a new configuration's, with the live health verdicts applied to the new one. */
    static String against(final List<LiveLines.Service> live, final LevitateConfig next, final String label) {
        final StringBuilder out = new StringBuilder();
        out.append("plan: running forwarder (live tables, health included) -> ")
                .append(label)
                .append('\n');
        final Map<String, LiveLines.Service> byName = new TreeMap<>();
        live.forEach(s -> byName.put(s.name(), s));
        for (final ServiceDefinition service : next.services()) {
            final LiveLines.Service running = byName.remove(service.name());
            ServiceTable after = service.buildTable(next.hashSeed());
            if (running == null) {
                out.append("service ")
                        .append(service.name())
                        .append(": added, digest ")
                        .append(after.digestHex())
                        .append('\n');
                continue;
            }
            final ServiceTable before = rebuilt(running);
            // A backend a health check holds down stays down across a reload (its verdict seeds the new checker).
            final List<Backend> withHealth = new ArrayList<>();
            for (final Backend b : after.backends()) {
                final boolean down = running.backends().stream()
                        .anyMatch(l -> l.name().equals(b.identity())
                                && "down".equals(l.values().get("health")));
                withHealth.add(down ? b.withState(BackendState.DOWN) : b);
            }
            after = ServiceTable.build(after.config().withBackends(withHealth), after.seed());
            if (before.digest() == after.digest()) {
                out.append("service ")
                        .append(service.name())
                        .append(": unchanged, digest ")
                        .append(before.digestHex())
                        .append('\n');
                continue;
            }
            out.append(String.format(
                    Locale.ROOT,
                    "service %s: digest %s -> %s, M %d -> %d, %s of new flows move to another backend%n",
                    service.name(),
                    before.digestHex(),
                    after.digestHex(),
                    before.size(),
                    after.size(),
                    ConfigPlan.percent(MovedShare.between(before, after).share())));
            changes(before, after, out);
        }
        byName.keySet().forEach(name -> out.append("service ").append(name).append(": removed\n"));
        return out.toString();
    }

    private static void changes(final ServiceTable before, final ServiceTable after, final StringBuilder out) {
        for (final Backend b : after.backends()) {
            final Backend was = before.backends().stream()
                    .filter(b::sameIdentity)
                    .findFirst()
                    .orElse(null);
            if (was == null) {
                out.append("  + ")
                        .append(b.identity())
                        .append(" weight ")
                        .append(b.weight())
                        .append('\n');
            } else if (was.weight() != b.weight() || was.state() != b.state()) {
                out.append("  ~ ")
                        .append(b.identity())
                        .append(" weight ")
                        .append(was.weight())
                        .append(" -> ")
                        .append(b.weight())
                        .append(", ")
                        .append(was.state().name().toLowerCase(Locale.ROOT))
                        .append(" -> ")
                        .append(b.state().name().toLowerCase(Locale.ROOT))
                        .append('\n');
            }
        }
        for (final Backend b : before.backends()) {
            if (after.backends().stream().noneMatch(b::sameIdentity)) {
                out.append("  - ").append(b.identity()).append('\n');
            }
        }
    }

    /** A table's service named by its match (a table does not know its service's name). */
    private static final class LiveMatch {
        static String of(final ServiceTable table) {
            final var c = table.config();
            final String host = io.levitate.packet.Addresses.format(c.vip());
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + (c.port() == 0 ? "any" : c.port()) + "/"
                    + (c.protocol() == 6 ? "tcp" : c.protocol() == 17 ? "udp" : Integer.toString(c.protocol()));
        }
    }
}
