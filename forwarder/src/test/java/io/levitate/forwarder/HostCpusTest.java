package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostCpusTest {
    @Test
    void parsesLinuxCpuLists() {
        assertEquals(List.of(0, 1, 2, 3, 8, 10, 11), HostCpus.parseList("0-3,8,10-11"));
        assertEquals(List.of(1), HostCpus.parseList("1"));
        assertEquals(List.of(0, 1), HostCpus.parseList("1,0,1"));
    }

    @Test
    void formatsWhatParseListReads() {
        assertEquals("0-3,8,10-11", HostCpus.format(List.of(0, 1, 2, 3, 8, 10, 11)));
        assertEquals("1", HostCpus.format(List.of(1)));
        assertEquals("0,2,4", HostCpus.format(List.of(0, 2, 4)));
        assertEquals("", HostCpus.format(List.of()));
        final List<Integer> cpus = List.of(0, 1, 5, 6, 7, 9);
        assertEquals(cpus, HostCpus.parseList(HostCpus.format(cpus)));
    }

    @Test
    void thisProcessMayRunSomewhere() {
        assertFalse(HostCpus.allowed().isEmpty());
    }
}
