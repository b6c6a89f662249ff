package io.levitate.bgp.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * tshark capturing BFD control packets (UDP 3784) on an interface of the root namespace, read back
 * through Wireshark's own BFD dissector: an independent view of what went over the wire (flags,
 * intervals, TTL, ports, timing).
 */
final class BfdCapture implements AutoCloseable {
    /** One dissected packet. */
    record Packet(
            double time,
            String source,
            int sourcePort,
            int ttl,
            String state,
            boolean poll,
            boolean fin,
            long desiredMinTxMicros,
            long requiredMinRxMicros,
            int detectMult) {}

    private final Path file;
    private final Path log;
    private final Process process;

    BfdCapture(final Lab lab, final String iface, final String name) {
        file = lab.dir.resolve(name + ".fields");
        log = lab.dir.resolve(name + ".tshark.log");
        try {
            // Dissected live, one flushed line per packet (-l): a capture file written by dumpcap
            // may lack its last packets when the capture is stopped.
            process = new ProcessBuilder(
                            "tshark",
                            "-i",
                            iface,
                            "-f",
                            "udp port 3784",
                            "-l",
                            "-n",
                            "-T",
                            "fields",
                            "-E",
                            "separator=,",
                            "-e",
                            "frame.time_relative",
                            "-e",
                            "ip.src",
                            "-e",
                            "ipv6.src",
                            "-e",
                            "udp.srcport",
                            "-e",
                            "ip.ttl",
                            "-e",
                            "ipv6.hlim",
                            "-e",
                            "bfd.sta",
                            "-e",
                            "bfd.flags.p",
                            "-e",
                            "bfd.flags.f",
                            "-e",
                            "bfd.desired_min_tx_interval",
                            "-e",
                            "bfd.required_min_rx_interval",
                            "-e",
                            "bfd.detect_time_multiplier")
                    .redirectError(log.toFile())
                    .redirectOutput(file.toFile())
                    .start();
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
        // "Capturing on" comes before the filter is attached: the first packet shows it is (both
        // sides send at least one per second, whatever their state).
        Poll.until(Duration.ofSeconds(20), () -> !read(file).isEmpty(), () -> read(log));
    }

    private static String read(final Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (final IOException e) {
            return e.toString();
        }
    }

    /** The packets dissected so far. */
    List<Packet> packets() {
        final List<Packet> out = new ArrayList<>();
        for (final String line : read(file).split("\n")) {
            final String[] f = line.split(",", -1);
            if (f.length < 12 || f[6].isEmpty()) {
                continue;
            }
            out.add(new Packet(
                    Double.parseDouble(f[0]),
                    f[1].isEmpty() ? f[2] : f[1],
                    Integer.parseInt(f[3]),
                    Integer.parseInt(f[4].isEmpty() ? f[5] : f[4]),
                    state(f[6]),
                    flag(f[7]),
                    flag(f[8]),
                    Long.parseLong(f[9]),
                    Long.parseLong(f[10]),
                    Integer.parseInt(f[11])));
        }
        return out;
    }

    /** Stops the capture and returns every packet. */
    List<Packet> stop() {
        close();
        return packets();
    }

    private static boolean flag(final String s) {
        return "1".equals(s) || "True".equalsIgnoreCase(s);
    }

    /** tshark prints the state as its code (0x03) or its name, depending on the version. */
    private static String state(final String s) {
        return switch (s.toLowerCase()) {
            case "0", "0x00", "0x0", "admindown" -> "AdminDown";
            case "1", "0x01", "0x1", "down" -> "Down";
            case "2", "0x02", "0x2", "init" -> "Init";
            case "3", "0x03", "0x3", "up" -> "Up";
            default -> s;
        };
    }

    /** Gaps in seconds between consecutive packets of {@code packets}. */
    static List<Double> gaps(final List<Packet> packets) {
        final List<Double> out = new ArrayList<>();
        for (int i = 1; i < packets.size(); i++) {
            out.add(packets.get(i).time() - packets.get(i - 1).time());
        }
        return out;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            Shell.run("kill", "-INT", Long.toString(process.pid()));
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
