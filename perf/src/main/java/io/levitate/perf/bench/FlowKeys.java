package io.levitate.perf.bench;

/**
 * Maps a flow index to a client address and port such that distinct indices give distinct
 * (address, port) pairs, and neighbouring indices look unrelated (so hash tables see a spread,
 * not a counting sequence). No set of seen keys is kept: 10 M flows stay O(1) in memory.
 *
 * <p>The mapping is a seeded 4-round Feistel network on 40 bits (two 20-bit halves), which is a
 * bijection for any round function; cycle-walking restricts it to the 39-bit domain
 * {@code [0, 2^39)}: 24 bits of client host address and 15 bits of an ephemeral port
 * (32768..65535, the Linux default range starts at 32768 too).
 */
public final class FlowKeys {
    /** 24 host bits: IPv4 10.0.0.0/8, or the low 24 bits of the IPv6 client address. */
    static final int HOST_BITS = 24;
    /** 15 port bits on top of {@link #PORT_BASE}. */
    static final int PORT_BITS = 15;

    static final int PORT_BASE = 32768;
    /** Number of distinct (host, port) keys available: 2^39. */
    static final long CAPACITY = 1L << (HOST_BITS + PORT_BITS);

    private static final int HALF_BITS = 20;
    private static final long HALF_MASK = (1L << HALF_BITS) - 1;
    private static final int ROUNDS = 4;

    private final long[] roundKeys = new long[ROUNDS];

    public FlowKeys(long seed) {
        long s = seed;
        for (int i = 0; i < ROUNDS; i++) {
            s += 0x9E3779B97F4A7C15L; // splitmix64 step: independent round keys from one seed
            roundKeys[i] = mix(s);
        }
    }

    /** The scrambled 39-bit key of flow {@code index}; distinct for distinct indices. */
    public long key(long index) {
        if (index < 0 || index >= CAPACITY) {
            throw new IllegalArgumentException("flow index out of range: " + index);
        }
        long x = feistel(index);
        while (x >= CAPACITY) { // cycle-walk: stays a bijection on [0, CAPACITY)
            x = feistel(x);
        }
        return x;
    }

    public static int host(long key) {
        return (int) (key & ((1L << HOST_BITS) - 1));
    }

    public static int port(long key) {
        return PORT_BASE + (int) (key >>> HOST_BITS);
    }

    private long feistel(long x) {
        long left = (x >>> HALF_BITS) & HALF_MASK;
        long right = x & HALF_MASK;
        for (int r = 0; r < ROUNDS; r++) {
            long next = left ^ (mix(right ^ roundKeys[r]) & HALF_MASK);
            left = right;
            right = next;
        }
        return (left << HALF_BITS) | right;
    }

    /** splitmix64's finaliser: a well-mixed 64-bit function of its input. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
