package io.levitate.forwarder.worker;

import io.levitate.dpdk.Affinity;
import io.levitate.dpdk.Lcore;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Hand-over from a starting worker thread to the main thread: the lcore and CPU it got, or why
 * it could not start. The main thread refuses to report "running" until every worker has started.
 */
public final class WorkerStartup {
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile int lcore = -1;
    private volatile int cpu = -1;
    private volatile int threadId = -1;
    private volatile RuntimeException failure;

    /**
     * Run on the worker thread before its first duty cycle: pin to {@code cpu}, register with
     * DPDK, publish a first heartbeat and report. Pinning comes first: DPDK records the thread's
     * affinity at registration, and threads inherit the main lcore's mask from rte_eal_init
     * otherwise. A failure is reported to the waiting main thread and rethrown.
     */
    public void enterWorkerThread(final int cpu, final WorkerCounters counters) {
        try {
            Affinity.pinCurrentThread(cpu);
            threadId = Affinity.currentThreadId();
            final int lcore = Lcore.registerThread();
            counters.heartbeat.setRelease(System.currentTimeMillis());
            started(lcore, Affinity.currentCpu());
        } catch (final RuntimeException ex) {
            failed(ex);
            throw ex;
        }
    }

    /** Run on the worker thread as it ends: gives the lcore id back if it got one. */
    public void leaveWorkerThread() {
        if (lcore >= 0) {
            Lcore.unregisterThread();
        }
    }

    void started(final int lcore, final int cpu) {
        this.lcore = lcore;
        this.cpu = cpu;
        done.countDown();
    }

    void failed(final RuntimeException failure) {
        this.failure = failure;
        done.countDown();
    }

    /**
     * Waits for the worker's verdict.
     *
     * @return null when started, else the failure; a timeout is reported as a failure.
     */
    public RuntimeException await(final long timeout, final TimeUnit unit) throws InterruptedException {
        if (!done.await(timeout, unit)) {
            return new IllegalStateException("worker did not start within " + unit.toMillis(timeout) + " ms");
        }
        return failure;
    }

    /** The DPDK lcore id the worker registered as, or -1. */
    public int lcore() {
        return lcore;
    }

    /** The worker thread's Linux thread id (/proc/self/task), or -1 before it started. */
    public int threadId() {
        return threadId;
    }

    /** The CPU the worker ran on right after pinning, or -1. */
    public int cpu() {
        return cpu;
    }
}
