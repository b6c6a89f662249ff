package io.levitate.forwarder.config;

import io.levitate.core.config.ConfigLimits;
import io.levitate.core.config.Values;
import io.levitate.maglev.TableSizes;
import java.time.Duration;

/**
 * Every default and range of the file in one place, each with its reason; {@code docs/CONFIG.md}
 * quotes them.
 */
public final class ConfigDefaults {
    private ConfigDefaults() {}

    // ---------------------------------------------------------------- reading

    /** Largest file read; the reading limits live in core ({@link ConfigLimits}), shared with the announcer. */
    public static final int MAX_FILE_BYTES = ConfigLimits.MAX_FILE_BYTES;

    public static final int MAX_NESTING_DEPTH = ConfigLimits.MAX_NESTING_DEPTH;
    public static final int MAX_EXPANDED_NODES = ConfigLimits.MAX_EXPANDED_NODES;
    public static final int MAX_ALIASES = ConfigLimits.MAX_ALIASES;
    public static final int MAX_VISITED_NODES = ConfigLimits.MAX_VISITED_NODES;
    public static final int MAX_ERRORS = ConfigLimits.MAX_ERRORS;

    // ---------------------------------------------------------------- instance

    /** Instance and service names: they become a directory and label names. */
    public static final String NAME_PATTERN = Values.NAME_PATTERN;
    /** Where counters files live: tmpfs, so readers map them without disk I/O. */
    public static final String COUNTERS_DIR = "/dev/shm/levitate";
    /** Ethernet's usual MTU. */
    public static final int MTU = 1500;
    /** IPv4's minimum MTU (RFC 791). */
    public static final int MIN_MTU = 68;
    /** The largest jumbo frame common NICs accept. */
    public static final int MAX_MTU = 9600;

    public static final int WORKERS = 1;
    /** DPDK's RTE_MAX_LCORE in Debian's build: no more lcores exist. */
    public static final int MAX_WORKERS = 128;
    /** Largest CPU number accepted (Linux's usual NR_CPUS). */
    public static final int MAX_CPU = 8191;
    /**
     * Packets per second per worker the exception path hands the kernel: far above what BGP, SSH,
     * health checks and neighbour discovery need, far below what would let a flood at the host's
     * address take the workers' time (each handover is a write to the TAP).
     */
    public static final int EXCEPTION_RATE = 20_000;

    public static final int MAX_EXCEPTION_RATE = 10_000_000;

