package io.levitate.gre;

/**
 * A per-worker token bucket on a caller-supplied clock (the worker reads the clock once per duty
 * cycle). Single-threaded by design: each worker owns one. Tokens are kept in nanoseconds of
 * credit so refill is one subtraction and no division per call.
 */
public final class TokenBucket {
    private final long nanosPerToken;
    private final long capacityNanos;
    private long creditNanos;
    private long lastNanos;
    private boolean started;

    public TokenBucket(int perSecond, int burst) {
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
