package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.forwarder.cli.LevitateCli.UsageException;
import io.levitate.forwarder.cli.RunCommandAccess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunCommandTest {
    private static final List<Integer> FOUR_CPUS = List.of(0, 1, 2, 3);

    @Test
    void defaultsKeepWorkersOffTheMainCore() {
        final RunSpec spec = RunCommandAccess.spec(FOUR_CPUS, "--port", "net_null0", "--workers", "2");
        assertEquals(List.of(1, 2), spec.workerCores());
        assertEquals(MemoryMode.AUTO, spec.memoryMode());
        assertEquals(8191, spec.mbufs());
        assertTrue(spec.filePrefix().startsWith("levitate-"));
    }

    @Test
    void workersShareTheMainCoreOnlyWhenThereAreNoOtherCpus() {
        final RunSpec spec = RunCommandAccess.spec(List.of(0, 1), "--port", "net_null0", "--workers", "2");
        assertEquals(List.of(0, 1), spec.workerCores());
    }

    @Test
    void explicitOptions() {
        final RunSpec spec = RunCommandAccess.spec(
                FOUR_CPUS,
                "--port",
                "net_null0",
                "--port",
                "net_null1",
                "--cores",
                "3",
                "--main-core",
                "2",
                "--no-huge",
                "--memory-mb",
                "256",
                "--mbufs",
                "4095",
                "--duration",
                "1.5",
                "--stats-interval",
                "0.25",
                "--burst",
                "64",
                "--file-prefix",
                "x");
        assertEquals(List.of(3), spec.workerCores());
        assertEquals(2, spec.mainCore());
        assertEquals(MemoryMode.NO_HUGE, spec.memoryMode());
        assertEquals(Duration.ofMillis(1500), spec.duration());
        assertEquals(Duration.ofMillis(250), spec.statsInterval());
        assertEquals(64, spec.burst());
        assertEquals(1, spec.peerOf(0));
        assertEquals(0, spec.peerOf(1));
    }

    @Test
    void lonePortForwardsToItselfAndPairsPair() {
        final RunSpec three =
                RunCommandAccess.spec(FOUR_CPUS, "--port", "net_null0", "--port", "net_null1", "--port", "net_null2");
        assertEquals(1, three.peerOf(0));
        assertEquals(0, three.peerOf(1));
        assertEquals(2, three.peerOf(2));
    }

    @Test
    void defaultPoolCoversEveryRing() {
        final RunSpec spec = RunCommandAccess.spec(
                FOUR_CPUS,
                "--port",
                "net_null0",
                "--port",
                "net_null1",
                "--workers",
                "3",
                "--rx-desc",
                "4096",
                "--tx-desc",
                "4096");
        assertTrue(spec.mbufs() >= 2 * 3 * 8192);
        assertEquals(0, (spec.mbufs() + 1) & spec.mbufs(), "2^k - 1");
    }

    @Test
    void rejectsWhatCannotRun() {
        final String[][] bad = {
            {},
            {"--port", "net_null0", "--workers", "5"},
            {"--port", "net_null0", "--workers", "0"},
            {"--port", "net_null0", "--cores", "1,1", "--workers", "2"},
            {"--port", "net_null0", "--cores", "1,2"},
            {"--port", "net_null0", "--cores", "9"},
            {"--port", "net_null0", "--main-core", "8"},
            {"--port", "net_null0", "--in-memory", "--no-huge"},
            {"--port", "net_null0", "--burst", "0"},
            {"--port", "net_null0", "--burst", "100000"},
            {"--port", "net_null0", "--duration", "-1"},
            {"--port", "net_null0", "--mbufs", "10"},
            {"--port", "net_null0", "--mode", "teleport"},
        };
        for (final String[] args : bad) {
            final UsageException ex = assertThrows(
                    UsageException.class, () -> RunCommandAccess.spec(FOUR_CPUS, args), String.join(" ", args));
            assertTrue(!ex.getMessage().isBlank() && !ex.getMessage().contains("\n"), ex.getMessage());
        }
    }
}
