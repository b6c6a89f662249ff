package io.levitate.core.config;

import java.time.Duration;

/**
 * {@code bgp.peers[].bfd}: the asynchronous-mode timers of one BFD session (RFC 5880 section 6.8).
 *
 * @param minTx      Desired Min TX Interval once Up
 * @param minRx      Required Min RX Interval
 * @param multiplier Detect Mult
 */
public record BfdSettings(Duration minTx, Duration minRx, int multiplier) {
    /** {@code bfd: true}: 300 ms / 300 ms x 3, FRR's and bird2's defaults (detection within 0.9 s). */
    public static final BfdSettings DEFAULT = new BfdSettings(Duration.ofMillis(300), Duration.ofMillis(300), 3);
    /** Below this a JVM's pauses are of the order of the interval; FRR's lower bound is the same. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    /** FRR accepts up to 60 s; larger values are no longer "fast" detection. */
    public static final Duration MAX_INTERVAL = Duration.ofSeconds(60);
    /** Detect Mult is one octet. */
    public static final int MAX_MULTIPLIER = 255;
}
