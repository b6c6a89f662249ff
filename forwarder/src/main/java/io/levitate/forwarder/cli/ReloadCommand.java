package io.levitate.forwarder.cli;

import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.control.ControlServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code levitate reload}: asks the running forwarder (through its control socket) to re-read and
 * apply its configuration file, and prints what happened. SIGHUP does the same without a reply, and
 * without {@code --allow-table-resize}: a change of a service's table size is refused then.
 */
@Command(
    name = "reload",
    mixinStandardHelpOptions = true,
    description = {"Makes the running forwarder re-read its configuration; prints per service what changed.",
        "A change of a service's table size M (which moves nearly every new flow) is refused unless",
        "--allow-table-resize is given."})
public final class ReloadCommand implements Callable<Integer>
{
    static final Path DEFAULT_SOCKET = Path.of("/run/levitate/control.sock");

    @Option(names = "--socket", description = "Control socket. Default: control.socket of --config, else /run/levitate/control.sock.")
    Path socket;

    @Option(names = "--config", description = "Configuration file, to find its control socket.")
    Path config;

    @Option(names = "--allow-table-resize",
        description = "Apply a change of a service's table size M too (it moves nearly every new flow of that service).")
    boolean allowTableResize;

    @Override
    public Integer call()
    {
        final Path path = socket != null ? socket : socketOf(config);
        final StringBuilder reply = new StringBuilder();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            channel.connect(UnixDomainSocketAddress.of(path));
            final String request = allowTableResize ? ControlServer.RELOAD_ALLOW_TABLE_RESIZE : "reload";
            channel.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.US_ASCII)));
            final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (channel.read(in) > 0)
            {
                if (!in.hasRemaining())
                {
                    break;
                }
            }
            reply.append(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new LevitateException("cannot reach the forwarder at " + path + ": " + ex.getMessage()
                + " (is it running? as root?)", ex);
        }
        System.out.print(reply);
        return reply.toString().contains("refused") || reply.toString().contains("rejected")
            ? LevitateCli.EXIT_FAILURE : LevitateCli.EXIT_OK;
    }

    private static Path socketOf(final Path config)
    {
        if (config == null)
        {
            return DEFAULT_SOCKET;
        }
        try
        {
            final ConfigResult result = ConfigReader.read(config);
            return result.valid() && result.config().control() != null ? result.config().control().socket() : DEFAULT_SOCKET;
        }
        catch (final IOException ex)
        {
            return DEFAULT_SOCKET;
        }
    }
}
