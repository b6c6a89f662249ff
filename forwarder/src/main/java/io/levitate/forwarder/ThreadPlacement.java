package io.levitate.forwarder;

import io.levitate.dpdk.Affinity;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Keeps this process's other threads off the worker CPUs.
 *
 * <p>A worker busy-polls its own CPU, and a burst that another thread interrupts waits for it:
 * Linux gives a thread that wakes after sleeping a short vruntime, so it preempts the poller at
 * once. {@code rte_eal_init} pins the main thread to the main lcore and the threads started after
 * it inherit that mask, but the JVM's own threads (the VM thread, the JIT compilers, the GC's
 * service and worker threads, the monitor deflation and reference handler threads) start before
 * it with the whole process mask. Each wakes now and then, and on a worker's CPU it delays the
 * burst being handled by its run time. So once the workers run, every thread of the process that
 * may run on a worker CPU, but the workers (and the launcher's first thread, which only waits for
 * the JVM to end and whose mask /proc/self/status reports as the process's), is restricted to the
 * allowed CPUs no worker uses; a thread already kept elsewhere (the main thread on the main lcore)
 * stays where it is. Threads started later inherit that mask from the thread that starts them. The kernel's
 * own work and other processes stay where the operator puts them (isolcpus, the unit's
 * CPUAffinity: docs/OPERATIONS.md).
 */
public final class ThreadPlacement {
    private static final Path TASKS = Path.of("/proc/self/task");

    /** What {@link #keepOffWorkers} did. */
    public record Outcome(int moved, List<Integer> cpus) {
        /** One line for the log. */
        public String describe() {
            return cpus.isEmpty()
                    ? "every allowed CPU runs a worker: the JVM's other threads share them"
                    : moved + " other thread(s) kept off the worker CPUs (on CPUs " + HostCpus.format(cpus) + ")";
        }
    }

    private ThreadPlacement() {}

    /** The allowed CPUs no worker runs on, in ascending order. */
    static List<Integer> housekeepingCpus(final List<Integer> allowed, final Collection<Integer> workerCpus) {
        final List<Integer> rest = new ArrayList<>();
        for (final int cpu : allowed) {
            if (!workerCpus.contains(cpu)) {
                rest.add(cpu);
            }
        }
        return rest;
    }

    /**
     * Restricts every thread of this process that may run on a worker CPU, except {@code
     * workerThreads} and the process's first thread, to the allowed CPUs outside {@code workerCpus};
     * nothing when there are none. Threads that end meanwhile are skipped.
     *
     * @throws IllegalStateException when a thread cannot be moved for another reason than having ended
     */
    public static Outcome keepOffWorkers(final Set<Integer> workerThreads, final Collection<Integer> workerCpus) {
        final List<Integer> rest = housekeepingCpus(HostCpus.allowed(), workerCpus);
        if (rest.isEmpty()) {
            return new Outcome(0, rest);
        }
        final int[] cpus = rest.stream().mapToInt(Integer::intValue).toArray();
        final long leader = ProcessHandle.current().pid();
        int moved = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (final Path task : tasks) {
                final int tid = Integer.parseInt(task.getFileName().toString());
                if (tid == leader || workerThreads.contains(tid) || !mayRunOn(task, workerCpus)) {
                    continue;
                }
                final int errno = Affinity.setThreadAffinity(tid, cpus);
                if (errno == 0) {
                    moved++;
                } else if (errno != Affinity.ESRCH) {
                    throw new IllegalStateException(
                            "cannot move thread " + tid + " to CPUs " + HostCpus.format(rest) + ": errno " + errno);
                }
            }
        } catch (final IOException ex) {
            throw new IllegalStateException("cannot list " + TASKS + ": " + ex.getMessage(), ex);
        }
        return new Outcome(moved, rest);
    }

    /**
     * Whether the thread of /proc/self/task/TID {@code task} may run on one of {@code cpus} now. A
     * thread already kept elsewhere (the main thread, which EAL pinned to the main lcore) is left
     * where it is. A thread that ended reads as not running anywhere.
     */
    static boolean mayRunOn(final Path task, final Collection<Integer> cpus) {
        try {
            for (final int cpu : HostCpus.allowedOf(task.resolve("status"))) {
                if (cpus.contains(cpu)) {
                    return true;
                }
            }
            return false;
        } catch (final IOException ended) {
            return false;
        }
    }
}
