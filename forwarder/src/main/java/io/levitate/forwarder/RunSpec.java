package io.levitate.forwarder;

import java.time.Duration;
import java.util.List;

/**
 * Everything {@code levitate run} needs, validated: the forwarder is built from this, never from
 * raw arguments.
 *
 * @param ports         ports in order; port i forwards to port i^1 (a lone last port to itself).
 * @param workers       busy-poll workers, one RX/TX queue pair per port each.
 * @param workerCores   the CPU each worker is pinned to, one per worker, distinct.
 * @param mainCore      the EAL main lcore: runs the control thread; EAL service threads share it.
 * @param filePrefix    EAL --file-prefix, unique per DPDK process on a machine.
 * @param memoryMode    hugepages or not.
 * @param memoryMb      EAL -m when not using hugepages.
 * @param mbufs         mbufs in each pool.
 * @param rxDescriptors RX ring size per queue.
 * @param txDescriptors TX ring size per queue.
 * @param burst         packets per rx/tx burst.
 * @param duration      stop after this long; null runs until SIGINT/SIGTERM.
 * @param statsInterval print counters this often; null prints only at exit.
 * @param extraEalArgs  passed to the EAL verbatim, after Levitate's own.
 * @param instance      instance name: names the counters file.
 * @param countersDir   directory of instances' counters files.
 * @param config        the load-balancing configuration, or null for the L2 forwarding mode.
 */
public record RunSpec(
        List<PortSpec> ports,
        int workers,
        List<Integer> workerCores,
        int mainCore,
        String filePrefix,
        MemoryMode memoryMode,
        int memoryMb,
        int mbufs,
        int rxDescriptors,
        int txDescriptors,
        int burst,
        Duration duration,
        Duration statsInterval,
        List<String> extraEalArgs,
        String instance,
        java.nio.file.Path countersDir,
        io.levitate.forwarder.config.LevitateConfig config) {
    /** Largest burst: the worker's mbuf pointer arrays are sized for it. */
    public static final int MAX_BURST = 512;

    public RunSpec {
        ports = List.copyOf(ports);
        workerCores = List.copyOf(workerCores);
        extraEalArgs = List.copyOf(extraEalArgs);
    }

    /** The port that port {@code i} transmits to: pairs (0,1), (2,3), ...; a lone last port to itself. */
    public int peerOf(final int i) {
        final int peer = i ^ 1;
        return peer < ports.size() ? peer : i;
    }
}
