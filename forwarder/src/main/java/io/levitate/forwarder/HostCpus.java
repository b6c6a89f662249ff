package io.levitate.forwarder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** The CPUs this process may run on (its affinity mask, from /proc/self/status). */
public final class HostCpus {
    private HostCpus() {}

    /** Allowed CPU ids in ascending order. */
    public static List<Integer> allowed() {
        try {
            return allowedOf(Path.of("/proc/self/status"));
        } catch (final IOException | RuntimeException ignored) {
            // Fall through to the JVM's count.
        }
        final List<Integer> cpus = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            cpus.add(i);
        }
        return cpus;
    }

    /**
     * The CPUs a process or thread may run on, from its /proc status file ({@code /proc/PID/status}
     * or {@code /proc/PID/task/TID/status}): its Cpus_allowed_list.
     *
     * @throws IOException when the file cannot be read (the thread has ended) or has no such line
     */
    public static List<Integer> allowedOf(final Path status) throws IOException {
        for (final String line : Files.readAllLines(status)) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return parseList(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        throw new IOException("no Cpus_allowed_list in " + status);
    }

    /** Parses a Linux CPU list such as "0-3,8,10-11". */
    public static List<Integer> parseList(final String list) {
        final TreeSet<Integer> cpus = new TreeSet<>();
        for (final String part : list.split(",")) {
            final String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            final int dash = p.indexOf('-');
            if (dash < 0) {
                cpus.add(Integer.parseInt(p));
            } else {
                final int from = Integer.parseInt(p.substring(0, dash));
                final int to = Integer.parseInt(p.substring(dash + 1));
                for (int c = from; c <= to; c++) {
                    cpus.add(c);
                }
            }
        }
        return new ArrayList<>(cpus);
    }

    /** A CPU list in the Linux form {@link #parseList} reads, e.g. "0-3,8" (ascending input). */
    public static String format(final List<Integer> cpus) {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < cpus.size(); ) {
            int j = i;
            while (j + 1 < cpus.size() && cpus.get(j + 1) == cpus.get(j) + 1) {
                j++;
            }
            if (!text.isEmpty()) {
                text.append(',');
            }
            text.append(cpus.get(i));
            if (j > i) {
                text.append('-').append(cpus.get(j));
            }
            i = j + 1;
        }
        return text.toString();
    }

    /** True when /proc/meminfo reports free hugepages. */
    public static boolean hugepagesFree() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("HugePages_Free:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).strip()) > 0;
                }
            }
        } catch (final IOException | RuntimeException ignored) {
            // No hugepage information: treat as none.
        }
        return false;
    }
}
