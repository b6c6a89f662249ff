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
    void thisProcessMayRunSomewhere() {
        assertFalse(HostCpus.allowed().isEmpty());
    }
}
