package io.levitate.forwarder.config;

import io.levitate.forwarder.MemoryMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * This machine: its name, ports, CPUs, memory and the addresses the data plane uses.
 *
 * @param name            instance name, {@code [A-Za-z0-9_.-]{1,64}}; names the counters file
 * @param countersDir     directory of the counters file ({@code <countersDir>/<name>/counters.dat})
 * @param ports           the DPDK ports, at least one, devices distinct
 * @param workers         busy-poll workers, at least one
 * @param cores           CPU per worker (size == workers, distinct), or empty for the default
 * @param mainCore        the EAL main lcore
 * @param hugepages       hugepages mode ({@code auto | yes | no})
 * @param memoryMb        EAL memory without hugepages
 * @param mbufs           mbufs per pool, or 0 for the forwarder's default
 * @param addresses       our own addresses on the data ports
 * @param gateways        next hops the data plane resolves
 * @param greSourcePrefix per-flow GRE outer source prefix, or null
 * @param idle            what a worker does when a poll finds no packets
 * @param exceptionTap    prefix of the kernel interfaces of the exception path (one net_tap per
 *                        port, named prefix + port index), or null: traffic that is not ours is
 *                        dropped and counted
 * @param exceptionRate   packets per second per worker the exception path hands the kernel
 * @param neighbours      whether the gateways' MACs are learnt or pinned (and the pinned MACs)
 * @param healthPrefix    IPv4 prefix of the health checker's per-backend source addresses for checks
 *                        through the tunnel ({@code health_check.via: tunnel}), or null: the address
 *                        of backend id i is the prefix's first address plus i (see {@code
 *                        HealthTunnel} in the lb package)
 * @param stopGrace       how long a forwarder told to stop (SIGTERM, SIGINT) keeps forwarding in
 *                        state "stopping", so the announcer's withdraw reaches the peers first
 */
public record InstanceConfig(
        String name,
        Path countersDir,
        List<PortConfig> ports,
        int workers,
        List<Integer> cores,
        int mainCore,
        MemoryMode hugepages,
        int memoryMb,
        int mbufs,
        AddressPair addresses,
        AddressPair gateways,
        Cidr greSourcePrefix,
        IdleMode idle,
        String exceptionTap,
        int exceptionRate,
        NeighbourSettings neighbours,
        Duration stopGrace,
        Cidr healthPrefix) {
    public InstanceConfig {
        ports = List.copyOf(ports);
        cores = List.copyOf(cores);
    }
}
