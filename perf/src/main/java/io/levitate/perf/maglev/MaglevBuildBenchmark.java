package io.levitate.perf.maglev;

import io.levitate.maglev.Backend;
import io.levitate.maglev.MaglevPopulation;
import io.levitate.maglev.ServiceConfig;
import io.levitate.maglev.ServiceTable;
import io.levitate.maglev.XxHash64;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Maglev table generation at the paper's two sizes with 1000 backends (paper, section 5.3: 1.8 ms
 * and 22.9 ms on 2016 hardware; goals here &lt; 1 ms and &lt; 10 ms).
 * {@code build}: the whole service-table build (sort, identity hashes, population, slot counts,
 * digest). {@code populate}: the population loop alone, from precomputed offsets and skips.
 * {@code populateLegacy}: the same with the population code of before its lanes and blocked
 * probing ({@link LegacyMaglevPopulation}), and {@code populatePrevious} with the lanes version
 * that the rounds replaced ({@link PreviousMaglevPopulation}), so one run gives the old/new ratios
 * on the same machine state. Run with {@code -prof gc} for B/op (all of it is the table and build-time
 * scratch arrays).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MaglevBuildBenchmark {
    @Param({"65537", "655373"})
    public int m;

    @Param({"1000"})
    public int n;

    private ServiceConfig config;
    private int[] offsets;
    private int[] skips;
    private int[] weights;

    @Setup
    public void setUp() {
        List<Backend> backends = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            backends.add(Backend.of("10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF), 80, 1));
        }
        config = ServiceConfig.of("192.0.2.1", 80, 6, backends).withTableSize(m);
        offsets = new int[n];
        skips = new int[n];
        weights = new int[n];
        for (int i = 0; i < n; i++) {
            byte[] id = backends.get(i).canonicalBytes();
            offsets[i] = (int) Long.remainderUnsigned(XxHash64.hash(id, 1), m);
            skips[i] = (int) Long.remainderUnsigned(XxHash64.hash(id, ~1L), m - 1) + 1;
            weights[i] = 1;
        }
        if (!Arrays.equals(
                MaglevPopulation.populate(m, offsets, skips, weights),
                LegacyMaglevPopulation.populate(m, offsets, skips, weights))) {
            throw new IllegalStateException("old and new population differ at m=" + m);
        }
        if (!Arrays.equals(
                MaglevPopulation.populate(m, offsets, skips, weights),
                PreviousMaglevPopulation.populate(m, offsets, skips, weights))) {
            throw new IllegalStateException("previous and new population differ at m=" + m);
        }
    }

    @Benchmark
    public ServiceTable build() {
        return ServiceTable.build(config, 1);
    }

    @Benchmark
    public int[] populate() {
        return MaglevPopulation.populate(m, offsets, skips, weights);
    }

    @Benchmark
    public int[] populateLegacy() {
        return LegacyMaglevPopulation.populate(m, offsets, skips, weights);
    }

    @Benchmark
    public int[] populatePrevious() {
        return PreviousMaglevPopulation.populate(m, offsets, skips, weights);
    }
}
