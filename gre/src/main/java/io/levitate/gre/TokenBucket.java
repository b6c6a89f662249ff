package io.levitate.gre;

/**
 * A per-worker token bucket on a caller-supplied clock (the worker reads the clock once per duty
 * cycle). Single-threaded by design: each worker owns one per use. Tokens are kept in nanoseconds
 * of credit so refill is one subtraction and no division per call, and a fraction of a token
 * earned is kept for the next call rather than lost. It starts full.
 *
 * <p>Two users: the encapsulator's ICMP too-big replies ({@link EncapConfig.Builder#icmpRateLimit})
 * and the load-balancing worker's exception path (frames handed to the kernel, {@code
 * instance.exception_rate}).
 */
public final class TokenBucket {
    private final long nanosPerToken;
    private final long capacityNanos;
    private long creditNanos;
    private long lastNanos;
    private boolean started;

    /**
     * @param perSecond tokens earned per second, 1..10^9 (a nanosecond of credit is the finest step)
     * @param burst     tokens the bucket holds, at least 1
     */
    public TokenBucket(int perSecond, int burst) {
        if (perSecond < 1 || perSecond > 1_000_000_000 || burst < 1) {
            throw new IllegalArgumentException(
                    "token bucket: rate must be 1..1000000000 per second and burst at least 1, got " + perSecond
                            + " and " + burst);
        }
        this.nanosPerToken = 1_000_000_000L / perSecond;
        this.capacityNanos = nanosPerToken * burst;
        this.creditNanos = capacityNanos;
    }

    /** Takes one token if available at time {@code nowNanos} (monotonic). */
    public boolean tryAcquire(long nowNanos) {
        if (!started) {
            started = true;
            lastNanos = nowNanos;
        }
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            // Compare before adding: a long idle gap must not overflow the credit.
            creditNanos = elapsed >= capacityNanos ? capacityNanos : Math.min(capacityNanos, creditNanos + elapsed);
            lastNanos = nowNanos;
        }
        if (creditNanos >= nanosPerToken) {
            creditNanos -= nanosPerToken;
            return true;
        }
        return false;
    }
}
