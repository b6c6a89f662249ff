package io.levitate.forwarder.config;

import io.levitate.core.config.BgpConfig;
import io.levitate.maglev.ServiceTable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A valid configuration file: everything the forwarder is built from. Immutable; produced only by
 * {@link ConfigReader}, which guarantees every cross-key rule of {@code docs/CONFIG.md}.
 *
 * @param instance  this machine
 * @param hashSeed  the cluster-wide Maglev seed (a uint64 held in a long)
 * @param conntrack connection table settings
 * @param services  services in file order, names and (vip, port, protocol) distinct
 * @param metrics   the Prometheus endpoint
 * @param control   the control socket
 * @param bgp       the announcer's section, or null when absent
 */
public record LevitateConfig(
        InstanceConfig instance,
        long hashSeed,
        ConntrackSettings conntrack,
        List<ServiceDefinition> services,
        MetricsConfig metrics,
        ControlConfig control,
        BgpConfig bgp) {
    public LevitateConfig {
        services = List.copyOf(services);
    }

    /** The service called {@code name}, or null. */
    public ServiceDefinition service(final String name) {
        for (final ServiceDefinition s : services) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** Every service's Maglev table with this file's seed, by name in file order. */
    public Map<String, ServiceTable> buildTables() {
        final Map<String, ServiceTable> tables = new LinkedHashMap<>();
        for (final ServiceDefinition s : services) {
            tables.put(s.name(), s.buildTable(hashSeed));
        }
        return Collections.unmodifiableMap(tables);
    }
}
