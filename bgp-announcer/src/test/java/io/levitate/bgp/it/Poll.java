package io.levitate.bgp.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline (never a bare sleep as synchronisation). */
public final class Poll {
    private Poll() {}

    /** Returns the milliseconds it took; fails with {@code state}'s description at the deadline. */
    public static long until(final Duration timeout, final BooleanSupplier condition, final Supplier<String> state) {
        final long start = System.nanoTime();
        final long deadline = start + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms; state: " + state.get());
            }
            try {
                Thread.sleep(20);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
