package io.levitate.perf.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reserves 2 MB hugepages for the run through {@code /proc/sys/vm/nr_hugepages} (the contenders
 * use {@code --in-memory}, which needs no hugetlbfs mount) and gives back what it added. Every
 * contender of a run uses the same kind of memory; if the reservation fails, all fall back to
 * {@code --no-huge} alike.
 */
final class Hugepages {
    private static final Path NR = Path.of("/proc/sys/vm/nr_hugepages");
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private long restoreTo = -1;

    /** Tries to have at least {@code megabytes} of free 2 MB hugepages; true when they are there. */
    boolean reserve(long megabytes) {
        try {
            long pageKb = meminfo("Hugepagesize:");
            if (pageKb != 2048) {
                System.err.println("bench: default hugepage size is " + pageKb + " kB, not 2 MB; not reserving");
                return false;
            }
            long needPages = (megabytes + 1) / 2;
            long free = meminfo("HugePages_Free:");
            if (free >= needPages) {
                return true;
            }
            // Pages in use (including surplus pages, which the write turns into persistent ones)
            // stay in use; the pool must grow by what is missing on top of them.
            long inUse = meminfo("HugePages_Total:") - free;
            long persistent = Long.parseLong(Files.readString(NR).trim());
            Files.writeString(NR, Long.toString(inUse + needPages));
            restoreTo = persistent;
            long nowFree = meminfo("HugePages_Free:");
            if (nowFree < needPages) {
                System.err.printf(
                        "bench: asked for %d hugepages, only %d free; falling back to --no-huge%n", needPages, nowFree);
                release();
                return false;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            System.err.println("bench: cannot reserve hugepages (" + e.getMessage() + "); falling back to --no-huge");
            return false;
        }
    }

    /**
     * Gives back the pages this run added. Pages another process still uses stay (the kernel
     * turns them into surplus pages and frees them when released).
     */
    void release() {
        if (restoreTo >= 0) {
            try {
                Files.writeString(NR, Long.toString(restoreTo));
            } catch (IOException e) {
                System.err.println("bench: could not restore nr_hugepages to " + restoreTo + ": " + e.getMessage());
            }
            restoreTo = -1;
        }
    }

    private static long meminfo(String key) throws IOException {
        for (String line : Files.readAllLines(MEMINFO)) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException(key + " not in " + MEMINFO);
    }
}
