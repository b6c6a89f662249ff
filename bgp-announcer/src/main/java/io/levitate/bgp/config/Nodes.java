package io.levitate.bgp.config;

import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The announcer's fail-fast reading of single nodes, each problem a {@link ConfigException} at the
 * node in the announcer's own wording: what {@link ConfigLoader} reads besides {@code bgp:}
 * (instance name and counters directory, services' VIPs), and {@link BgpWording}. The rules of
 * the {@code bgp:} section itself are core's {@code BgpBinder}.
 */
final class Nodes
{
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    final String file;

    Nodes(final String file)
    {
        this.file = file;
    }

    ConfigException error(final Node node, final String reason)
    {
        final Mark m = node.getStartMark().orElse(null);
        return m == null ? new ConfigException(file, reason) : new ConfigException(file, m.getLine() + 1, m.getColumn() + 1, reason);
    }

    /**
     * A mapping's keys and values. A key written twice is refused here: the file is composed with
     * duplicate keys allowed (core's MappingView reports them with both positions), and a map
     * would keep only the last.
     */
    Map<String, Node> mapping(final Node node) throws ConfigException
    {
        if (!(node instanceof MappingNode m))
        {
            throw error(node, "expected a mapping");
        }
        final Map<String, Node> out = new LinkedHashMap<>();
        for (final NodeTuple t : m.getValue())
        {
            if (!(t.getKeyNode() instanceof ScalarNode k))
            {
                throw error(t.getKeyNode(), "keys must be plain strings");
            }
            if (out.put(k.getValue(), t.getValueNode()) != null)
            {
                throw error(t.getKeyNode(), "duplicate key '" + k.getValue() + "'");
            }
        }
        return out;
    }

    void checkKeys(final Map<String, Node> map, final Set<String> allowed, final String where) throws ConfigException
    {
        for (final Map.Entry<String, Node> e : map.entrySet())
        {
            if (!allowed.contains(e.getKey()))
            {
                throw error(e.getValue(), "unknown key '" + e.getKey() + "' in " + where);
            }
        }
    }

    List<Node> sequence(final Node node) throws ConfigException
    {
        if (!(node instanceof SequenceNode s))
        {
            throw error(node, "expected a list");
        }
        return s.getValue();
    }

    Node required(final Map<String, Node> map, final String key, final Node parent) throws ConfigException
    {
        final Node n = map.get(key);
        if (n == null)
        {
            throw error(parent, "missing required key '" + key + "'");
        }
        return n;
    }

    String scalar(final Node node) throws ConfigException
    {
        if (!(node instanceof ScalarNode s))
        {
            throw error(node, "expected a single value");
        }
        return s.getValue().trim();
    }

    String string(final Node node) throws ConfigException
    {
        final String s = scalar(node);
        if (s.isEmpty())
        {
            throw error(node, "empty value");
        }
        return s;
    }

    String name(final Node node) throws ConfigException
    {
        final String s = scalar(node);
        if (!NAME.matcher(s).matches())
        {
            throw error(node, "name must match [A-Za-z0-9_.-]{1,64}: '" + s + "'");
        }
        return s;
    }

    boolean bool(final Node node) throws ConfigException
    {
        return switch (scalar(node))
        {
            case "true" -> true;
            case "false" -> false;
            default -> throw error(node, "expected true or false");
        };
    }

    long rangeInt(final Node node, final long min, final long max, final String what) throws ConfigException
    {
        final String s = scalar(node);
        try
        {
            final long v = Long.parseLong(s);
            if (v < min || v > max)
            {
                throw error(node, what + " must be " + min + ".." + max + ": " + s);
            }
            return v;
        }
        catch (final NumberFormatException e)
        {
            throw error(node, what + " must be an integer: '" + s + "'");
        }
    }

    InetAddress address(final Node node) throws ConfigException
    {
        final String s = scalar(node);
        final InetAddress a;
        try
        {
            // ofLiteral never resolves names: a hostname here is an error, not a DNS lookup.
            a = InetAddress.ofLiteral(s);
        }
        catch (final IllegalArgumentException e)
        {
            throw error(node, "not an IP address: '" + s + "'");
        }
        if (s.indexOf(':') >= 0 && a instanceof Inet4Address)
        {
            throw error(node, "IPv4-mapped IPv6 address: write the IPv4 address: '" + s + "'");
        }
        if (a.isAnyLocalAddress() || a.isMulticastAddress() || "255.255.255.255".equals(s))
        {
            throw error(node, "must be a unicast address: '" + s + "'");
        }
        return a;
    }

    long millis(final Node node) throws ConfigException
    {
        final String s = scalar(node);
        final Matcher m = DURATION.matcher(s);
        if (!m.matches())
        {
            throw error(node, "expected a duration like 500ms, 3s, 5m: '" + s + "'");
        }
        final long v;
        try
        {
            v = Long.parseLong(m.group(1));
        }
        catch (final NumberFormatException e)
        {
            throw error(node, "duration too large: '" + s + "'");
        }
        final long scale = switch (m.group(2))
        {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            default -> 3_600_000;
        };
        if (v > Long.MAX_VALUE / scale / 2)
        {
            throw error(node, "duration too large: '" + s + "'");
        }
        return v * scale;
    }
}
