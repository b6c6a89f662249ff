package io.levitate.bgp.fsm;

/** Monotonic milliseconds for timers (never wall time: NTP steps must not fire a hold timer). */
public final class Clock {
    private Clock() {}

    public static long monotonicMillis() {
        return System.nanoTime() / 1_000_000L;
    }

    /** The same clock in microseconds, the unit of BFD's intervals (RFC 5880 §4.1). */
    public static long monotonicMicros() {
        return System.nanoTime() / 1_000L;
    }
}
