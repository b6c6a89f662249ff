package io.levitate.packet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs Wireshark's command-line dissector on a pcap and returns the requested fields per frame:
 * the independent check on every byte Levitate reads or writes. Checksum validation is switched
 * on for IPv4, TCP and UDP (off by default in tshark) so {@code *.checksum.status} means
 * something ("1" = good, "0" = bad, "2" = unverified).
 */
public final class Tshark {
    public static final String EXECUTABLE = "/usr/bin/tshark";
    private static final String[] PREFERENCES = {
        "-o", "ip.check_checksum:TRUE",
        "-o", "tcp.check_checksum:TRUE",
        "-o", "udp.check_checksum:TRUE",
    };

    private Tshark() {}

    public static boolean available() {
        return Files.isExecutable(Path.of(EXECUTABLE));
    }

    /**
     * One map per frame from field name to value. Repeated fields (e.g. both IP headers of a
     * tunnelled packet) are joined with ',' in the order tshark met them.
     */
    public static List<Map<String, String>> fields(Path pcap, String... fields) {
        List<String> cmd = new ArrayList<>(List.of(EXECUTABLE, "-n", "-r", pcap.toString()));
        cmd.addAll(Arrays.asList(PREFERENCES));
        cmd.addAll(List.of("-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        String out = run(cmd);
        List<Map<String, String>> rows = new ArrayList<>();
        String[] lines = out.split("\n", -1);
        // Every frame ends its line with '\n', so the last element is the empty rest.
        for (int l = 0; l < lines.length - 1; l++) {
            String line = lines[l];
            String[] values = line.split("\t", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < fields.length; i++) {
                row.put(fields[i], i < values.length ? values[i] : "");
            }
            rows.add(row);
        }
        return rows;
    }

    /** The verbose dissection ({@code -V}) of every frame, for "contains" checks and failure messages. */
    public static String verbose(Path pcap) {
        List<String> cmd = new ArrayList<>(List.of(EXECUTABLE, "-n", "-r", pcap.toString()));
        cmd.addAll(Arrays.asList(PREFERENCES));
        cmd.add("-V");
        return run(cmd);
    }

    /**
     * Runs {@code -V} and returns every line where the dissector flags a malformed packet or a
     * bad checksum, prefixed by its frame; empty when there is none. Inside an ICMP error the
     * quoted packet is skipped (tshark nests it, indented): a quote is truncated by design, so
     * its TCP/UDP checksum cannot verify.
     */
    public static String complaints(Path pcap) {
        StringBuilder found = new StringBuilder();
        String frame = "";
        boolean inQuote = false;
        for (String line : verbose(pcap).split("\n")) {
            if (line.startsWith("Frame ")) {
                frame = line;
                inQuote = false;
                continue;
            }
            if (line.startsWith(" ") && line.trim().startsWith("Internet Protocol Version")) {
                inQuote = true;
            }
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (!inQuote
                    && (lower.contains("malformed packet")
                            || lower.contains("status: bad")
                            || lower.contains("incorrect, should be"))) {
                found.append(frame).append(": ").append(line.trim()).append('\n');
            }
        }
        return found.toString();
    }

    private static String run(List<String> cmd) {
        try {
            Path err = Files.createTempFile("tshark", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
                byte[] stdout = p.getInputStream().readAllBytes();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("tshark timed out");
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException("tshark failed (" + p.exitValue() + "): " + Files.readString(err));
                }
                return new String(stdout, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