    /**
     * Shortest {@code instance.health_prefix}: a /16 holds an address for each of the 2 x
     * MAX_BACKENDS backend ids with room to spare; anything shorter is a typo, not a plan.
     */
    public static final int MIN_HEALTH_PREFIX_LENGTH = 16;
    /**
     * How long a forwarder told to stop keeps forwarding in state "stopping": the announcer sees
     * the state within its poll (10 ms) and withdraws at once, the withdraw crosses the still
     * running exception path, and routers converge well within a second (the lab measures tens
     * of ms); two seconds leave room for a slower router's FIB without holding a stop up for long.
     */
    public static final Duration STOP_GRACE = Duration.ofSeconds(2);
    /** Below levitate.service's TimeoutStopSec (30 s) with room for the rest of the shutdown. */
    public static final Duration MAX_STOP_GRACE = Duration.ofSeconds(20);
    /** Default prefix of the exception path's kernel interfaces: lvx0, lvx1, ... */
    public static final String EXCEPTION_INTERFACE = "lvx";
    /**
     * Prefix of the TAPs a kernel-homed forwarder (no exception path) makes for health probes
     * through the tunnel alone (instance.health_prefix): lvh0, lvh1, ...
     */
    public static final String HEALTH_INTERFACE = "lvh";
    /** Linux interface names are at most 15 bytes; up to 12 for the prefix leaves 3 for the port index. */
    public static final java.util.regex.Pattern EXCEPTION_INTERFACE_NAME =
            java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,12}");

    public static final int MAIN_CORE = 0;
    /** EAL memory without hugepages; the same default as {@code levitate run --memory-mb}. */
    public static final int MEMORY_MB = 1024;
    /** Less than this and the EAL cannot hold a single pool of default size. */
    public static final int MIN_MEMORY_MB = 64;

    public static final int MAX_MEMORY_MB = 1 << 20;
    /** A pool smaller than one RX ring of 1024 descriptors starves at start. */
    public static final int MIN_MBUFS = 1023;
    /** 2^28 - 1 mbufs is ~512 GiB of 2 KiB buffers: beyond any machine. */
    public static final int MAX_MBUFS = (1 << 28) - 1;

    // ---------------------------------------------------------------- conntrack

    /** 1 Mi entries per worker: 64 MiB, minutes of a busy VIP's flows. */
    public static final int CONNTRACK_CAPACITY = 1 << 20;
    /** A few probe windows; smaller is not a flow table. */
    public static final int MIN_CONNTRACK_CAPACITY = 1024;
    /** 4 GiB per worker. */
    public static final int MAX_CONNTRACK_CAPACITY = 1 << 26;

    public static final Duration TCP_ESTABLISHED = Duration.ofSeconds(300);
    public static final Duration TCP_CLOSING = Duration.ofSeconds(10);
    public static final Duration TCP_SYN = Duration.ofSeconds(5);
    public static final Duration UDP = Duration.ofSeconds(30);
    /** Timeouts shorter than this expire flows between two packets of a healthy connection. */
    public static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
    /** Longer than a day keeps dead flows for no benefit. */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(1);
    /** Off, as in conntrack's defaults: a flood guard rate is a property of the site. */
    public static final int FLOOD_GUARD = 0;

    public static final int MAX_FLOOD_GUARD = 1_000_000_000;

    // ---------------------------------------------------------------- services

    /**
     * Services a forwarder runs: conntrack entries hold a 16-bit service id, and per-worker quotas
     * and statistics are arrays of this size. {@code check} refuses more, so a file it accepts is
     * one a reload can apply.
     */
    public static final int MAX_SERVICES = 1024;
    /**
     * Backends in all services together (one per service and address:port): each needs a backend id
     * while it is configured. The forwarder has twice as many ids ({@code SnapshotBuilder.BACKEND_IDS}),
     * so that a reload can replace every backend at once while the old ones' ids still wait for the
     * workers' conntrack sweep (docs/OPERATIONS.md).
     */
    public static final int MAX_BACKENDS = 4096;
    /** Weights are 16-bit in the file (Backend allows more; this leaves room). */
    public static final int MAX_WEIGHT = 65535;

    public static final int WEIGHT = 100;
    /** Smallest table a service may ask for (2, the smallest prime) and the largest maglev builds. */
    public static final int MAX_TABLE_SIZE = TableSizes.MAX_CONFIGURED;

    // ---------------------------------------------------------------- health checks

    public static final Duration HEALTH_INTERVAL = Duration.ofSeconds(2);
    public static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration MIN_HEALTH_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_HEALTH_INTERVAL = Duration.ofHours(1);
    public static final int RISE = 2;
    public static final int FALL = 3;
    public static final int MAX_RISE_FALL = 100;
    public static final String HTTP_PATH = "/";
    public static final int HTTP_STATUS = 200;

    // ---------------------------------------------------------------- metrics, control

    /** Loopback: counters reveal traffic; exposing them is a decision. */
    public static final String METRICS_LISTEN = "127.0.0.1:9100";

    public static final String CONTROL_SOCKET = "/run/levitate/control.sock";
    /** sun_path holds 108 bytes including the terminating NUL. */
    public static final int MAX_SOCKET_PATH_BYTES = 107;

    // ---------------------------------------------------------------- bgp

    // The bgp section's defaults and ranges are core's BgpDefaults: the announcer runs that
    // section, and both processes bind it with core's BgpBinder.
}
