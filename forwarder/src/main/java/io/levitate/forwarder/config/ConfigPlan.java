package io.levitate.forwarder.config;

import io.levitate.core.config.Addresses;
import io.levitate.maglev.Backend;
import io.levitate.maglev.MovedShare;
import io.levitate.maglev.ServiceTable;
import io.levitate.maglev.TableSizes;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What replacing one valid configuration by another would change: per service, its backends,
 * table and the share of new flows that would move to another backend ({@link MovedShare}: exact
 * from the two tables, built with each file's seed, when the flow hash is unchanged; sampled over a
 * million flows when the seed or the hash fields change, since identical tables indexed by another
 * hash still move nearly every flow); and which other sections differ. Established flows are not
 * counted: conntrack keeps them on their backend.
 *
 * @param hashSeedBefore the current file's seed
 * @param hashSeedAfter  the new file's seed
 * @param services       the new file's services in order, then the removed ones
 * @param otherChanges   changed keys outside {@code services}, such as {@code instance.workers}
 */
public record ConfigPlan(
        long hashSeedBefore, long hashSeedAfter, List<ServiceChange> services, List<String> otherChanges) {
    /** How a service changes. */
    public enum Status {
        ADDED,
        REMOVED,
        CHANGED,
        UNCHANGED
    }

    /**
     * One service's change.
     *
     * @param name           the service name (services are matched by name)
     * @param status         added, removed, changed or unchanged
     * @param match          {@code vip:port/protocol} (the new one unless removed)
     * @param changes        one line per changed property or backend
     * @param sizeBefore     table size M before (0 if added)
     * @param sizeAfter      table size M after (0 if removed)
     * @param digestBefore   table digest before (null if added)
     * @param digestAfter    table digest after (null if removed)
     * @param movedShare     share of new flows whose backend changes, or NaN when added or removed
     * @param movedError     the 95 % sampling error of {@code movedShare}; 0 when exact
     * @param movedSamples   flows sampled for {@code movedShare}; 0 when exact (from the tables)
     * @param shareChanges   per backend whose share of new flows changes: "identity before -> after"
     */
    public record ServiceChange(
            String name,
            Status status,
            String match,
            List<String> changes,
            int sizeBefore,
            int sizeAfter,
            String digestBefore,
            String digestAfter,
            double movedShare,
            double movedError,
            int movedSamples,
            List<String> shareChanges) {
        public ServiceChange {
            changes = List.copyOf(changes);
            shareChanges = List.copyOf(shareChanges);
        }
    }

    public ConfigPlan {
        services = List.copyOf(services);
        otherChanges = List.copyOf(otherChanges);
    }

    /** The plan for going from {@code before} (in use) to {@code after} (proposed). */
    public static ConfigPlan between(final LevitateConfig before, final LevitateConfig after) {
        final Map<String, ServiceTable> oldTables = before.buildTables();
        final Map<String, ServiceTable> newTables = after.buildTables();
        final List<ServiceChange> services = new ArrayList<>();
        for (final ServiceDefinition s : after.services()) {
            final ServiceDefinition old = before.service(s.name());
            final ServiceTable table = newTables.get(s.name());
            if (old == null) {
                services.add(new ServiceChange(
                        s.name(),
                        Status.ADDED,
                        s.match(),
                        List.of(s.backends().size() + " backends"),
                        0,
                        table.size(),
                        null,
                        table.digestHex(),
                        Double.NaN,
                        0,
                        0,
                        List.of()));
                continue;
            }
            final ServiceTable oldTable = oldTables.get(s.name());
            final MovedShare moved = MovedShare.between(oldTable, table);
            final List<String> changes = serviceChanges(old, s, oldTable, table, moved);
            final boolean same = changes.isEmpty() && oldTable.digest() == table.digest();
            services.add(new ServiceChange(
                    s.name(),
                    same ? Status.UNCHANGED : Status.CHANGED,
                    s.match(),
                    changes,
                    oldTable.size(),
                    table.size(),
                    oldTable.digestHex(),
                    table.digestHex(),
                    moved.share(),
                    moved.error(),
                    moved.samples(),
                    shareChanges(oldTable, table)));
        }
        for (final ServiceDefinition old : before.services()) {
            if (after.service(old.name()) == null) {
                final ServiceTable oldTable = oldTables.get(old.name());
                services.add(new ServiceChange(
                        old.name(),
                        Status.REMOVED,
                        old.match(),
                        List.of(old.backends().size() + " backends"),
                        oldTable.size(),
                        0,
                        oldTable.digestHex(),
                        null,
                        Double.NaN,
                        0,
                        0,
                        List.of()));
            }
        }
        final List<String> other = new ArrayList<>();
        if (before.hashSeed() != after.hashSeed()) {
            other.add("hash_seed");
        }
        other.addAll(changedKeys("instance", before.instance(), after.instance()));
        other.addAll(changedKeys("conntrack", before.conntrack(), after.conntrack()));
        other.addAll(changedKeys("metrics", before.metrics(), after.metrics()));
        other.addAll(changedKeys("control", before.control(), after.control()));
        if (before.bgp() == null || after.bgp() == null) {
            if (before.bgp() != after.bgp()) {
                other.add(before.bgp() == null ? "bgp (added)" : "bgp (removed)");
            }
        } else {
            other.addAll(changedKeys("bgp", before.bgp(), after.bgp()));
        }
        return new ConfigPlan(before.hashSeed(), after.hashSeed(), services, other);
    }

    private static List<String> serviceChanges(
            final ServiceDefinition old,
            final ServiceDefinition s,
            final ServiceTable oldTable,
            final ServiceTable table,
            final MovedShare moved) {
        final List<String> changes = new ArrayList<>();
        if (!old.match().equals(s.match())) {
            changes.add("match " + old.match() + " -> " + s.match());
        }
        if (old.hashFields() != s.hashFields()) {
            changes.add("hash " + hashWord(old) + " -> " + hashWord(s));
        }
        if (oldTable.size() != table.size()) {
            changes.add(tableSizeChange(s, oldTable.size(), table.size(), moved));
        }
        if (old.quota() != s.quota()) {
            changes.add("quota " + quotaText(old.quota()) + " -> " + quotaText(s.quota()));
        }
        if (old.announce() != s.announce()) {
            changes.add("announce " + old.announce() + " -> " + s.announce());
        }
        if (old.mixedFamilies() != s.mixedFamilies()) {
            changes.add("mixed_families " + old.mixedFamilies() + " -> " + s.mixedFamilies());
        }
        if (!Objects.equals(old.fragments(), s.fragments())) {
            changes.add("fragments " + (old.fragments() == null ? "unset" : old.fragments()) + " -> "
                    + (s.fragments() == null ? "unset" : s.fragments()));
        }
        if (!Objects.equals(old.healthCheck(), s.healthCheck())) {
            changes.add("health_check changed");
        }
        final Map<String, BackendDefinition> before = byIdentity(old.backends());
        final Map<String, BackendDefinition> after = byIdentity(s.backends());
        for (final Map.Entry<String, BackendDefinition> e : after.entrySet()) {
            final BackendDefinition was = before.get(e.getKey());
            final BackendDefinition now = e.getValue();
            if (was == null) {
                changes.add("+ backend " + e.getKey() + " (weight " + now.weight() + ", " + stateWord(now) + ")");
                continue;
            }
            if (was.weight() != now.weight()) {
                changes.add("~ backend " + e.getKey() + " weight " + was.weight() + " -> " + now.weight());
            }
            if (was.state() != now.state()) {
                changes.add("~ backend " + e.getKey() + " state " + stateWord(was) + " -> " + stateWord(now));
            }
            if (!Objects.equals(was.healthCheck(), now.healthCheck())) {
                changes.add("~ backend " + e.getKey() + " health_check changed");
            }
        }
        for (final Map.Entry<String, BackendDefinition> e : before.entrySet()) {
            if (!after.containsKey(e.getKey())) {
                changes.add("- backend " + e.getKey() + " (was weight "
                        + e.getValue().weight() + ", " + stateWord(e.getValue()) + ")");
            }
        }
        return changes;
    }

    /**
     * {@code table size 65537 -> 131071 (the default for 656..1310 backends): 99.85% of new flows move},
     * the one line every tool prints for a change of M.
     */
    public static String tableSizeChange(
            final ServiceDefinition s, final int before, final int after, final MovedShare moved) {
        final StringBuilder sb =
                new StringBuilder("table size ").append(before).append(" -> ").append(after);
        if (s.tableSize() == 0) {
            sb.append(" (").append(defaultRange(s.backends().size())).append(')');
        }
        return sb.append(": ")
                .append(percent(moved.share()))
                .append(" of new flows move")
                .toString();
    }

    /** {@code the default for 656..1310 backends}, or {@code for 5243 backends and more}. */
    public static String defaultRange(final int backends) {
        final int threshold = TableSizes.threshold(backends);
        return "the default for " + TableSizes.rungStart(backends)
                + (threshold == Integer.MAX_VALUE ? " backends and more" : ".." + threshold + " backends");
    }

    /** {@code exact, from the tables} or {@code sampled, 1000000 flows, ±0.06%}. */
    static String method(final double error, final int samples) {
        return samples == 0 ? "exact, from the tables" : "sampled, " + samples + " flows, \u00b1" + percent(error);
    }

    /** Backends whose share of new flows changes, with both shares. */
    private static List<String> shareChanges(final ServiceTable before, final ServiceTable after) {
        final Map<String, double[]> shares = new LinkedHashMap<>();
        for (int i = 0; i < before.backendCount(); i++) {
            shares.computeIfAbsent(identity(before.backend(i)), k -> new double[2])[0] =
                    (double) before.slotCount(i) / before.size();
        }
        for (int i = 0; i < after.backendCount(); i++) {
            shares.computeIfAbsent(identity(after.backend(i)), k -> new double[2])[1] =
                    (double) after.slotCount(i) / after.size();
        }
        final List<String> lines = new ArrayList<>();
        for (final Map.Entry<String, double[]> e : shares.entrySet()) {
            final double[] s = e.getValue();
            if (Math.abs(s[0] - s[1]) >= 0.00005) {
                lines.add(e.getKey() + " " + percent(s[0]) + " -> " + percent(s[1]));
            }
        }
        return lines;
    }

    private static String identity(final Backend b) {
        return Addresses.withPort(b.address(), b.port());
    }

    private static Map<String, BackendDefinition> byIdentity(final List<BackendDefinition> backends) {
        final Map<String, BackendDefinition> map = new LinkedHashMap<>();
        for (final BackendDefinition b : backends) {
            map.put(b.identity(), b);
        }
        return map;
    }

    /** The record components (as file keys) whose values differ. */
    private static List<String> changedKeys(final String section, final Record before, final Record after) {
        final List<String> keys = new ArrayList<>();
        for (final RecordComponent c : before.getClass().getRecordComponents()) {
            try {
                if (!Objects.equals(
                        c.getAccessor().invoke(before), c.getAccessor().invoke(after))) {
                    keys.add(section + "." + snake(c.getName()));
                }
            } catch (final ReflectiveOperationException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        return keys;
    }

    /** {@code greSourcePrefix} -> {@code gre_source_prefix}. */
    private static String snake(final String camel) {
        final StringBuilder sb = new StringBuilder();
        for (final char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('_').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String hashWord(final ServiceDefinition s) {
        return s.hashFields() == io.levitate.maglev.HashFields.SOURCE_IP ? "source-ip" : "5-tuple";
    }

    private static String quotaText(final int quota) {
        return quota == 0 ? "none" : Integer.toString(quota);
    }

    private static String stateWord(final BackendDefinition b) {
        return switch (b.state()) {
            case ACTIVE -> "active";
            case DRAINING -> "drain";
            case DOWN -> "down";
        };
    }

    /** {@code 10.27%}. */
    public static String percent(final double share) {
        return String.format(Locale.ROOT, "%.2f%%", share * 100);
    }

    /** Counts of services by status. */
    public int count(final Status status) {
        int n = 0;
        for (final ServiceChange s : services) {
            n += s.status() == status ? 1 : 0;
        }
        return n;
    }

    /** The plan as an operator reads it. */
    public String render(final String currentLabel, final String newLabel) {
        final StringBuilder sb = new StringBuilder();
        sb.append("plan: ")
                .append(currentLabel)
                .append(" (in use) -> ")
                .append(newLabel)
                .append('\n');
        if (hashSeedBefore != hashSeedAfter) {
            sb.append(String.format(
                    Locale.ROOT,
                    "hash_seed 0x%x -> 0x%x: every table is rebuilt; nearly all new flows move%n",
                    hashSeedBefore,
                    hashSeedAfter));
        }
        for (final ServiceChange s : services) {
            sb.append('\n');
            switch (s.status()) {
                case ADDED ->
                    sb.append("+ service ")
                            .append(s.name())
                            .append(' ')
                            .append(s.match())
                            .append(": added, ")
                            .append(s.changes().get(0))
                            .append(", table size ")
                            .append(s.sizeAfter())
                            .append(", digest ")
                            .append(s.digestAfter())
                            .append('\n');
                case REMOVED ->
                    sb.append("- service ")
                            .append(s.name())
                            .append(' ')
                            .append(s.match())
                            .append(": removed (had ")
                            .append(s.changes().get(0))
                            .append(", digest ")
                            .append(s.digestBefore())
                            .append("); its traffic is no longer balanced\n");
                case UNCHANGED ->
                    sb.append("= service ")
                            .append(s.name())
                            .append(' ')
                            .append(s.match())
                            .append(": unchanged, table size ")
                            .append(s.sizeAfter())
                            .append(", digest ")
                            .append(s.digestAfter())
                            .append('\n');
                case CHANGED -> {
                    sb.append("~ service ")
                            .append(s.name())
                            .append(' ')
                            .append(s.match())
                            .append(": changed\n");
                    for (final String c : s.changes()) {
                        sb.append("    ").append(c).append('\n');
                    }
                    if (s.sizeBefore() == s.sizeAfter()) {
                        sb.append("    table size ").append(s.sizeAfter()).append(" (unchanged)\n");
                    }
                    sb.append("    new flows that move to another backend: ")
                            .append(percent(s.movedShare()))
                            .append(" (")
                            .append(method(s.movedError(), s.movedSamples()))
                            .append(")\n");
                    if (!s.shareChanges().isEmpty()) {
                        sb.append("    share of new flows:\n");
                        for (final String line : s.shareChanges()) {
                            sb.append("      ").append(line).append('\n');
                        }
                    }
                    sb.append("    digest ")
                            .append(s.digestBefore())
                            .append(" -> ")
                            .append(s.digestAfter())
                            .append(s.digestBefore().equals(s.digestAfter()) ? " (same table)" : "")
                            .append('\n');
                }
                default -> throw new IllegalStateException();
            }
        }
        sb.append('\n');
        sb.append(
                otherChanges.isEmpty()
                        ? "other sections: unchanged\n"
                        : "other changes: " + String.join(", ", otherChanges) + "\n");
        sb.append("summary: ")
                .append(count(Status.ADDED))
                .append(" added, ")
                .append(count(Status.REMOVED))
                .append(" removed, ")
                .append(count(Status.CHANGED))
                .append(" changed, ")
                .append(count(Status.UNCHANGED))
                .append(" unchanged\n");
        return sb.toString();
    }
}
