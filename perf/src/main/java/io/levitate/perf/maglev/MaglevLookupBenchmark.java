package io.levitate.perf.maglev;

import io.levitate.maglev.Backend;
import io.levitate.maglev.FlowHash;
import io.levitate.maglev.ServiceConfig;
import io.levitate.maglev.ServiceTable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-packet cost of the flow hash and of hash + table lookup (M = 65537, N = 1000), over 4096
 * precomputed random flows so branch predictors and caches see varied input. Expect 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MaglevLookupBenchmark {
    private static final int FLOWS = 4096;
    private final int[] src = new int[FLOWS];
    private final int[] sport = new int[FLOWS];
    private final long[] v6lo = new long[FLOWS];
    private ServiceTable table;
    private int i;

    @Setup
    public void setUp() {
        List<Backend> backends = new ArrayList<>();
        for (int b = 0; b < 1000; b++) {
            backends.add(Backend.of("10.0." + (b >> 8) + "." + (b & 0xFF), 80, 1));
        }
        table = ServiceTable.build(
                ServiceConfig.of("192.0.2.1", 80, 6, backends).withTableSize(65537), 1);
        SplittableRandom r = new SplittableRandom(1);
        for (int k = 0; k < FLOWS; k++) {
            src[k] = r.nextInt();
            sport[k] = r.nextInt(65536);
            v6lo[k] = r.nextLong();
        }
    }

    @Benchmark
    public long hashV4FiveTuple() {
        final int k = i++ & (FLOWS - 1);
        return FlowHash.v4FiveTuple(1, src[k], 0xC0000201, sport[k], 80, 6);
    }

    @Benchmark
    public int lookupV4() {
        final int k = i++ & (FLOWS - 1);
        return table.lookupV4(src[k], 0xC0000201, sport[k], 80, 6, false);
    }

    @Benchmark
    public int lookupV6() {
        final int k = i++ & (FLOWS - 1);
        return table.lookupV6(0x20010db800000000L, v6lo[k], 0x20010db8ffff0000L, 1, sport[k], 443, 6, false);
    }
}
