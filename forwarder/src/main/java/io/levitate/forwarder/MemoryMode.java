package io.levitate.forwarder;

/** How the EAL gets its memory. Hugepages are worth +30-50 % throughput (docs/OPERATIONS.md, Tuning). */
public enum MemoryMode {
    /** Hugepages when the machine has free ones, else ordinary pages. */
    AUTO,
    /** Hugepages, process-private ({@code --in-memory}: no hugetlbfs mount or files needed). */
    HUGEPAGES,
    /** Ordinary 4 KiB pages ({@code --no-huge -m MB}): works anywhere, slower. */
    NO_HUGE
}
