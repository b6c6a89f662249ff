package io.levitate.forwarder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steady-state forwarding allocates nothing: after the JIT warm-up, the JVM's own GC log shows no
 * collection and the worker thread's allocation counter does not move. The run length defaults to
 * 20 s here; {@code -Dlevitate.gcRunSeconds=60} gives the 60 s run the foundation issue asks for.
 */
class GcFreeForwardingIT
{
    /** "[12345ms] ... GC(3) Pause Young ..." with -Xlog:gc:file=...:uptimemillis. */
    private static final Pattern GC_EVENT = Pattern.compile("^\\[(\\d+)ms\\].*GC\\(\\d+\\) (Pause|Concurrent)");
    private static final Pattern WARM_UP = Pattern.compile("warm-up done at JVM uptime (\\d+) ms");

    @TempDir
    Path dir;

    @Test
    void noGcCyclesAndNoWorkerAllocationAfterWarmUp() throws Exception
    {
        final int seconds = Integer.getInteger("levitate.gcRunSeconds", 20);
        final Path in = dir.resolve("loop.pcap");
        PcapFile.write(in, L2ForwardIT.frames(1024, 11));
        final Path gcLog = dir.resolve("gc.log");
        try (LevitateProcess levitate = LevitateProcess.start(
            List.of("-Xlog:gc:file=" + gcLog + ":uptimemillis"),
            List.of("run", "--no-huge", "--duration", Integer.toString(seconds), "--stats-interval", "5",
                "--port", "net_pcap0,rx_pcap=" + in + ",infinite_rx=1", "--port", "net_null0,no-rx=1")))
        {
            assertEquals(0, levitate.awaitExit(Duration.ofSeconds(seconds + 60)), String.join("\n", levitate.stderr()));
            final List<String> out = levitate.stdout();
            long warmUptime = -1;
            for (final String line : out)
            {
                final Matcher m = WARM_UP.matcher(line);
                if (m.find())
                {
                    warmUptime = Long.parseLong(m.group(1));
                }
            }
            assertTrue(warmUptime > 0, "no warm-up mark:\n" + String.join("\n", out));
            assertTrue(out.stream().anyMatch(l -> l.contains("worker heap allocation 0 bytes, JVM GC cycles 0")),
                String.join("\n", out));
            assertTrue(out.stream().anyMatch(l -> l.startsWith("levitate: stats: w0 rx ") && !l.contains(" tx 0 ")),
                "it must actually have forwarded:\n" + String.join("\n", out));

            int afterWarmUp = 0;
            for (final String line : Files.readAllLines(gcLog))
            {
                final Matcher m = GC_EVENT.matcher(line);
                if (m.find() && Long.parseLong(m.group(1)) >= warmUptime)
                {
                    afterWarmUp++;
                }
            }
            assertEquals(0, afterWarmUp, "GC events after warm-up in " + gcLog + ":\n" + Files.readString(gcLog));
            System.out.printf("GcFreeForwardingIT: %d s run, 0 GC events after warm-up at %d ms uptime%n", seconds, warmUptime);
        }
    }
}
