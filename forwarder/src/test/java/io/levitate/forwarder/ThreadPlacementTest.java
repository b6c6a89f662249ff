package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which threads {@link ThreadPlacement} moves, from their /proc status as the kernel writes it. */
class ThreadPlacementTest {
    @TempDir
    Path dir;

    private Path task(final String tid, final String cpus) throws Exception {
        final Path task = Files.createDirectories(dir.resolve(tid));
        Files.writeString(task.resolve("status"), """
            Name:\tC2 CompilerThre
            State:\tS (sleeping)
            Cpus_allowed:\tf
            Cpus_allowed_list:\t%s
            Mems_allowed_list:\t0
            """.formatted(cpus));
        return task;
    }

    @Test
    void onlyThreadsThatMayRunOnAWorkerCpuAreMoved() throws Exception {
        final List<Integer> workers = List.of(2, 3);
        // The JVM's threads, started before EAL with the whole mask.
        assertTrue(ThreadPlacement.mayRunOn(task("101", "0-3"), workers));
        assertTrue(ThreadPlacement.mayRunOn(task("102", "1,3"), workers));
        // The main thread, which EAL pinned to the main lcore: left there.
        assertFalse(ThreadPlacement.mayRunOn(task("103", "0"), workers));
        assertFalse(ThreadPlacement.mayRunOn(task("104", "0-1,4-7"), workers));
    }

    @Test
    void aThreadThatEndedIsNotMoved() {
        assertFalse(ThreadPlacement.mayRunOn(dir.resolve("999"), List.of(1)));
    }

    @Test
    void theHousekeepingCpusAreTheAllowedOnesNoWorkerUses() {
        assertEquals(List.of(0, 3), ThreadPlacement.housekeepingCpus(List.of(0, 1, 2, 3), List.of(1, 2)));
        assertEquals(List.of(), ThreadPlacement.housekeepingCpus(List.of(0, 1), List.of(0, 1)));
        // A worker CPU outside the process's mask takes nothing away.
        assertEquals(List.of(0, 1), ThreadPlacement.housekeepingCpus(List.of(0, 1), List.of(5)));
    }
}
