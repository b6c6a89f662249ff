package io.levitate.maglev;

/**
 * Choice and validation of a service's table size M.
 *
 * <p>Default: the smallest prime &ge; 100 &times; N, where N counts every <em>configured</em> backend
 * (whatever its state), kept within [{@link #MIN_DEFAULT}, {@link #MAX_DEFAULT}].
 * <ul>
 *   <li>100 &times; N: the paper shows each backend then gets &lfloor;M/N&rfloor; or &lceil;M/N&rceil;
 *       slots, an imbalance of at most 1 %.</li>
 *   <li>N counts configured backends, not healthy ones, because a new M reshuffles almost every
 *       slot: a health flap must never change M.</li>
 *   <li>The lower bound 65537 (the paper's size) for the same reason: with it, M stays put while a
 *       service grows or shrinks anywhere below 656 backends, so adding one backend moves about 1/N
 *       of new flows instead of nearly all of them. The price is 256 KiB per table.</li>
 *   <li>The upper bound 655373 (the paper's large size) keeps a default rebuild around 10 ms; a
 *       larger table must be asked for.</li>
 * </ul>
 * A configured size must be prime (so every skip generates a full permutation), at least N and at
 * most {@link #MAX_CONFIGURED}.
 */
public final class TableSizes {
    /** Default lower bound (the paper's default M). */
    public static final int MIN_DEFAULT = 65_537;
    /** Default upper bound (the paper's large M). */
    public static final int MAX_DEFAULT = 655_373;
    /** Largest configurable M: the largest prime below 2^24 (a 64 MiB int table). */
    public static final int MAX_CONFIGURED = 16_777_213;
    /** Slots per backend the default aims at. */
    public static final int SLOTS_PER_BACKEND = 100;

    private TableSizes() {
    }

    /** The default M for {@code configuredBackends} backends. */
    public static int defaultSize(int configuredBackends) {
        long want = Math.max((long) SLOTS_PER_BACKEND * Math.max(configuredBackends, 1), MIN_DEFAULT);
        if (want >= MAX_DEFAULT) {
            return MAX_DEFAULT;
        }
        return nextPrime((int) want);
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
            throw new IllegalArgumentException("table size must be a prime in 2.." + MAX_CONFIGURED + ": " + configured);
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
