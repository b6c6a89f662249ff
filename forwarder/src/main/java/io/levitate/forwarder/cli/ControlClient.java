package io.levitate.forwarder.cli;

import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.config.ConfigResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI's side of the control socket: one request line, the reply lines until the forwarder
 * closes. The socket is named by {@code --socket}, or by the {@code control.socket} of the file
 * given with {@code --config} (there is no default: with two forwarders on a host a guess could
 * ask the wrong one).
 */
final class ControlClient {
    /** Longest reply read (a tables answer of thousands of backends is well below). */
    private static final int MAX_REPLY_BYTES = 64 * 1024 * 1024;

    private ControlClient() {}

    /** The socket of {@code --socket}, else the one the configuration file names. */
    static Path socket(final Path socket, final Path config, final String command) {
        if (socket != null) {
            return socket;
        }
        if (config == null) {
            throw new LevitateCli.UsageException(
                    command + " --live needs --socket PATH or --config FILE (the file the forwarder was started with)");
        }
        final ConfigResult result = CheckCommand.load(config);
        if (!result.valid()) {
            throw new LevitateException("invalid configuration: "
                    + result.errors().getFirst() + " (levitate check " + config + " lists every error)");
        }
        return result.config().control().socket();
    }

    /** Sends one request line and returns the reply lines. */
    static List<String> request(final Path path, final String request) {
        if (request.indexOf('\n') >= 0) {
            throw new LevitateCli.UsageException("a control request is one line");
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(path));
            channel.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            final ByteArrayOutputStream reply = new ByteArrayOutputStream();
            final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (channel.read(in) > 0 || in.position() > 0) {
                reply.write(in.array(), 0, in.position());
                in.clear();
                if (reply.size() > MAX_REPLY_BYTES) {
                    throw new LevitateException("the forwarder's reply exceeds " + MAX_REPLY_BYTES + " bytes");
                }
            }
            final List<String> lines = new ArrayList<>();
            for (final String line : reply.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty()) {
                    lines.add(line);
                }
            }
            return lines;
        } catch (final IOException ex) {
            throw new LevitateException(
                    "cannot reach the forwarder at " + path + ": " + ex.getMessage() + " (is it running? as root?)",
                    ex);
        }
    }

    /** Throws the forwarder's refusal as an operator error. */
    static List<String> checked(final List<String> lines) {
        for (final String line : lines) {
            if (line.startsWith("refused")) {
                throw new LevitateException("the forwarder " + line);
            }
        }
        return lines;
    }
}
