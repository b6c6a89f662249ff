package io.levitate.forwarder.cli;

import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.capture.CaptureService;
import io.levitate.forwarder.capture.PcapngWriter;
import io.levitate.forwarder.config.ConfigResult;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code levitate capture}: asks the running forwarder (through its control socket) for the frames
 * a filter names, as pcapng, and writes them to a file or to standard output
 * ({@code | tshark -r -}). Each frame carries a comment: worker, point, verdict, drop reason,
 * service, backend. When the capture ends (count, duration, or Ctrl-C here) the forwarder removes
 * its taps; the summary (frames written, frames lost to a full ring or over the rate) goes to
 * standard error.
 */
@Command(
        name = "capture",
        mixinStandardHelpOptions = true,
        header = "Captures the running forwarder's frames as pcapng (to a file or standard output).",
        description = {
            "Captures frames a running forwarder receives, sends (tunnel packets after encapsulation, replies) or"
                    + " drops, as pcapng with a comment per frame: worker, point, verdict, reason, service, backend.",
            "Filters combine (all must hold). Without --count or --duration the capture runs until interrupted.",
            "Example: levitate capture --config /etc/levitate.yaml --drops --count 100 -w - | tshark -r - -T fields"
                    + " -e frame.comment"
        })
public final class CaptureCommand implements Callable<Integer> {
    @Spec
    CommandSpec commandSpec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "The file the forwarder was started with: its control.socket is used.")
    Path config;

    @Option(
            names = "--socket",
            paramLabel = "PATH",
            description = "The control socket, when not the one --config names.")
    Path socket;

    @Option(
            names = {"-w", "--write"},
            paramLabel = "FILE",
            required = true,
            description = "Where the pcapng goes: a file, or - for standard output.")
    String write;

    @Option(names = "--vip", paramLabel = "ADDR[/LEN]", description = "Destination address or prefix, as received.")
    String vip;

    @Option(names = "--client", paramLabel = "ADDR[/LEN]", description = "Source address or prefix, as received.")
    String client;

    @Option(names = "--service", paramLabel = "NAME", description = "Frames of this service (tunnelled to it).")
    String service;

    @Option(
            names = "--backend",
            paramLabel = "BACKEND",
            description = "Frames tunnelled to this backend: service/address:port, address:port, or address.")
    String backend;

    @Option(names = "--proto", paramLabel = "PROTO", description = "tcp, udp, icmp, icmpv6, sctp, gre or a number.")
    String proto;

    @Option(names = "--port", paramLabel = "N[-M]", description = "Source or destination port (range), as received.")
    String port;

    @Option(names = "--drops", description = "Dropped frames only (any reason).")
    boolean drops;

    @Option(
            names = "--reason",
            paramLabel = "REASON",
            split = ",",
            description = "Dropped frames with these reasons only (the names levitate stat shows), e.g. bad_ihl.")
    List<String> reasons;

    @Option(
            names = "--point",
            paramLabel = "POINT",
            description = "rx (as received), tx (as sent, after encapsulation), drop, both (rx,tx) or all (default).")
    String point;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N frames.")
    Long count;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this many seconds.")
    Long duration;

    @Option(
            names = "--rate",
            paramLabel = "N",
            description = "Write at most N frames per second (the rest are counted).")
    Long rate;

    @Option(names = "--snaplen", paramLabel = "BYTES", description = "Bytes kept per frame (default 256).")
    Integer snaplen;

    @Override
    public Integer call() {
        final PrintWriter err = commandSpec.commandLine().getErr();
        if (config == null && socket == null) {
            throw new LevitateCli.UsageException(
                    "capture needs --config FILE (the file the forwarder was started with) or --socket PATH");
        }
        Path path = socket;
        if (path == null) {
            final ConfigResult result = CheckCommand.load(config);
            if (!CheckCommand.printErrors(result, err)) {
                err.println("levitate: capture: cannot find the control socket in " + config);
                err.flush();
                return LevitateCli.EXIT_FAILURE;
            }
            path = result.config().control().socket();
        }
        final String request = request();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(path));
            } catch (final IOException ex) {
                throw new LevitateException(
                        "cannot reach the forwarder at " + path + ": " + ex.getMessage() + " (is it running? as root?)",
                        ex);
            }
            channel.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            final InputStream in = Channels.newInputStream(channel);
            final byte[] first = in.readNBytes(4);
            if (first.length < 4
                    || ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getInt() != PcapngWriter.SHB) {
                // Not pcapng: the forwarder's refusal, in words.
                err.print(new String(first, StandardCharsets.UTF_8)
                        + new String(in.readAllBytes(), StandardCharsets.UTF_8));
                err.flush();
                return LevitateCli.EXIT_FAILURE;
            }
            final long[] summary = copy(first, in, err);
            err.println("levitate: capture: " + summary[0] + " frame(s) written");
            err.flush();
            return LevitateCli.EXIT_OK;
        } catch (final IOException ex) {
            throw new LevitateException("capture: " + ex.getMessage(), ex);
        }
    }

    /** The request line: the capture word and the filter's KEY=VALUE words (CaptureRequest). */
    String request() {
        final List<String> words = new ArrayList<>();
        words.add(CaptureService.COMMAND);
        word(words, "vip", vip);
        word(words, "client", client);
        word(words, "service", service);
        word(words, "backend", backend);
        word(words, "proto", proto);
        word(words, "port", port);
        if (drops) {
            words.add("drops");
        }
        if (reasons != null && !reasons.isEmpty()) {
            word(words, "reason", String.join(",", reasons));
        }
        word(words, "point", point);
        word(words, "count", count);
        word(words, "duration", duration);
        word(words, "rate", rate);
        word(words, "snaplen", snaplen);
        return String.join(" ", words);
    }

    private static void word(final List<String> words, final String key, final Object value) {
        if (value != null) {
            final String text = value.toString();
            if (text.isEmpty() || text.chars().anyMatch(c -> c <= ' ')) {
                throw new LevitateCli.UsageException("--" + key + " '" + text + "': no spaces or control characters");
            }
            words.add(key + "=" + text);
        }
    }

    /**
     * Copies the pcapng stream block by block to the output, and prints the forwarder's closing
     * statistics comment (an Interface Statistics Block) to standard error.
     *
     * @return the frames (Enhanced Packet Blocks) copied
     */
    private long[] copy(final byte[] first, final InputStream in, final PrintWriter err) throws IOException {
        long frames = 0;
        try (OutputStream out = open()) {
            byte[] head = first;
            while (true) {
                final byte[] rest = in.readNBytes(4);
                if (head.length < 4 || rest.length < 4) {
                    break;
                }
                final ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                h.put(head).put(rest).flip();
                final int type = h.getInt();
                final int length = h.getInt();
                if (length < 12 || (length & 3) != 0) {
                    throw new IOException("the forwarder sent a malformed pcapng block (length " + length + ")");
                }
                final byte[] body = in.readNBytes(length - 8);
                if (body.length < length - 8) {
                    break;
                }
                out.write(h.array());
                out.write(body);
                // Every block out at once (as tcpdump -U): a reader of a pipe sees frames as they come,
                // and whoever stops this command loses nothing already received.
                out.flush();
                if (type == PcapngWriter.EPB) {
                    frames++;
                } else if (type == PcapngWriter.ISB) {
                    final String comment = statisticsComment(body);
                    if (comment != null) {
                        err.println("levitate: capture: " + comment);
                    }
                }
                head = in.readNBytes(4);
            }
            out.flush();
        }
        return new long[] {frames};
    }

    private OutputStream open() throws IOException {
        if (write.equals("-")) {
            return new BufferedOutputStream(System.out) {
                @Override
                public void close() throws IOException {
                    flush();
                }
            };
        }
        return new BufferedOutputStream(Files.newOutputStream(Path.of(write)));
    }

    /** The comment option of an Interface Statistics Block's body (after type and length). */
    private static String statisticsComment(final byte[] body) {
        final ByteBuffer b = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        b.position(12); // interface id, timestamp
        while (b.remaining() >= 8) {
            final int code = b.getShort() & 0xFFFF;
            final int length = b.getShort() & 0xFFFF;
            if (code == 0 || length > b.remaining() - 4) {
                return null;
            }
            if (code == 1) {
                return new String(body, b.position(), length, StandardCharsets.UTF_8);
            }
            b.position(b.position() + ((length + 3) & ~3));
        }
        return null;
    }
}
