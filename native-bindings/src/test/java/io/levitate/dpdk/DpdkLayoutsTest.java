package io.levitate.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Java struct layouts agree with the installed DPDK's headers, as the shim reports them. */
class DpdkLayoutsTest {
    @Test
    void javaAssumptionsMatchTheShim() {
        assertEquals(java.util.List.of(), DpdkLayouts.mismatches());
    }

    @Test
    void shimReportsEveryFactJavaChecks() {
        final Map<String, Long> shim = DpdkLayouts.shimFacts();
        assertTrue(shim.keySet().containsAll(DpdkLayouts.javaAssumptions().keySet()));
        assertEquals(128L, shim.get("sizeof.rte_mbuf"), "an mbuf is two cache lines");
    }

    @Test
    void versionIsTheInstalledDpdk() {
        assertTrue(Eal.version().startsWith("DPDK "), Eal.version());
    }
}
