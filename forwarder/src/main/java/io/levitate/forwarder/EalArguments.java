package io.levitate.forwarder;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the EAL argv from a {@link RunSpec}. Pure, so what Levitate asks of DPDK is testable
 * without DPDK.
 */
public final class EalArguments {
    private EalArguments() {}

    /**
     * @param hugepagesFree whether the machine has free hugepages (decides {@link MemoryMode#AUTO}).
     */
    public static List<String> build(final RunSpec spec, final boolean hugepagesFree) {
        final List<String> argv = new ArrayList<>();
        argv.add("levitate");

        // The core list holds the main lcore and every worker's CPU. EAL service (control)
        // threads run on CPUs outside the list, or on the main lcore's CPU when there are none:
        // either way they stay off the workers' CPUs.
        final Set<Integer> cores = new LinkedHashSet<>();
        cores.add(spec.mainCore());
        cores.addAll(spec.workerCores());
        argv.add("-l");
        argv.add(joinInts(cores));
        argv.add("--main-lcore");
        argv.add(Integer.toString(spec.mainCore()));

        argv.add("--file-prefix");
        argv.add(spec.filePrefix());

        final boolean huge = switch (spec.memoryMode()) {
            case HUGEPAGES -> true;
            case NO_HUGE -> false;
            case AUTO -> hugepagesFree;
        };
        if (huge) {
            // Process-private hugepage memory: no hugetlbfs mount and no files left behind.
            argv.add("--in-memory");
        } else {
            argv.add("--no-huge");
            argv.add("-m");
            argv.add(Integer.toString(spec.memoryMb()));
        }

        boolean anyPci = false;
        for (final PortSpec port : spec.ports()) {
            anyPci |= port.pci();
            argv.addAll(List.of(port.ealArguments()));
        }
        final String tap = exceptionTap(spec);
        for (int i = 0; tap != null && i < spec.ports().size(); i++) {
            // The exception path: one DPDK TAP per port, a kernel interface named prefix + index.
            argv.add("--vdev=" + exceptionDevice(i) + ",iface=" + tap + i);
        }
        if (!anyPci) {
            // Only virtual devices: do not probe (and grab) whatever NICs the machine has.
            argv.add("--no-pci");
        }
        argv.addAll(spec.extraEalArgs());
        return argv;
    }

    /**
     * The prefix of the TAPs' kernel interfaces: the exception path's, else with a health prefix
     * the health probes' TAPs ({@code lvh}), else null (no TAPs).
     */
    public static String exceptionTap(final RunSpec spec) {
        if (spec.config() == null) {
            return null;
        }
        final var instance = spec.config().instance();
        if (instance.exceptionTap() != null) {
            return instance.exceptionTap();
        }
        return instance.healthPrefix() != null ? io.levitate.forwarder.config.ConfigDefaults.HEALTH_INTERFACE : null;
    }

    /**
     * DPDK name of port i's exception TAP. A vdev name is its driver's name plus any suffix, so
     * this one is net_tap's and cannot collide with a data port named net_tapN.
     */
    public static String exceptionDevice(final int port) {
        return "net_tap_exception" + port;
    }

    private static String joinInts(final Iterable<Integer> values) {
        final StringBuilder sb = new StringBuilder();
        for (final int v : values) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(v);
        }
        return sb.toString();
    }
}
