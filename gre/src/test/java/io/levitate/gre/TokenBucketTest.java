package io.levitate.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bucket both the ICMP too-big limiter and the worker's exception path use. */
class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 5 * SECOND;

    private static int taken(TokenBucket b, long nowNanos, int attempts) {
        int n = 0;
        for (int i = 0; i < attempts; i++) {
            n += b.tryAcquire(nowNanos) ? 1 : 0;
        }
        return n;
    }

    @Test
    void startsFullThenAllowsOnlyWhatTheRateEarns() {
        TokenBucket b = new TokenBucket(1000, 100);
        assertEquals(100, taken(b, T0, 1000), "a full burst at once, then nothing");
        assertFalse(b.tryAcquire(T0 + 999_999), "less than a token's worth earned");
        assertTrue(b.tryAcquire(T0 + 1_000_000), "one token per millisecond");
        assertEquals(10, taken(b, T0 + 11_000_000, 1000), "ten milliseconds later, ten tokens");
    }

    @Test
    void keepsTheFractionsOfATokenBetweenCalls() {
        // 100 per second: one token per 10 ms. Calls every millisecond must still earn one every 10.
        TokenBucket b = new TokenBucket(100, 1);
        assertTrue(b.tryAcquire(T0));
        int taken = 0;
        for (int ms = 1; ms <= 1000; ms++) {
            taken += b.tryAcquire(T0 + ms * 1_000_000L) ? 1 : 0;
        }
        assertEquals(100, taken);
    }

    @Test
    void aLongIdleGapRefillsToTheBurstAndNoMore() {
        TokenBucket b = new TokenBucket(10, 3);
        assertEquals(3, taken(b, T0, 10));
        assertEquals(3, taken(b, T0 + 3600 * SECOND, 10));
        assertEquals(3, taken(b, Long.MAX_VALUE - SECOND, 10), "no overflow of the credit");
    }

    @Test
    void refusesARateOrBurstItCannotKeep() {
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1_000_000_001, 1));
    }
}
