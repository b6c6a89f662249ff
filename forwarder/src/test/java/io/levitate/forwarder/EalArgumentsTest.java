package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class EalArgumentsTest {
    private static RunSpec spec(final MemoryMode memory, final List<PortSpec> ports, final List<Integer> cores) {
        return new RunSpec(
                ports,
                cores.size(),
                cores,
                0,
                "lv-test",
                memory,
                512,
                8191,
                1024,
                1024,
                32,
                null,
                null,
                List.of("--log-level=pmd.net.pcap:debug"),
                "default",
                java.nio.file.Path.of("/tmp"),
                null);
    }

    @Test
    void vdevsOnlyWithoutHugepages() {
        final List<String> argv = EalArguments.build(
                spec(
                        MemoryMode.NO_HUGE,
                        List.of(PortSpec.parse("net_pcap0,rx_pcap=a.pcap"), PortSpec.parse("net_null0")),
                        List.of(1)),
                true);
        assertEquals(
                List.of(
                        "levitate",
                        "-l",
                        "0,1",
                        "--main-lcore",
                        "0",
                        "--file-prefix",
                        "lv-test",
                        "--no-huge",
                        "-m",
                        "512",
                        "--vdev=net_pcap0,rx_pcap=a.pcap",
                        "--vdev=net_null0",
                        "--no-pci",
                        "--log-level=pmd.net.pcap:debug"),
                argv);
    }

    @Test
    void pciPortsAreAllowListedAndHugepagesAreInMemory() {
        final List<String> argv = EalArguments.build(
                spec(
                        MemoryMode.HUGEPAGES,
                        List.of(PortSpec.parse("0000:03:00.0"), PortSpec.parse("0000:03:00.1")),
                        List.of(2, 3)),
                false);
        assertEquals(
                List.of(
                        "levitate",
                        "-l",
                        "0,2,3",
                        "--main-lcore",
                        "0",
                        "--file-prefix",
                        "lv-test",
                        "--in-memory",
                        "-a",
                        "0000:03:00.0",
                        "-a",
                        "0000:03:00.1",
                        "--log-level=pmd.net.pcap:debug"),
                argv);
    }

    @Test
    void autoMemoryFollowsFreeHugepages() {
        final RunSpec s = spec(MemoryMode.AUTO, List.of(PortSpec.parse("net_null0")), List.of(0));
        assertEquals(true, EalArguments.build(s, true).contains("--in-memory"));
        assertEquals(true, EalArguments.build(s, false).contains("--no-huge"));
        // Main lcore shared with the only worker: listed once.
        assertEquals("0", EalArguments.build(s, false).get(2));
    }
}
