package io.levitate.perf.conntrack;

import io.levitate.conntrack.ConntrackConfig;
import io.levitate.conntrack.ConntrackTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Conntrack per-packet costs with {@code flows} live IPv4 flows in a table of {@code flows / 0.9}
 * entries (the sizing the class comment recommends): a hit on a random live flow, a miss, and an
 * insert of a new flow (the table is then full, so inserts evict: the worst case). Keys are computed
 * from an index (no key arrays), random via xorshift, so at 8 M flows nearly every access misses the
 * CPU caches. The set-up prints the table's off-heap bytes, the process RSS growth and whether the
 * table got transparent huge pages (system-wide AnonHugePages). Expect 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "-Xmx1g",
            "--enable-native-access=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.misc=ALL-UNNAMED"
        })
public class ConntrackBenchmark {
    private static final int VIP = 0xC0000201;

    @Param({"10000", "1000000", "8000000"})
    public int flows;

    private ConntrackTable table;
    private long rnd = 0x9E3779B97F4A7C15L;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        long rssBefore = rssBytes();
        table = new ConntrackTable(ConntrackConfig.defaults((int) (flows / 0.9), 42));
        for (int i = 0; i < flows; i++) {
            table.insertV4(source(i), VIP, port(i), 443, 6, 0x10, i & 0xFFF, 0, 0);
        }
        next = flows;
        long rssAfter = rssBytes();
        System.out.printf(
                "%nconntrack: %d flows in %d entries, %d bytes off-heap (%.1f B per entry, %.1f B per flow),"
                        + " occupancy %d, RSS +%d MiB, huge-page hint %b, AnonHugePages %d MiB%n",
                flows,
                table.capacity(),
                table.memoryBytes(),
                (double) table.memoryBytes() / table.capacity(),
                (double) table.memoryBytes() / flows,
                table.occupancy(),
                (rssAfter - rssBefore) >> 20,
                table.hugePageHint(),
                status("/proc/meminfo", "AnonHugePages:") >> 20);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        table.close();
    }

    private static int source(int i) {
        return 0x0A000000 + (i >>> 2);
    }

    private static int port(int i) {
        return 1024 + (i & 3);
    }

    private int randomFlow() {
        long x = rnd;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        rnd = x;
        return (int) (((x >>> 32) * flows) >>> 32);
    }

    @Benchmark
    public int lookupHit() {
        final int i = randomFlow();
        return table.lookupV4(source(i), VIP, port(i), 443, 6, 0x10, 1);
    }

    @Benchmark
    public int lookupMiss() {
        final int i = randomFlow();
        return table.lookupV4(source(i), VIP + 1, port(i), 443, 6, 0x10, 1);
    }

    @Benchmark
    public int insertNew() {
        final int i = next++;
        // Clock held still: nothing expires, the table fills and every insert past that evicts.
        return table.insertV4(0x64000000 + i, VIP, 80, 443, 6, 0x02, 1, 0, 1);
    }

    private static long rssBytes() throws Exception {
        return status("/proc/self/status", "VmRSS:");
    }

    /** A "Name: N kB" line of a /proc file, in bytes (0 if absent). */
    private static long status(String file, String name) throws Exception {
        for (String line : Files.readAllLines(Path.of(file))) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }
}
