package io.levitate.forwarder.cli;

import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.lb.DataPlaneSnapshot;
import io.levitate.forwarder.lb.LiveState;
import io.levitate.forwarder.lb.SnapshotBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code levitate lookup PROTOCOL CLIENT VIP}: which backend a client's flow to a VIP gets, and
 * why: Maglev's slot for its 5-tuple (with the slot number, M and digest). With {@code --live} the
 * running forwarder answers from the tables its workers use now (health included); else the
 * tables are built from the configuration file, by the same code. {@code --flows FILE} asks for
 * many flows at once (one {@code PROTOCOL CLIENT VIP} a line).
 */
@Command(
        name = "lookup",
        mixinStandardHelpOptions = true,
        header = "Shows which backend a client's flow to a VIP gets, and why.",
        description = {
            "Shows which backend a client's flow (PROTOCOL CLIENT_ADDRESS:PORT VIP_ADDRESS:PORT; IPv6 as [ADDR]:PORT)",
            "gets and why: the Maglev slot of its 5-tuple, M and the table digest.",
            "With --live, from the running forwarder's tables (health included); else from --config FILE."
        })
public final class LookupCommand implements Callable<Integer> {
    @Parameters(arity = "0..3", paramLabel = "PROTOCOL CLIENT VIP", description = "tcp|udp, ADDR:PORT, ADDR:PORT.")
    List<String> flow = new ArrayList<>();

    @Option(names = "--live", description = "Ask the running forwarder (its control socket).")
    boolean live;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "The configuration: its tables (without --live), or its control.socket (with --live).")
    Path config;

    @Option(names = "--socket", paramLabel = "PATH", description = "With --live: the control socket.")
    Path socket;

    @Option(
            names = "--flows",
            paramLabel = "FILE",
            description = "Look up every flow of FILE: one 'PROTOCOL CLIENT VIP' a line ('#' comments).")
    Path flows;

    @Option(names = "--json", description = "One JSON object a flow.")
    boolean json;

    @Override
    public Integer call() {
        final List<LiveState.Flow> requests = new ArrayList<>();
        if (!flow.isEmpty()) {
            requests.add(parse(String.join(" ", flow)));
        }
        if (flows != null) {
            try {
                for (final String line : Files.readAllLines(flows)) {
                    if (!line.isBlank() && !line.strip().startsWith("#")) {
                        requests.add(parse(line));
                    }
                }
            } catch (final IOException ex) {
                throw new LevitateException("cannot read " + flows + ": " + ex.getMessage(), ex);
            }
        }
        if (requests.isEmpty()) {
            throw new LevitateCli.UsageException("lookup needs PROTOCOL CLIENT VIP, or --flows FILE");
        }
        int exit = LevitateCli.EXIT_OK;
        if (live) {
            final Path path = ControlClient.socket(socket, config, "lookup");
            for (final LiveState.Flow f : requests) {
                final List<String> reply = ControlClient.request(path, "lookup " + f.words());
                for (final String line : reply) {
                    exit = print(line, exit);
                }
            }
        } else {
            if (config == null) {
                throw new LevitateCli.UsageException("lookup needs --config FILE, or --live");
            }
            final ConfigResult result = CheckCommand.load(config);
            if (!result.valid()) {
                throw new LevitateException("invalid configuration: "
                        + result.errors().getFirst() + " (levitate check " + config + " lists every error)");
            }
            final DataPlaneSnapshot snapshot = new SnapshotBuilder().build(result.config(), Map.of());
            for (final LiveState.Flow f : requests) {
                exit = print(LiveState.lookup(snapshot, f, LiveState.NOT_ASKED), exit);
            }
        }
        System.out.flush();
        return exit;
    }

    private int print(final String line, final int exit) {
        if (line.startsWith("refused")) {
            System.out.println(json ? "{\"refused\":\"" + line.replace("\"", "'") + "\"}" : line);
            return LevitateCli.EXIT_FAILURE;
        }
        System.out.println(json ? LiveLines.lookupJson(line) : line);
        return exit;
    }

    /** {@code tcp 10.9.0.1:20000 198.18.0.10:80} into a flow. */
    static LiveState.Flow parse(final String text) {
        final String[] w = text.strip().split("\\s+");
        if (w.length != 3) {
            throw new LevitateCli.UsageException(
                    "a flow is PROTOCOL CLIENT_ADDRESS:PORT VIP_ADDRESS:PORT, not '" + text + "'");
        }
        try {
            return LiveState.Flow.parse(w[0] + " " + hostPort(w[1]) + " " + hostPort(w[2]));
        } catch (final IllegalArgumentException ex) {
            throw new LevitateCli.UsageException(ex.getMessage() + " in '" + text + "'");
        }
    }

    /** {@code 10.0.0.1:80} or {@code [2001:db8::1]:80} into "address port". */
    private static String hostPort(final String word) {
        final int colon = word.lastIndexOf(':');
        if (colon <= 0 || (word.indexOf(':') != colon && !word.startsWith("["))) {
            throw new IllegalArgumentException("'" + word + "' is not ADDRESS:PORT ([ADDRESS]:PORT for IPv6)");
        }
        return word.substring(0, colon) + " " + word.substring(colon + 1);
    }
}
