package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Operator mistakes get exactly one line on stderr that names the problem, a non-zero exit code
 * (2 for arguments, 1 for what DPDK refused), and never a stack trace. Runs the real launcher.
 */
class BadArgumentsIT {
    @TempDir
    static Path dir;

    static Stream<Arguments> cases() throws Exception {
        final Path onePacket = dir.resolve("one.pcap");
        PcapFile.write(onePacket, L2ForwardIT.frames(1, 1));
        final int cpus = Runtime.getRuntime().availableProcessors();
        return Stream.of(
                Arguments.of("no ports", List.of(), 2, "no ports"),
                Arguments.of("unknown vdev driver", List.of("--port", "net_bogus0"), 1, "net_bogus0"),
                Arguments.of(
                        "more workers than cores",
                        List.of("--port", "net_null0", "--workers", Integer.toString(cpus + 1)),
                        2,
                        "CPUs"),
                Arguments.of(
                        "worker core that does not exist",
                        List.of("--port", "net_null0", "--cores", "4095"),
                        2,
                        "CPU 4095"),
                Arguments.of(
                        "missing pcap file",
                        List.of("--port", "net_pcap0,rx_pcap=" + dir.resolve("absent.pcap")),
                        1,
                        "absent.pcap"),
                Arguments.of("malformed port", List.of("--port", "not a port"), 2, "bad --port"),
                Arguments.of(
                        "same port twice", List.of("--port", "net_null0", "--port", "net_null0"), 1, "more than once"),
                Arguments.of("bad vdev argument", List.of("--port", "net_null0,frobnicate=1"), 1, "net_null0"),
                Arguments.of(
                        "too few queues for the workers",
                        List.of("--workers", "2", "--port", "net_pcap0,rx_pcap=" + onePacket + ",tx_pcap=/dev/null"),
                        1,
                        "queues"),
                Arguments.of("unknown option", List.of("--port", "net_null0", "--frobnicate"), 2, "--frobnicate"),
                Arguments.of(
                        "bad EAL pass-through argument",
                        List.of("--port", "net_null0", "--eal-arg=--frobnicate"),
                        1,
                        "EAL initialisation failed"),
                Arguments.of("unknown mode", List.of("--port", "net_null0", "--mode", "teleport"), 2, "teleport"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oneLineErrorAndNonZeroExit(
            final String name, final List<String> args, final int exitCode, final String mention) throws Exception {
        final String prefix = "levitate-badargs-" + ProcessHandle.current().pid() + "-" + Math.abs(name.hashCode());
        final List<String> command =
                new ArrayList<>(List.of("run", "--no-huge", "--duration", "5", "--file-prefix", prefix));
        command.addAll(args);
        try (LevitateProcess levitate = LevitateProcess.start(List.of(), command)) {
            final int rc = levitate.awaitExit(Duration.ofSeconds(60));
            final List<String> stderr = levitate.stderr();
            assertEquals(1, stderr.size(), "exactly one line on stderr, got:\n" + String.join("\n", stderr));
            final String line = stderr.getFirst();
            assertTrue(line.startsWith("levitate: "), line);
            assertTrue(line.contains(mention), "'" + line + "' should mention '" + mention + "'");
            assertFalse(line.contains("Exception") || line.contains("\tat "), line);
            assertEquals(exitCode, rc, line);
        }
        assertFalse(Files.exists(Path.of("/var/run/dpdk", prefix)), "EAL runtime directory left behind");
    }
}
