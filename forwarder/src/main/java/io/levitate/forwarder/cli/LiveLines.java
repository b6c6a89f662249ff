package io.levitate.forwarder.cli;

import io.levitate.maglev.Backend;
import io.levitate.maglev.BackendState;
import io.levitate.maglev.HashFields;
import io.levitate.maglev.ServiceConfig;
import io.levitate.maglev.ServiceTable;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the {@code key=value} lines of the control socket's {@code tables} and {@code lookup}
 * answers ({@link io.levitate.forwarder.lb.LiveState} writes them): into JSON for scripts, and
 * into the live tables that {@code plan --against live} and {@code plan --fail} rebuild.
 */
final class LiveLines {
    private LiveLines() {}

    /** One line: its kind word, its name (the second word) and its {@code key=value} words in order. */
    record Line(String kind, String name, Map<String, String> values) {
        static Line parse(final String text) {
            final String[] words = text.strip().split("\\s+");
            final Map<String, String> values = new LinkedHashMap<>();
            String name = null;
            for (int i = 1; i < words.length; i++) {
                final int eq = words[i].indexOf('=');
                if (eq > 0) {
                    values.put(words[i].substring(0, eq), words[i].substring(eq + 1));
                } else if (name == null) {
                    name = words[i];
                }
            }
            return new Line(words[0], name, values);
        }
    }

    /** A service of a {@code tables} answer with its backends. */
    record Service(Line line, List<Line> backends) {
        String name() {
            return line.name();
        }

        int size() {
            return Integer.parseInt(line.values().get("M"));
        }

        String digest() {
            return line.values().get("digest");
        }

        /** The backends as the workers' table has them: a health-checked-down one is down. */
        List<Backend> liveBackends() {
            final List<Backend> list = new ArrayList<>();
            for (final Line b : backends) {
                final String id = b.name();
                final int colon = id.lastIndexOf(':');
                final String host = id.substring(0, colon).replace("[", "").replace("]", "");
                final BackendState state = "down".equals(b.values().get("health"))
                        ? BackendState.DOWN
                        : BackendState.valueOf(b.values().get("state").toUpperCase(Locale.ROOT));
                list.add(new Backend(
                        InetAddress.ofLiteral(host),
                        Integer.parseInt(id.substring(colon + 1)),
                        Integer.parseInt(b.values().get("weight")),
                        state));
            }
            return list;
        }

        /**
         * The workers' table rebuilt from the answer (seed, M, hash fields, backends): Maglev
         * tables depend on nothing else, and the caller checks the digest against the live one.
         */
        ServiceTable rebuild() {
            final String match = line.values().get("match");
            final int slash = match.lastIndexOf('/');
            final int colon = match.lastIndexOf(':', slash);
            final String host = match.substring(0, colon).replace("[", "").replace("]", "");
            final String port = match.substring(colon + 1, slash);
            final String proto = match.substring(slash + 1);
            return ServiceTable.build(
                    new ServiceConfig(
                            InetAddress.ofLiteral(host),
                            port.equals("any") ? 0 : Integer.parseInt(port),
                            proto.equals("tcp") ? 6 : proto.equals("udp") ? 17 : Integer.parseInt(proto),
                            size(),
                            HashFields.valueOf(line.values().get("hash").toUpperCase(Locale.ROOT)),
                            liveBackends()),
                    Long.parseLong(line.values().get("seed")));
        }
    }

    /** The services of a {@code tables} answer. */
    static List<Service> services(final List<String> lines) {
        final List<Service> services = new ArrayList<>();
        for (final String text : lines) {
            final Line line = Line.parse(text);
            if (line.kind().equals("service")) {
                services.add(new Service(line, new ArrayList<>()));
            } else if (line.kind().equals("backend") && !services.isEmpty()) {
                services.getLast().backends().add(line);
            }
        }
        return services;
    }

    /** A {@code tables} answer as JSON: {@code {"services":[{"name":..,...,"backends":[{...}]}]}}. */
    static String tablesJson(final List<String> lines) {
        final StringBuilder json = new StringBuilder("{\"services\":[");
        final List<Service> services = services(lines);
        for (int s = 0; s < services.size(); s++) {
            final Service service = services.get(s);
            json.append(s == 0 ? "" : ",").append('{');
            object(json, "name", service.name(), service.line().values());
            json.append(",\"backends\":[");
            for (int b = 0; b < service.backends().size(); b++) {
                final Line backend = service.backends().get(b);
                json.append(b == 0 ? "" : ",").append('{');
                object(json, "backend", backend.name(), backend.values());
                json.append('}');
            }
            json.append("]}");
        }
        return json.append("]}").toString();
    }

    /** A {@code lookup} answer line as one JSON object. */
    static String lookupJson(final String text) {
        final Line line = Line.parse(text);
        final StringBuilder json = new StringBuilder("{");
        object(json, "flow", line.name(), line.values());
        return json.append('}').toString();
    }

    private static void object(
            final StringBuilder json, final String nameKey, final String name, final Map<String, String> values) {
        json.append(quote(nameKey)).append(':').append(quote(name));
        values.forEach((k, v) -> {
            json.append(',').append(quote(k)).append(':');
            json.append(v.matches("-?[0-9]+") && v.length() < 16 ? v : quote(v));
        });
    }

    private static String quote(final String s) {
        final StringBuilder q = new StringBuilder("\"");
        for (final char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                q.append('\\').append(c);
            } else if (c < 0x20) {
                q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                q.append(c);
            }
        }
        return q.append('"').toString();
    }
}
