package io.levitate.forwarder.lb;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.packet.FlowKey;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * How the control side asks a worker whether its conntrack table holds a flow
 * ({@code levitate lookup --live}), without touching the table from another thread.
 *
 * <p>Why a mailbox: a conntrack table is the worker's private, unsynchronized memory; a read
 * from another thread could see a record half rewritten (an insert reusing a lane, a rebind),
 * and any lock would stall the packet path. A seqlock over the records would need every write of
 * the hot path to bump a sequence. Instead the control side leaves one question here and the
 * worker answers it in its housekeeping pass (every 1024 duty cycles): one acquire load per pass
 * when there is no question, and when there is, one read-only {@link ConntrackTable#peekV4}
 * (two bucket reads, nothing written to the table, no allocation). The work per pass is bounded:
 * at most one question.
 *
 * <p>Protocol (one question at a time per mailbox; the control side serializes its askers with
 * this object's monitor, which workers never take): the asker writes the key fields, then
 * publishes the sequence number {@code asked} with a release store. The worker reads
 * {@code asked} (acquire), the key fields, then {@code asked} again; if it changed (an asker that
 * gave up and asked anew) it leaves it for its next pass. Otherwise it writes the result and
 * publishes {@code answered = asked} (release); the asker reads the result after seeing its own
 * number there (acquire).
 */
public final class ConntrackMailbox {
    /** Result when the worker did not answer in time (stopped, or not scheduled). */
    public static final int NO_ANSWER = Integer.MIN_VALUE;

    private final AtomicLong asked = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private int family;
    private long srcHi;
    private long srcLo;
    private long dstHi;
    private long dstLo;
    private int srcPort;
    private int dstPort;
    private int protocol;
    private int result;

    /**
     * Posts a question (control side). Callers hold this mailbox's monitor until they have the
     * answer or give up, so one question at a time is in the mailbox.
     *
     * @return the question's number, for {@link #await}
     */
    long post(
            final int family,
            final long srcHi,
            final long srcLo,
            final long dstHi,
            final long dstLo,
            final int srcPort,
            final int dstPort,
            final int protocol) {
        this.family = family;
        this.srcHi = srcHi;
        this.srcLo = srcLo;
        this.dstHi = dstHi;
        this.dstLo = dstLo;
        this.srcPort = srcPort;
        this.dstPort = dstPort;
        this.protocol = protocol;
        final long number = asked.get() + 1;
        asked.setRelease(number);
        return number;
    }

    /**
     * Waits (parking, never spinning hard) for the worker's answer to question {@code number}.
     *
     * @return a backend id, {@link ConntrackTable#MISS}, {@link ConntrackTable#RESOLVE} or {@link #NO_ANSWER}
     */
    int await(final long number, final long deadlineNanos) {
        while (answered.getAcquire() != number) {
            if (System.nanoTime() >= deadlineNanos) {
                return NO_ANSWER;
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
        return result;
    }

    /** Worker side, in housekeeping: answers the pending question, if any. Never allocates or blocks. */
    void serve(final ConntrackTable conntrack, final long nowMs) {
        final long number = asked.getAcquire();
        if (number == answered.getPlain()) {
            return;
        }
        final int f = family;
        final long sHi = srcHi;
        final long sLo = srcLo;
        final long dHi = dstHi;
        final long dLo = dstLo;
        final int sp = srcPort;
        final int dp = dstPort;
        final int p = protocol;
        VarHandle.acquireFence();
        if (asked.getPlain() != number) {
            return; // asked anew while reading: the next pass answers the new question
        }
        result = f == FlowKey.FAMILY_IPV4
                ? conntrack.peekV4((int) sLo, (int) dLo, sp, dp, p, nowMs)
                : conntrack.peekV6(sHi, sLo, dHi, dLo, sp, dp, p, nowMs);
        answered.setRelease(number);
    }

    /**
     * Asks every worker (all at once, then waits for each) whether it tracks the flow.
     *
     * @return the backend id of the first worker that tracks it with a usable backend, else
     *     {@link ConntrackTable#MISS}; {@link ConntrackTable#RESOLVE} if a worker tracks it on a
     *     backend now down; {@link #NO_ANSWER} if a worker did not answer within {@code timeoutMs}
     */
    public static int ask(
            final java.util.List<ConntrackMailbox> workers,
            final int family,
            final long srcHi,
            final long srcLo,
            final long dstHi,
            final long dstLo,
            final int srcPort,
            final int dstPort,
            final int protocol,
            final long timeoutMs) {
        // One asker at a time across all mailboxes: the control socket's clients are few.
        synchronized (ConntrackMailbox.class) {
            final long[] numbers = new long[workers.size()];
            for (int w = 0; w < numbers.length; w++) {
                numbers[w] = workers.get(w).post(family, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
            }
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            int answer = ConntrackTable.MISS;
            for (int w = 0; w < numbers.length; w++) {
                final int r = workers.get(w).await(numbers[w], deadline);
                if (r >= 0) {
                    answer = r;
                } else if (r == NO_ANSWER || (r == ConntrackTable.RESOLVE && answer == ConntrackTable.MISS)) {
                    answer = answer >= 0 ? answer : r;
                }
            }
            return answer;
        }
    }
}
