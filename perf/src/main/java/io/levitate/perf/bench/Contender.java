package io.levitate.perf.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One program under test, with the arguments that make it what the scenario measures. All
 * contenders forward port 0 → port 1 (and 1 → 0, which is idle) on {@link RunSetup#fwdCore()},
 * with their control thread on {@link RunSetup#mainCore()}.
 *
 * @param name      shown in the table and JSON; {@link #TESTPMD_IO} and {@link #L3FWD_EM} are the
 *                  names ratios are computed against
 * @param kind      which program
 * @param extraArgs program-specific arguments appended to the common ones (for Levitate e.g.
 *                  {@code --mode lb --workers 2 --cores 1,2})
 */
record Contender(String name, Kind kind, List<String> extraArgs) {
    static final String TESTPMD_IO = "testpmd-io";
    static final String L3FWD_EM = "l3fwd-em";

    /** Burst size of every contender: DPDK's usual 32 (testpmd's and l3fwd's default). */
    static final int BURST = 32;

    static Contender testpmdIo() {
        return new Contender(TESTPMD_IO, Kind.TESTPMD, List.of("--forward-mode=io"));
    }

    static Contender l3fwdEm() {
        return new Contender(L3FWD_EM, Kind.L3FWD, List.of());
    }

    static Contender levitate(String name, String mode, String... more) {
        List<String> args = new ArrayList<>(List.of("--mode", mode));
        args.addAll(List.of(more));
        return new Contender(name, Kind.LEVITATE, List.copyOf(args));
    }

    List<String> command(RunSetup setup, String prefix) {
        return kind.command(this, setup, prefix);
    }

    /**
     * Forwarding workers: the value of a Levitate contender's {@code --workers}, else 1 (testpmd and
     * l3fwd forward on one core here). Each worker polls an rx queue of its own on the source.
     */
    int workers() {
        int i = extraArgs.indexOf("--workers");
        return kind == Kind.LEVITATE && i >= 0 && i + 1 < extraArgs.size() ? Integer.parseInt(extraArgs.get(i + 1)) : 1;
    }

    /** How each program is started. Everything contender-specific about launching lives here. */
    enum Kind {
        /** dpdk-testpmd, headless: --auto-start, stdin kept open (EOF on stdin would end it). */
        TESTPMD {
            @Override
            List<String> command(Contender c, RunSetup s, String prefix) {
                List<String> cmd = new ArrayList<>();
                cmd.add(s.paths().testpmd().toString());
                cmd.addAll(s.ealArgs(prefix, s.mainCore() + "," + s.fwdCore()));
                cmd.add("--");
                cmd.addAll(
                        List.of("--auto-start", "--nb-cores=1", "--total-num-mbufs=" + s.mbufs(), "--burst=" + BURST));
                cmd.addAll(c.extraArgs());
                return cmd;
            }
        },
        /**
         * DPDK's l3fwd example in exact-match mode: both ports polled by the forwarding lcore;
         * every 5-tuple of the pcap has a rule to the sink port. Its EAL core list is the
         * forwarding core alone: l3fwd wants a tx queue per lcore on every port and net_pcap has
         * one; l3fwd runs its forwarding loop on the main lcore as well (CALL_MAIN), so one lcore
         * is enough. EAL control threads then run outside -l, i.e. off the forwarding core. Its pool size is not a flag: it
         * derives from the queue sizes, which the vdevs ignore, so they are raised until the
         * pool matches {@link RunSetup#mbufs()} ({@link #l3fwdQueueSizes}).
         */
        L3FWD {
            @Override
            List<String> command(Contender c, RunSetup s, String prefix) {
                int[] q = l3fwdQueueSizes(s.mbufs());
                int f = s.fwdCore();
                List<String> cmd = new ArrayList<>();
                cmd.add(s.paths().l3fwd().toString());
                cmd.addAll(s.ealArgs(prefix, Integer.toString(f)));
                cmd.add("--");
                cmd.addAll(List.of(
                        "-p",
                        "0x3",
                        "-P",
                        "--lookup=em",
                        "--parse-ptype",
                        "--config=(0,0," + f + "),(1,0," + f + ")",
                        "--rule_ipv4=" + s.rulesIpv4(),
                        "--rule_ipv6=" + s.rulesIpv6(),
                        "--rx-queue-size=" + q[0],
                        "--tx-queue-size=" + q[1]));
                if (s.ipv6()) {
                    cmd.add("--ipv6");
                }
                cmd.addAll(c.extraArgs());
                return cmd;
            }
        },
        /** scripts/levitate run, per the forwarder's command-line contract. */
        LEVITATE {
            @Override
            List<String> command(Contender c, RunSetup s, String prefix) {
                List<String> cmd = new ArrayList<>();
                // The launcher runs the jar named by LEVITATE_JAR (--levitate-jar), so an older
                // build can be measured against the current one in the same run.
                cmd.add("env");
                cmd.add("LEVITATE_JAR=" + s.paths().levitateJar());
                cmd.add(s.paths().levitate().toString());
                cmd.add("run");
                cmd.addAll(c.extraArgs()); // --mode first, as in the contract's examples
                cmd.addAll(List.of("--port", s.sourceVdev(c.workers()), "--port", s.sinkVdev()));
                if (!c.extraArgs().contains("--workers")) {
                    cmd.addAll(List.of("--workers", "1", "--cores", Integer.toString(s.fwdCore())));
                }
                cmd.addAll(List.of("--main-core", Integer.toString(s.mainCore()), "--file-prefix", prefix));
                if (s.hugepages()) {
                    cmd.add("--in-memory");
                } else {
                    cmd.addAll(List.of("--no-huge", "--memory-mb", Integer.toString(s.memoryMb())));
                }
                cmd.addAll(List.of(
                        "--mbufs",
                        Long.toString(s.mbufs()),
                        "--burst",
                        Integer.toString(BURST),
                        "--duration",
                        Integer.toString(s.safetySecs())));
                return cmd;
            }
        };

        abstract List<String> command(Contender c, RunSetup s, String prefix);
    }

    /** l3fwd with one lcore and 2 ports: 1 tx queue and 1 rx queue per port. */
    static final int L3FWD_LCORES = 1;

    static final int L3FWD_PORTS = 2;
    /** l3fwd.h: MEMPOOL_CACHE_SIZE and MAX_PKT_BURST, which enter its pool-size formula. */
    static final int L3FWD_CACHE = 256;

    static final int L3FWD_DEFAULT_DESC = 1024;
    /** Queue sizes are uint16_t; vdevs declare no smaller limit. */
    static final int MAX_DESC = 65535;

    /**
     * Chooses l3fwd's {@code --rx-queue-size}/{@code --tx-queue-size} so that its pool, sized by
     * main.c's NB_MBUF (ports·rxq·rxd + ports·lcores·burst + ports·txq·txd + lcores·cache, at
     * least 8192), is at least {@code mbufs}. The vdevs allocate no descriptors, so the sizes
     * change nothing but the pool. Returns {rxd, txd}; fails if no sizes reach it.
     */
    static int[] l3fwdQueueSizes(long mbufs) {
        long fixed = (long) L3FWD_PORTS * L3FWD_LCORES * BURST + (long) L3FWD_LCORES * L3FWD_CACHE;
        int txd = L3FWD_DEFAULT_DESC;
        long need = mbufs - fixed - (long) L3FWD_PORTS * L3FWD_LCORES * txd;
        long rxd = Math.max(L3FWD_DEFAULT_DESC, (need + L3FWD_PORTS - 1) / L3FWD_PORTS);
        if (rxd > MAX_DESC) {
            rxd = MAX_DESC;
            long rest = mbufs - fixed - (long) L3FWD_PORTS * MAX_DESC;
            long t = (rest + (long) L3FWD_PORTS * L3FWD_LCORES - 1) / (L3FWD_PORTS * L3FWD_LCORES);
            if (t > MAX_DESC) {
                throw new IllegalArgumentException("l3fwd's pool cannot reach " + mbufs + " mbufs");
            }
            txd = (int) Math.max(L3FWD_DEFAULT_DESC, t);
        }
        return new int[] {(int) rxd, txd};
    }

    /** The largest pool l3fwd can be given through its queue sizes. */
    static long l3fwdMaxMbufs() {
        return (long) L3FWD_PORTS * MAX_DESC
                + (long) L3FWD_PORTS * L3FWD_LCORES * MAX_DESC
                + (long) L3FWD_PORTS * L3FWD_LCORES * BURST
                + (long) L3FWD_LCORES * L3FWD_CACHE;
    }
}
