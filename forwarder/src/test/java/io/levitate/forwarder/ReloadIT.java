package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live reconfiguration of a forwarding daemon: levitate reload over the control socket, and
 * SIGHUP. Changed services get new tables, unchanged ones keep theirs, bad files and restart-only
 * changes are refused with the running configuration kept, and no packet is lost: workers never stop.
 */
class ReloadIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private String config(final Path in, final String extraServices, final String web13) {
        return """
            instance:
              name: reload-%d
              counters_dir: %s
              ports:
                - device: "net_pcap0,rx_pcap=%s,infinite_rx=1"
                - device: "net_null0,no-rx=1"
              hugepages: "no"
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 42
            control: {socket: %s}
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.11}, {address: 10.0.2.12}, %s]
              - name: dns
                vip: 198.18.0.10
                port: 53
                protocol: udp
                backends: [{address: 10.0.3.21}, {address: 10.0.3.22}]
            %s""".formatted(
                        ProcessHandle.current().pid(),
                        dir.resolve("counters"),
                        in,
                        dir.resolve("ctl/control.sock"),
                        web13,
                        extraServices);
    }

    private List<String> reload(final String... flags) throws Exception {
        final List<String> args = new ArrayList<>(
                List.of("reload", "--socket", dir.resolve("ctl/control.sock").toString()));
        args.addAll(List.of(flags));
        return levitate(args.toArray(String[]::new));
    }

    private List<String> levitate(final String... args) throws Exception {
        try (LevitateProcess client = LevitateProcess.start(args)) {
            final int rc = client.awaitExit(TIMEOUT);
            final List<String> out = new ArrayList<>(client.stdout());
            out.add("rc=" + rc);
            return out;
        }
    }

    @Test
    void reloadAppliesValidChangesRefusesTheRestAndNeverStopsForwarding() throws Exception {
        final List<byte[]> frames = new ArrayList<>();
        frames.add(TestFrames.arp(2, TestFrames.GATEWAY_MAC, "10.0.1.1", TestFrames.PORT_MAC, "10.0.1.2"));
        for (int f = 0; f < 200; f++) {
            frames.add(TestFrames.l4("10.9.0." + (1 + f % 250), "198.18.0.10", 6, 30000 + f, 80, 0x10));
        }
        final Path in = dir.resolve("in.pcap");
        PcapFile.write(in, frames);
        final Path file = dir.resolve("levitate.yaml");
        Files.writeString(file, config(in, "", "{address: 10.0.2.13}"));
        try (LevitateProcess levitate =
                LevitateProcess.start("run", "--config", file.toString(), "--stats-interval", "0.5")) {
            levitate.awaitLine(l -> l.startsWith("levitate: stats: w0 rx ") && !l.contains(" tx 0 "), TIMEOUT);

            // A weight change: web gets a new table, dns keeps its own.
            Files.writeString(file, config(in, "", "{address: 10.0.2.13, weight: 300}"));
            List<String> reply = reload();
            assertTrue(
                    reply.stream().anyMatch(l -> l.startsWith("service web: table rebuilt, digest ")),
                    reply.toString());
            assertTrue(reply.stream().anyMatch(l -> l.startsWith("service dns: unchanged")), reply.toString());
            assertEquals("rc=0", reply.getLast(), reply.toString());

            // A service added, then removed.
            Files.writeString(file, config(in, """
                  - name: ntp
                    vip: 198.18.0.11
                    port: 123
                    protocol: udp
                    backends: [{address: 10.0.4.1}]
                """, "{address: 10.0.2.13, weight: 300}"));
            reply = reload();
            assertTrue(reply.stream().anyMatch(l -> l.startsWith("service ntp: added")), reply.toString());
            Files.writeString(file, config(in, "", "{address: 10.0.2.13, weight: 300}"));
            reply = reload();
            assertTrue(reply.stream().anyMatch(l -> l.equals("service ntp: removed")), reply.toString());

            // A broken file: rejected with its position; the running configuration stays.
            Files.writeString(file, config(in, "", "{address: 10.0.2.13, weight: 70000}"));
            reply = reload();
            assertTrue(reply.getFirst().startsWith("rejected: 1 error(s)"), reply.toString());
            assertTrue(reply.get(1).contains(file + ":") && reply.get(1).contains("weight"), reply.toString());
            assertEquals("rc=1", reply.getLast());

            // 20 more invalid files, each rejected; afterwards re-applying the running file shows
            // every service unchanged: the digests stayed identical throughout.
            final String good = config(in, "", "{address: 10.0.2.13, weight: 300}");
            final String[] broken = {
                "",
                "instance: [",
                good.replace("hash_seed: 42", "hash_seed: banana"),
                good.replace("port: 80", "port: 70000"),
                good.replace("protocol: tcp", "protocol: sctp"),
                good.replace("198.18.0.10", "198.18.0.300"),
                good.replace("10.0.2.11", "not-an-address"),
                good.replace("weight: 300", "weight: -1"),
                good.replace("name: web", "name: dns"),
                good.replace("hash_seed: 42", "hash_seed: 42\nconntrak: {}"),
                good.replace("    protocol: tcp\n", "    protocol: tcp\n    table_size: 65536\n"),
                good.replace("backends: [{address: 10.0.3.21}, {address: 10.0.3.22}]", "backends: []"),
                good.replace("backends: [{address: 10.0.2.11}", "backends: [{address: 10.0.2.12}"),
                good.replace("{address: 10.0.2.11}", "{address: 10.0.2.11, state: sleepy}"),
                good.replace("{address: 10.0.2.11}", "{address: 10.0.2.11, port: 0}"),
                good.replace("{address: 10.0.2.11}", "{address: \"fd00::11\"}"),
                good.replace("    protocol: tcp\n", "    protocol: tcp\n    hash: 7-tuple\n"),
                good.replace(
                        "    protocol: tcp\n",
                        "    protocol: tcp\n    health_check: {type: tcp, interval: 1s, timeout: 2s}\n"),
                good.replace("services:", "services: 7\nextra:"),
                good
                        + "  - name: web\n    vip: 198.18.0.12\n    port: 80\n    protocol: tcp\n    backends: [{address: 10.0.2.11}]\n",
            };
            for (int i = 0; i < broken.length; i++) {
                Files.writeString(file, broken[i]);
                reply = reload();
                assertTrue(reply.getFirst().startsWith("rejected:"), "broken file " + i + ": " + reply);
                assertEquals("rc=1", reply.getLast(), "broken file " + i);
            }
            Files.writeString(file, good);
            reply = reload();
            assertTrue(reply.stream().anyMatch(l -> l.startsWith("service web: unchanged")), reply.toString());
            assertTrue(reply.stream().anyMatch(l -> l.startsWith("service dns: unchanged")), reply.toString());

            // levitate reload --config: the running file, checked first, found by its control.socket.
            reply = levitate("reload", "--config", file.toString());
            assertTrue(reply.stream().anyMatch(l -> l.startsWith("service web: unchanged")), reply.toString());
            assertEquals("rc=0", reply.getLast(), reply.toString());
            // A valid copy elsewhere is refused by the forwarder: it re-reads only the file it was started with.
            final Path copy = Files.writeString(dir.resolve("copy.yaml"), good);
            reply = levitate("reload", "--config", copy.toString());
            assertTrue(reply.getFirst().startsWith("refused: this forwarder re-reads " + file), reply.toString());
            assertEquals("rc=1", reply.getLast(), reply.toString());

            // Something only a restart can change: refused.
            Files.writeString(
                    file,
                    config(in, "", "{address: 10.0.2.13}")
                            .replace("hugepages: \"no\"", "hugepages: \"no\"\n  workers: 2"));
            reply = reload();
            assertTrue(
                    reply.getFirst().startsWith("refused: instance.workers/cores changed; that needs a restart"),
                    reply.toString());

            // SIGHUP re-reads the file too (back to the original weights).
            Files.writeString(file, config(in, "", "{address: 10.0.2.13}"));
            assertEquals(
                    0,
                    new ProcessBuilder("kill", "-HUP", Long.toString(levitate.pid()))
                            .start()
                            .waitFor());
            levitate.awaitLine(l -> l.startsWith("levitate: reload: service web: table rebuilt"), TIMEOUT);
            final String afterReloads = levitate.awaitLine(l -> l.contains("levitate: reload: ok"), TIMEOUT);

            levitate.terminate();
            assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
            final List<String> out = levitate.stdout();
            // Workers never stopped: everything received was encapsulated (only the gateway's ARP
            // replays were consumed), nothing dropped for want of a table.
            final String lb = out.stream()
                    .filter(l -> l.startsWith("levitate: worker 0 lb: rx "))
                    .findFirst()
                    .orElseThrow();
            final java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                            "levitate: worker 0 lb: rx (\\d+) tx (\\d+) encapsulated (\\d+) replies 0 drops: neighbour_consumed=(\\d+)")
                    .matcher(lb);
            assertTrue(m.matches(), lb);
            // Every packet in is accounted for out: tx + counted drops = rx, and the only drops are
            // the consumed ARP frames of the replayed capture (none from the reloads).
            assertEquals(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)) + Long.parseLong(m.group(4)), lb);
            assertTrue(afterReloads != null);
        }
    }

    /**
     * A change of a service's table size moves nearly every new flow, so a reload refuses it unless
     * told it is intended; SIGHUP, which has no flags, refuses it too. Backends that get no slot are
     * warned of with their position, without refusing the file.
     */
    @Test
    void reloadRefusesATableResizeUnlessAllowedAndWarnsOfBackendsWithoutSlots() throws Exception {
        final List<byte[]> frames = new ArrayList<>();
        frames.add(TestFrames.arp(2, TestFrames.GATEWAY_MAC, "10.0.1.1", TestFrames.PORT_MAC, "10.0.1.2"));
        frames.add(TestFrames.l4("10.9.0.1", "198.18.0.10", 6, 30000, 80, 0x10));
        final Path in = dir.resolve("in.pcap");
        PcapFile.write(in, frames);
        final Path file = dir.resolve("levitate.yaml");
        Files.writeString(file, config(in, "", "{address: 10.0.2.13}"));
        try (LevitateProcess levitate =
                LevitateProcess.start("run", "--config", file.toString(), "--stats-interval", "0.5")) {
            levitate.awaitLine(l -> l.startsWith("levitate: forwarding"), TIMEOUT);

            // Weight 65535 next to weight 1 (M = 65537): the light backends' slots round to none.
            final StringBuilder light = new StringBuilder("{address: 10.0.2.13, weight: 65535}");
            for (int i = 1; i <= 10; i++) {
                light.append(", {address: 10.0.5.").append(i).append(", weight: 1}");
            }
            Files.writeString(file, config(in, "", light.toString()));
            List<String> reply = reload();
            assertTrue(
                    reply.stream()
                            .anyMatch(l -> l.startsWith(file + ":17:")
                                    && l.contains(": warning: services[0]")
                                    && l.contains("gets no slot of M=65537")),
                    reply.toString());
            assertTrue(reply.stream().anyMatch(l -> l.startsWith("service web: table rebuilt")), reply.toString());
            assertEquals("rc=0", reply.getLast(), reply.toString());

            // A new table size: refused, naming the flag and the share that would move.
            final String resized = config(in, "", "{address: 10.0.2.13}")
                    .replace("    protocol: tcp\n", "    protocol: tcp\n    table_size: 131071\n");
            Files.writeString(file, resized);
            reply = reload();
            assertTrue(
                    reply.getFirst().startsWith("refused: service web: table size 65537 -> 131071 would move "),
                    reply.toString());
            assertTrue(reply.getFirst().contains("levitate reload --allow-table-resize"), reply.toString());
            assertEquals("rc=1", reply.getLast(), reply.toString());

            // SIGHUP cannot say it is intended: refused as well.
            assertEquals(
                    0,
                    new ProcessBuilder("kill", "-HUP", Long.toString(levitate.pid()))
                            .start()
                            .waitFor());
            levitate.awaitLine(
                    l -> l.startsWith("levitate: reload: refused: service web: table size 65537 -> 131071"), TIMEOUT);

            // Told it is intended: applied, with the share that moved.
            reply = reload("--allow-table-resize");
            assertTrue(
                    reply.stream()
                            .anyMatch(l -> l.matches("service web: table size 65537 -> 131071, \\d+\\.\\d\\d% "
                                    + "of new flows move, digest [0-9a-f]{16} -> [0-9a-f]{16}.*")),
                    reply.toString());
            assertEquals("rc=0", reply.getLast(), reply.toString());

            levitate.terminate();
            assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
        }
    }
}
