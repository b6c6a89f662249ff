package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PortSpecTest {
    @Test
    void vdevStringKeepsItsArgumentsAndNamesTheDevice() {
        final PortSpec p = PortSpec.parse("net_pcap0,rx_pcap=/tmp/a.pcap,infinite_rx=1");
        assertFalse(p.pci());
        assertEquals("net_pcap0", p.deviceName());
        assertArrayEquals(new String[] {"--vdev=net_pcap0,rx_pcap=/tmp/a.pcap,infinite_rx=1"}, p.ealArguments());
    }

    @Test
    void pciAddressWithAndWithoutDomain() {
        final PortSpec full = PortSpec.parse("0000:3B:00.1");
        assertTrue(full.pci());
        assertEquals("0000:3b:00.1", full.deviceName());
        assertArrayEquals(new String[] {"-a", "0000:3B:00.1"}, full.ealArguments());

        final PortSpec shortForm = PortSpec.parse("03:00.0,rxq_cqe_comp_en=0");
        assertTrue(shortForm.pci());
        assertEquals("0000:03:00.0", shortForm.deviceName());
        assertArrayEquals(new String[] {"-a", "03:00.0,rxq_cqe_comp_en=0"}, shortForm.ealArguments());
    }

    @Test
    void rejectsWhatIsNeither() {
        for (final String bad : new String[] {"", "  ", "0net", "net null", "03:00.9", ",rx_pcap=x"}) {
            final LevitateException ex = assertThrows(LevitateException.class, () -> PortSpec.parse(bad), bad);
            assertFalse(ex.getMessage().contains("\n"));
        }
    }
}
