package io.levitate.bgp.sidecar;

/**
 * The forwarder's counters file as docs/COUNTERS.md defines it (the contract; the announcer
 * shares no code with the forwarder, so the numbers are restated here).
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
public final class CountersLayout
{
    private CountersLayout()
    {
    }

    public static final int MAGIC = 0x4E43564C;
    public static final int VERSION = 1;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int METADATA_LENGTH_OFFSET = 8;
    public static final int VALUES_LENGTH_OFFSET = 12;
    public static final int PID_OFFSET = 16;
    public static final int START_TIME_OFFSET = 24;
    public static final int HEADER_LENGTH = 128;

    public static final int TYPE_PROCESS_HEARTBEAT = 1;
    public static final int TYPE_FORWARDER_STATE = 2;
    public static final int TYPE_SERVICE_HEALTHY_BACKENDS = 2001;

    public static final long STATE_STARTING = 0;
    public static final long STATE_RUNNING = 1;
    public static final long STATE_DRAINING = 2;
    public static final long STATE_STOPPING = 3;

    /** Liveness rule: a heartbeat older than this means the forwarder is gone or hung. */
    public static final long HEARTBEAT_TIMEOUT_MILLIS = 500;
    /** Service key length at the start of the 112-byte counter key. */
    public static final int SERVICE_KEY_LENGTH = 20;
}
