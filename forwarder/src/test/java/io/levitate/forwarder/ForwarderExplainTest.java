package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Turning the EAL's captured log into the one-line reason an operator sees. */
class ForwarderExplainTest {
    private static final String LOG = """
        EAL: Detected CPU lcores: 2
        EAL: Detected NUMA nodes: 1
        open_single_rx_pcap(): Couldn't open /x.pcap: /x.pcap: No such file or directory
        vdev_probe(): failed to initialize net_pcap0 device
        EAL: Bus (vdev) probe failed.
        """;

    @Test
    void picksTheDevicesErrorLines() {
        final String why = EalSession.explain(LOG, "net_pcap0");
        assertTrue(why.contains("Couldn't open /x.pcap"), why);
        assertTrue(why.contains("failed to initialize net_pcap0"), why);
        assertTrue(!why.contains("Detected"), why);
        assertTrue(!why.contains("\n"), why);
    }

    @Test
    void nothingToSayWhenTheLogHasNoErrors() {
        assertEquals("", EalSession.explain("EAL: Detected CPU lcores: 2\n", null));
    }
}
