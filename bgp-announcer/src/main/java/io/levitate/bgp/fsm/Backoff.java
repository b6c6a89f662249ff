package io.levitate.bgp.fsm;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Reconnect delays: start at the configured retry, double per consecutive failure up to a cap,
 * each multiplied by a random factor in [0.75, 1] (RFC 4271 §10 jitter) so that many speakers
 * restarted together do not reconnect in lockstep and a misconfigured peer sees no storm.
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private long current;

    public Backoff(final long initialMillis, final long maxMillis) {
        this.initialMillis = Math.max(1, initialMillis);
        this.maxMillis = Math.max(this.initialMillis, maxMillis);
        this.current = this.initialMillis;
    }

    /** The next delay, jittered; the one after it is doubled. */
    public long next() {
        final long base = current;
        current = Math.min(maxMillis, current * 2);
        return (long) (base * (0.75 + 0.25 * ThreadLocalRandom.current().nextDouble()));
    }

    public void reset() {
        current = initialMillis;
    }
}
