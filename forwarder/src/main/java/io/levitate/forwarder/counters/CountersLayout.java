package io.levitate.forwarder.counters;

/**
 * Offsets, sizes and type ids of the counters file, exactly as docs/COUNTERS.md states them.
 * Readers outside this module (the BGP sidecar) implement the same document independently.
 */
public final class CountersLayout
{
    /** Bytes "LVCN" read as a little-endian int. */
    public static final int MAGIC = 0x4E43564C;
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int METADATA_LENGTH_OFFSET = 8;
    public static final int VALUES_LENGTH_OFFSET = 12;
    public static final int PID_OFFSET = 16;
    public static final int START_TIME_OFFSET = 24;
    /** Two cache lines, so the metadata buffer starts cache-line aligned. */
    public static final int HEADER_LENGTH = 128;

    /** Default directory: tmpfs, so updates never touch a disk. */
    public static final String DEFAULT_DIRECTORY = "/dev/shm/levitate";
    public static final String FILE_NAME = "counters.dat";

    /** A reader considers the forwarder dead when the process heartbeat is older than this. */
    public static final long HEARTBEAT_TIMEOUT_MS = 500;
    /** How often the control thread refreshes the process heartbeat. */
    public static final long HEARTBEAT_INTERVAL_MS = 100;

    // Type ids (stable; docs/COUNTERS.md).
    public static final int TYPE_PROCESS_HEARTBEAT = 1;
    public static final int TYPE_FORWARDER_STATE = 2;
    public static final int TYPE_WORKER_ERRORS = 1000;
    public static final int TYPE_WORKER_RX_PACKETS = 1001;
    public static final int TYPE_WORKER_TX_PACKETS = 1002;
    public static final int TYPE_WORKER_TX_DROPPED = 1003;
    public static final int TYPE_WORKER_RX_BURSTS = 1004;
    public static final int TYPE_WORKER_HEARTBEAT = 1005;
    /** Packets a worker handed the kernel through the exception path (instance.exception_path: tap). */
    public static final int TYPE_WORKER_TO_KERNEL = 1006;
    /** Packets the kernel wrote to the exception path that a worker sent out of the data port. */
    public static final int TYPE_WORKER_FROM_KERNEL = 1007;
    /** 1100 + drop reason id. */
    public static final int TYPE_WORKER_DROP_BASE = 1100;
    public static final int TYPE_SERVICE_HEALTHY_BACKENDS = 2001;
    public static final int TYPE_SERVICE_PACKETS = 2002;
    public static final int TYPE_SERVICE_BYTES = 2003;
    public static final int TYPE_SERVICE_NEW_FLOWS = 2004;
    public static final int TYPE_BACKEND_PACKETS = 3001;
    public static final int TYPE_BACKEND_BYTES = 3002;
    public static final int TYPE_BACKEND_NEW_FLOWS = 3003;
    public static final int TYPE_BACKEND_HEALTH = 3004;

    /** Values of the forwarder-state counter. */
    public static final long STATE_STARTING = 0;
    public static final long STATE_RUNNING = 1;
    public static final long STATE_DRAINING = 2;
    public static final long STATE_STOPPING = 3;

    private CountersLayout()
    {
    }
}
