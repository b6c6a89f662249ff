package io.levitate.bgp.it;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A peer namespace joined to the root namespace by a veth pair. The router (peer daemon) is .1 /
 * ::1 inside the namespace; our speakers use .2 ... .9 / ::2 ... ::9 on the root side. Names and
 * subnets are unique per JVM and lab, and {@link #close} removes everything even after failures.
 */
public final class Lab implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    public final String ns;
    public final String rootIf;
    public final String nsIf;
    public final int subnet;
    public final Path dir;

    public Lab() {
        final long pid = ProcessHandle.current().pid();
        final int n = SEQUENCE.incrementAndGet();
        final String tag = Long.toString(pid % 100_000) + "x" + n;
        ns = "lvb" + tag;
        rootIf = "lvb" + tag + "a";
        nsIf = "lvb" + tag + "b";
        subnet = (int) ((pid * 7 + n * 13) % 250) + 1;
        try {
            dir = Files.createTempDirectory("levitate-bgp-" + tag + "-");
        } catch (final java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        boolean ok = false;
        try {
            Shell.ok("ip", "netns", "add", ns);
            Shell.ok("ip", "link", "add", rootIf, "type", "veth", "peer", "name", nsIf);
            Shell.ok("ip", "link", "set", nsIf, "netns", ns);
            Shell.ok("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
            Shell.ok("ip", "netns", "exec", ns, "ip", "link", "set", nsIf, "up");
            Shell.ok("ip", "netns", "exec", ns, "ip", "addr", "add", v4(1) + "/24", "dev", nsIf);
            Shell.ok("ip", "netns", "exec", ns, "ip", "-6", "addr", "add", v6(1) + "/64", "dev", nsIf, "nodad");
            Shell.ok("ip", "link", "set", rootIf, "up");
            for (int host = 2; host <= 9; host++) {
                Shell.ok("ip", "addr", "add", v4(host) + "/24", "dev", rootIf);
                Shell.ok("ip", "-6", "addr", "add", v6(host) + "/64", "dev", rootIf, "nodad");
            }
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    /** 100.127.S.host: CGNAT space, unlikely to collide with anything on a lab machine. */
    public String v4(final int host) {
        return "100.127." + subnet + "." + host;
    }

    public String v6(final int host) {
        return "fd00:b9:" + Integer.toHexString(subnet) + "::" + host;
    }

    public InetAddress addr4(final int host) {
        return parse(v4(host));
    }

    public InetAddress addr6(final int host) {
        return parse(v6(host));
    }

    public static InetAddress parse(final String s) {
        try {
            return InetAddress.getByName(s);
        } catch (final UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** Runs a command inside the namespace. */
    public String[] inNs(final String... command) {
        final String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(command, 0, full, 4, command.length);
        return full;
    }

    @Override
    public void close() {
        Shell.run("ip", "link", "del", rootIf);
        Shell.run("ip", "netns", "del", ns);
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (final java.io.IOException e) {
            // Temp files only.
        }
    }
}
