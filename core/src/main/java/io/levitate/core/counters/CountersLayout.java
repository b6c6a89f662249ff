package io.levitate.core.counters;

import java.net.InetAddress;

/**
 * Offsets, sizes, type ids and keys of the counters file, exactly as docs/COUNTERS.md states them:
 * the one description the writer (the forwarder's {@code CountersFile}) and the readers
 * ({@link CountersFileReader}: {@code levitate stat}, the announcer's heartbeat watch) share, as
 * Aeron's {@code CncFileDescriptor} serves both its media driver and {@code AeronStat}.
 *
 * <pre>
 * offset  type   field
 *      0  int32  magic 0x4E43564C ("LVCN"), written last with a release store
 *      4  int32  layout version (1)
 *      8  int32  metadata buffer length M
 *     12  int32  values buffer length V
 *     16  int64  forwarder pid
 *     24  int64  start time, epoch ms
 *    128  M      Agrona counters metadata
 *  128+M  V      Agrona counters values
 * </pre>
 */
public final class CountersLayout {
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
    /** Health probes (health_check.via: tunnel) a worker took from a TAP and tunnelled to their backend. */
    public static final int TYPE_WORKER_HEALTH_PROBES = 1008;
    /** Frames a running capture matched on a worker but found no room for in its ring (levitate capture), over all captures. */
    public static final int TYPE_WORKER_CAPTURE_RING_FULL = 1009;
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
    /** Per worker conntrack figures, 4001..4009: hits, misses, inserts, evictions, expirations,
     *  flood-guard skips, occupancy, quota skips, window-full skips. */
    public static final int TYPE_WORKER_CONNTRACK_BASE = 4001;

    /** Length of the service key at the start of a service's or backend's 112-byte counter key. */
    public static final int SERVICE_KEY_LENGTH = 20;

    /** Values of the forwarder-state counter. */
    public static final long STATE_STARTING = 0;

    public static final long STATE_RUNNING = 1;
    public static final long STATE_DRAINING = 2;
    public static final long STATE_STOPPING = 3;

    private CountersLayout() {}

    /**
     * The 20-byte service key: byte 0 address family (4 or 6), byte 1 IP protocol, bytes 2..3 the
     * port big-endian (0 = any port), bytes 4..19 the VIP (IPv4 in bytes 4..7, the rest zero).
     */
    public static byte[] serviceKey(final InetAddress vip, final int protocol, final int port) {
        final byte[] key = new byte[SERVICE_KEY_LENGTH];
        final byte[] address = vip.getAddress();
        key[0] = (byte) (address.length == 4 ? 4 : 6);
        key[1] = (byte) protocol;
        key[2] = (byte) (port >>> 8);
        key[3] = (byte) port;
        System.arraycopy(address, 0, key, 4, address.length);
        return key;
    }
}
