package io.levitate.bgp.bfd;

/**
 * One peer's BFD parameters ({@code bgp.peers[].bfd}).
 *
 * @param minTxMicros  bfd.DesiredMinTxInterval once Up (RFC 5880 §6.8.1), in microseconds as on the wire.
 * @param minRxMicros  bfd.RequiredMinRxInterval, microseconds.
 * @param multiplier   bfd.DetectMult, 1..255.
 */
public record BfdConfig(long minTxMicros, long minRxMicros, int multiplier) {
    /** 300 ms / 300 ms / 3: FRR's and bird2's defaults, so a router's detection time is 900 ms either way. */
    public static final BfdConfig DEFAULT = new BfdConfig(300_000, 300_000, 3);
    /** Below this a JVM's pauses are of the order of the interval; FRR's lower bound is the same. */
    public static final long MIN_INTERVAL_MICROS = 10_000;
    /** FRR accepts up to 60 s; larger values are no longer "fast" detection. */
    public static final long MAX_INTERVAL_MICROS = 60_000_000;

    public static final int MAX_MULTIPLIER = 255;

    public BfdConfig {
        if (minTxMicros < MIN_INTERVAL_MICROS
                || minTxMicros > MAX_INTERVAL_MICROS
                || minRxMicros < MIN_INTERVAL_MICROS
                || minRxMicros > MAX_INTERVAL_MICROS
                || multiplier < 1
                || multiplier > MAX_MULTIPLIER) {
            throw new IllegalArgumentException(
                    "BFD parameters out of range: " + minTxMicros + "/" + minRxMicros + "/" + multiplier);
        }
    }

    /** As logs and the status say it: {@code 300ms/300ms x3}. */
    public String describe() {
        return minTxMicros / 1000 + "ms/" + minRxMicros / 1000 + "ms x" + multiplier;
    }
}
