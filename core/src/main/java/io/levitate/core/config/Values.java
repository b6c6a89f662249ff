package io.levitate.core.config;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Scalar conversions of the schema. Each returns the value, or null after reporting an error at
 * the node. Types are decided here, not by YAML's tag resolution: a plain {@code 80} is a number, a
 * quoted {@code "80"} is text (and refused where a number is due, with a hint), so the rules are the
 * same whatever schema the YAML library applies.
 */
public final class Values {
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Pattern HEX = Pattern.compile("0[xX]([0-9a-fA-F]{1,16})");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,12})(ms|s|m|h)");
    /** {@code ADDRESS:PORT}, an IPv6 address in brackets: group 1 IPv6, group 2 IPv4, group 3 the port. */
    public static final Pattern LISTEN = Pattern.compile("(?:\\[([^\\]]*)\\]|([^:\\[\\]]*)):([0-9]{1,5})");

    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private Values() {}

    /** True for an absent value: a plain {@code ~}, {@code null} or nothing after the colon. */
    public static boolean isNull(final Node node) {
        if (!(node instanceof ScalarNode s) || s.getScalarStyle() != ScalarStyle.PLAIN) {
            return false;
        }
        final String v = s.getValue();
        return v.isEmpty() || v.equals("~") || v.equals("null") || v.equals("Null") || v.equals("NULL");
    }

    /** What a node is, for messages: "a mapping", "a list", "nothing", "'text'". */
    public static String describe(final Node node) {
        if (node == null || isNull(node)) {
            return "nothing";
        }
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return "'" + shorten(((ScalarNode) node).getValue()) + "'";
    }

    /** Text for a message: at most 60 characters, control characters escaped. */
    public static String shorten(final String text) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length() && sb.length() < 60; i++) {
            final char c = text.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.length() < text.length() && sb.length() >= 60 ? sb + "..." : sb.toString();
    }

    /** 1-based line of a node, for "first at line N". */
    public static int line(final Node node) {
        return node.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    }

    /** A scalar's text (plain or quoted), or null with an error. */
    public static String string(final ErrorSink sink, final Node node, final String path) {
        sink.visit(node);
        if (!(node instanceof ScalarNode s) || isNull(node)) {
            sink.at(node, path + ": expected text, got " + describe(node));
            return null;
        }
        return s.getValue();
    }

    /**
     * Instance and service names: they become a directory and label names. Both processes read
     * {@code instance.name} (the announcer finds the forwarder's counters file by it).
     */
    public static final String NAME_PATTERN = "[A-Za-z0-9_.-]{1,64}";

    private static final Pattern NAME = Pattern.compile(NAME_PATTERN);

    /** A name of {@link #NAME_PATTERN}, not {@code .} or {@code ..}, or null with an error. */
    public static String name(final ErrorSink sink, final Node node, final String path) {
        final String text = string(sink, node, path);
        if (text == null) {
            return null;
        }
        if (!NAME.matcher(text).matches() || text.equals(".") || text.equals("..")) {
            sink.at(node, path + ": '" + shorten(text) + "' must be 1..64 characters of A-Z a-z 0-9 _ . -");
            return null;
        }
        return text;
    }

    /** An absolute path, normalised, or null with an error. */
    public static Path absolutePath(final ErrorSink sink, final Node node, final String path) {
        final String text = string(sink, node, path);
        if (text == null) {
            return null;
        }
        try {
            final Path p = Path.of(text);
            if (p.isAbsolute()) {
                return p.normalize();
            }
        } catch (final InvalidPathException bad) {
            // Reported below like any other unusable path.
        }
        sink.at(node, path + ": '" + shorten(text) + "' is not an absolute path");
        return null;
    }

    /** A list's items, or null with an error. */
    public static List<Node> list(final ErrorSink sink, final Node node, final String path) {
        sink.visit(node);
        if (!(node instanceof SequenceNode s)) {
            sink.at(node, path + ": expected a list, got " + describe(node));
            return null;
        }
        return s.getValue();
    }

    /** A plain integer in [min, max], or null with an error naming the range. */
    public static Long integer(
            final ErrorSink sink, final Node node, final String path, final long min, final long max) {
        final BigInteger v = bigInteger(sink, node, path, min + ".." + max);
        if (v == null) {
            return null;
        }
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            sink.at(node, path + ": must be " + min + ".." + max + ", got " + shorten(v.toString()));
            return null;
        }
        return v.longValue();
    }

    /** An int-ranged {@link #integer}. */
    public static Integer integer(
            final ErrorSink sink, final Node node, final String path, final int min, final int max) {
        final Long v = integer(sink, node, path, (long) min, (long) max);
        return v == null ? null : v.intValue();
    }

    /** A plain decimal integer of any size, or null with an error ({@code range} is for the message). */
    public static BigInteger bigInteger(final ErrorSink sink, final Node node, final String path, final String range) {
        sink.visit(node);
        if (node instanceof ScalarNode s
                && !isNull(node)
                && INTEGER.matcher(s.getValue()).matches()) {
            if (s.getScalarStyle() != ScalarStyle.PLAIN) {
                sink.at(
                        node,
                        path + ": expected a number (" + range + "), got the quoted text '" + shorten(s.getValue())
                                + "'; remove the quotes");
                return null;
            }
            if (s.getValue().length() > 40) {
                sink.at(
                        node,
                        path + ": must be " + range + ", got a " + s.getValue().length() + "-digit number");
                return null;
            }
            return new BigInteger(s.getValue());
        }
        sink.at(node, path + ": expected a number (" + range + "), got " + describe(node));
        return null;
    }

    /** A uint64, decimal or 0x hex, held in a long (two's complement), or null with an error. */
    public static Long uint64(final ErrorSink sink, final Node node, final String path) {
        sink.visit(node);
        final String range = "a uint64, decimal or 0x hex";
        if (node instanceof ScalarNode s && s.getScalarStyle() == ScalarStyle.PLAIN) {
            final Matcher hex = HEX.matcher(s.getValue());
            if (hex.matches()) {
                return Long.parseUnsignedLong(hex.group(1), 16);
            }
        }
        final BigInteger v = bigInteger(sink, node, path, range);
        if (v == null) {
            return null;
        }
        if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
            sink.at(
                    node,
                    path + ": must be 0..18446744073709551615 (or 0x0..0xffffffffffffffff), got "
                            + shorten(v.toString()));
            return null;
        }
        return v.longValue();
    }

    /** {@code true} or {@code false} (plain), or null with an error. */
    public static Boolean bool(final ErrorSink sink, final Node node, final String path) {
        sink.visit(node);
        if (node instanceof ScalarNode s && s.getScalarStyle() == ScalarStyle.PLAIN) {
            switch (s.getValue()) {
                case "true", "True", "TRUE" -> {
                    return Boolean.TRUE;
                }
                case "false", "False", "FALSE" -> {
                    return Boolean.FALSE;
                }
                default -> {}
            }
        }
        sink.at(node, path + ": expected true or false, got " + describe(node));
        return null;
    }

    /** One of {@code words}: its index, or -1 with an error. */
    public static int word(final ErrorSink sink, final Node node, final String path, final List<String> words) {
        sink.visit(node);
        if (node instanceof ScalarNode s && !isNull(node)) {
            final int i = words.indexOf(s.getValue());
            if (i >= 0) {
                return i;
            }
        }
        sink.at(node, path + ": must be " + orList(words) + ", got " + describe(node));
        return -1;
    }

    /** "a, b or c". */
    public static String orList(final List<String> words) {
        if (words.size() == 1) {
            return words.get(0);
        }
        return String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.get(words.size() - 1);
    }

    /**
     * A duration {@code <n>ms|s|m|h} in [min, max], or null with an error.
     */
    public static Duration duration(
            final ErrorSink sink, final Node node, final String path, final Duration min, final Duration max) {
        sink.visit(node);
        final Duration d = node instanceof ScalarNode s && !isNull(node) ? parseDuration(s.getValue()) : null;
        if (d == null) {
            sink.at(node, path + ": expected a duration such as 300s, 500ms, 5m or 1h, got " + describe(node));
            return null;
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            sink.at(
                    node,
                    path + ": must be " + formatDuration(min) + ".." + formatDuration(max) + ", got "
                            + ((ScalarNode) node).getValue());
            return null;
        }
        return d;
    }

    /** {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}; null if malformed or beyond a century. */
    public static Duration parseDuration(final String text) {
        final Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            return null;
        }
        final long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** The largest whole unit: {@code 1500ms}, {@code 90s}, {@code 5m}, {@code 1h}. */
    public static String formatDuration(final Duration d) {
        final long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /**
     * {@code 127.0.0.1:9101} or {@code [::1]:9101}, port 0..65535, as a socket address; null when
     * the text is not that. Never a DNS lookup.
     */
    public static InetSocketAddress parseListen(final String text) {
        final Matcher match = LISTEN.matcher(text);
        if (!match.matches()) {
            return null;
        }
        final InetAddress host =
                match.group(1) != null ? Addresses.parseIpv6(match.group(1)) : Addresses.parseIpv4(match.group(2));
        final int port = Integer.parseInt(match.group(3));
        return host == null || port > 0xFFFF ? null : new InetSocketAddress(host, port);
    }

    /** Which families an address key accepts. */
    public enum Family {
        IPV4,
        IPV6,
        ANY
    }

    /** An IP literal of the given family, or null with an error. Never a DNS lookup. */
    public static InetAddress address(final ErrorSink sink, final Node node, final String path, final Family family) {
        final String text = string(sink, node, path);
        if (text == null) {
            return null;
        }
        final String shown = "'" + shorten(text) + "'";
        if (Addresses.isIpv4Mapped(text)) {
            sink.at(node, path + ": " + shown + " is an IPv4-mapped IPv6 address; write the IPv4 address");
            return null;
        }
        final InetAddress a = Addresses.parse(text);
        switch (family) {
            case IPV4 -> {
                if (a instanceof Inet4Address) {
                    return a;
                }
                sink.at(
                        node,
                        path + ": " + shown
                                + (a != null
                                        ? " is IPv6; this key needs an IPv4 address"
                                        : " is not an IPv4 address (a.b.c.d, decimal, no leading zeros)"));
            }
            case IPV6 -> {
                if (a instanceof Inet6Address) {
                    return a;
                }
                sink.at(
                        node,
                        path + ": " + shown
                                + (a != null ? " is IPv4; this key needs an IPv6 address" : " is not an IPv6 address"));
            }
            default -> {
                if (a != null) {
                    return a;
                }
                sink.at(
                        node,
                        path + ": " + shown + " is not an IP address (IPv4 a.b.c.d or IPv6; host names are "
                                + "not resolved)");
            }
        }
        return null;
    }

    /** A unicast {@link #address}, or null with an error. */
    public static InetAddress unicast(final ErrorSink sink, final Node node, final String path, final Family family) {
        final InetAddress a = address(sink, node, path, family);
        if (a != null && !Addresses.isUnicast(a)) {
            sink.at(node, path + ": " + Addresses.format(a) + " is not a unicast address");
            return null;
        }
        return a;
    }
}
