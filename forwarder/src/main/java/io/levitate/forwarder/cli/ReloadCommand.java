package io.levitate.forwarder.cli;

import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.control.ControlServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code levitate reload}: asks the running forwarder (through its control socket) to re-read and
 * apply the file it was started with, and prints what happened. SIGHUP does the same without a
 * reply, and without {@code --allow-table-resize}: a change of a service's table size is refused then.
 *
 * <p>The forwarder never reads a file a client names: what it runs from and what it re-reads stay
 * one file. {@code --config} names that file so this command can check it first (errors as
 * FILE:LINE:COL, nothing sent) and find its control socket; the request carries the path, and the
 * forwarder refuses it if it was started with another file. There is no default socket: on a host
 * with two forwarders a guess could reload the wrong one.
 */
@Command(
        name = "reload",
        mixinStandardHelpOptions = true,
        header = "Makes the running forwarder re-read the configuration file it was started with.",
        description = {
            "Makes the running forwarder re-read the configuration file it was started with, and prints per service "
                    + "what changed.",
            "With --config (that file), the file is checked first: its errors are printed and nothing is sent. "
                    + "The forwarder refuses a file other than its own.",
            "A change of a service's table size M, which moves nearly every new flow of that service, is refused "
                    + "unless --allow-table-resize is given."
        })
public final class ReloadCommand implements Callable<Integer> {
    @Spec
    CommandSpec commandSpec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "The file the forwarder was started with: checked first, and its control.socket is used.")
    Path config;

    @Option(
            names = "--socket",
            paramLabel = "PATH",
            description = "The control socket, when not the one --config names (or to reload without checking).")
    Path socket;

    @Option(
            names = "--allow-table-resize",
            description =
                    "Apply a change of a service's table size M too (it moves nearly every new flow of that service).")
    boolean allowTableResize;

    @Override
    public Integer call() {
        final PrintWriter err = commandSpec.commandLine().getErr();
        if (config == null && socket == null) {
            throw new LevitateCli.UsageException(
                    "reload needs --config FILE (the file the forwarder was started with) or --socket PATH");
        }
        Path path = socket;
        String request = allowTableResize ? "reload " + ControlServer.ALLOW_TABLE_RESIZE : "reload";
        if (config != null) {
            final ConfigResult result = CheckCommand.load(config);
            if (!CheckCommand.printErrors(result, err)) {
                err.println("levitate: reload: nothing sent; the running configuration stays");
                err.flush();
                return LevitateCli.EXIT_FAILURE;
            }
            final String file = config.toAbsolutePath().normalize().toString();
            if (file.indexOf('\n') >= 0) {
                throw new LevitateCli.UsageException(
                        "the path of --config holds a line break; the control protocol cannot carry it");
            }
            request = request + " " + file;
            if (path == null) {
                path = result.config().control().socket();
            }
        }
        final String reply = send(path, request);
        System.out.print(reply);
        System.out.flush();
        return reply.contains("refused") || reply.contains("rejected") ? LevitateCli.EXIT_FAILURE : LevitateCli.EXIT_OK;
    }

    private static String send(final Path path, final String request) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(path));
            channel.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (channel.read(in) > 0) {
                if (!in.hasRemaining()) {
                    break;
                }
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
        } catch (final IOException ex) {
            throw new LevitateException(
                    "cannot reach the forwarder at " + path + ": " + ex.getMessage() + " (is it running? as root?)",
                    ex);
        }
    }
}
