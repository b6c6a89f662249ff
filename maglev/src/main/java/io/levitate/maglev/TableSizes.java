package io.levitate.maglev;

/**
 * Choice and validation of a service's table size M.
 *
 * <p>Default: the first rung of a fixed ladder of primes, {@link #LADDER} = 65537, 131071, 262139,
 * 524287, 655373, that gives at least {@link #SLOTS_PER_BACKEND} slots per backend, where N counts
 * every <em>configured</em> backend (whatever its state), or the top rung when none does. So M is
 * 65537 up to 655 backends, 131071 up to 1310, 262139 up to 2621, 524287 up to 5242 and 655373 from
 * 5243 ({@link #threshold}); beyond 6553 backends that is under 100 slots each: set a size.
 * <ul>
 *   <li>Why a ladder and not "the smallest prime &ge; 100 N": any change of M reshuffles almost every
 *       slot, so an M that follows N moved 99.9 % of new flows when one of 1000 backends was removed.
 *       On a ladder M changes only when N crosses one of four thresholds, about a factor of two
 *       apart, so adding or removing a backend anywhere else moves about 1/N of new flows.</li>
 *   <li>No hysteresis: M must be a function of the file alone, so that every machine with the same
 *       file builds the same table whatever its history. The tools say instead when a change
 *       crosses a threshold, and a reload refuses it unless told it is intended.</li>
 *   <li>100 slots per backend: the paper shows each backend then gets &lfloor;M/N&rfloor; or
 *       &lceil;M/N&rceil; slots, an imbalance of at most 1 %; a rung gives between 100 and about
 *       200 slots per backend.</li>
 *   <li>N counts configured backends, not healthy ones: a health flap or a drain never changes M.</li>
 *   <li>The rungs: 65537 is the paper's size (256 KiB per table); 131071 and 524287 are Mersenne
 *       primes and 262139 the largest prime below 2<sup>18</sup>, each about double the last;
 *       655373, the paper's large size, keeps a default rebuild around 10 ms. A larger table
 *       must be asked for.</li>
 * </ul>
 * A configured size must be prime (so every skip generates a full permutation), at least N and at
 * most {@link #MAX_CONFIGURED}.
 */
public final class TableSizes {
    /** The default sizes, smallest first; each a prime. */
    private static final int[] LADDER = {65_537, 131_071, 262_139, 524_287, 655_373};
    /** Default lower bound (the paper's default M). */
    public static final int MIN_DEFAULT = 65_537;
    /** Default upper bound (the paper's large M). */
    public static final int MAX_DEFAULT = 655_373;
    /** Largest configurable M: the largest prime below 2^24 (a 64 MiB int table). */
    public static final int MAX_CONFIGURED = 16_777_213;
    /** Slots per backend the default aims at. */
    public static final int SLOTS_PER_BACKEND = 100;

    private TableSizes() {}

    /** The default M for {@code configuredBackends} backends: the first rung with 100 slots per backend. */
    public static int defaultSize(int configuredBackends) {
        for (int m : LADDER) {
            if ((long) SLOTS_PER_BACKEND * configuredBackends <= m) {
                return m;
            }
        }
        return MAX_DEFAULT;
    }

    /**
     * The largest backend count that keeps the default at {@code defaultSize(configuredBackends)}:
     * one more backend moves the default to the next rung. {@link Integer#MAX_VALUE} on the top rung.
     */
    public static int threshold(int configuredBackends) {
        final int m = defaultSize(configuredBackends);
        return m == MAX_DEFAULT ? Integer.MAX_VALUE : m / SLOTS_PER_BACKEND;
    }

    /** The smallest backend count whose default is {@code defaultSize(configuredBackends)}. */
    public static int rungStart(int configuredBackends) {
        final int m = defaultSize(configuredBackends);
        int start = 1;
        for (int rung : LADDER) {
            if (rung == m) {
                return start;
            }
            start = rung / SLOTS_PER_BACKEND + 1;
        }
        throw new IllegalStateException("not a rung: " + m);
    }

    /**
     * The M a service uses: {@code configured} if non-zero (validated), else the default.
     *
     * @throws IllegalArgumentException if a configured size is not prime or out of range
     */
    public static int resolve(int configured, int configuredBackends) {
        if (configured == 0) {
            return defaultSize(configuredBackends);
        }
        if (configured < 2 || configured > MAX_CONFIGURED || !isPrime(configured)) {
            throw new IllegalArgumentException(
                    "table size must be a prime in 2.." + MAX_CONFIGURED + ": " + configured);
        }
        if (configured < configuredBackends) {
            throw new IllegalArgumentException("table size " + configured + " is smaller than the number of backends "
                    + configuredBackends + " (use at least 100 x N for 1 % balance)");
        }
        return configured;
    }

    /** Smallest prime &ge; n. */
    public static int nextPrime(int n) {
        int c = Math.max(n, 2);
        while (!isPrime(c)) {
            c++;
        }
        return c;
    }

    /** Trial division: at most ~2000 steps for the sizes allowed here, and only at build time. */
    public static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        if (n % 2 == 0) {
            return n == 2;
        }
        for (int d = 3; (long) d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}
