package io.levitate.perf.bench;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Serialises a tree of {@link Map} (keep insertion order: use LinkedHashMap), {@link List},
 * {@link String}, {@link Number}, {@link Boolean} and null to indented JSON. Enough for result
 * files; avoids a JSON library dependency in perf/. Non-finite doubles become null (JSON has no
 * NaN).
 */
final class Json {
    private Json() {}

    static String write(Object value) {
        StringBuilder sb = new StringBuilder(4096);
        write(sb, value, 0);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object v, int depth) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> string(sb, s);
            case Boolean b -> sb.append(b);
            case Double d when !Double.isFinite(d) -> sb.append("null");
            case Float f when !Float.isFinite(f) -> sb.append("null");
            case Number n -> sb.append(n);
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append('{');
                Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
                while (it.hasNext()) {
                    Map.Entry<?, ?> e = it.next();
                    newline(sb, depth + 1);
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue(), depth + 1);
                    if (it.hasNext()) {
                        sb.append(',');
                    }
                }
                newline(sb, depth);
                sb.append('}');
            }
            case List<?> l -> {
                boolean flat = l.stream().allMatch(x -> x == null || x instanceof Number || x instanceof Boolean);
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (flat) {
                        sb.append(i == 0 ? "" : ", ");
                    } else {
                        newline(sb, depth + 1);
                    }
                    write(sb, l.get(i), depth + 1);
                    if (!flat && i + 1 < l.size()) {
                        sb.append(',');
                    }
                }
                if (!flat && !l.isEmpty()) {
                    newline(sb, depth);
                }
                sb.append(']');
            }
            default -> string(sb, v.toString());
        }
    }

    private static void newline(StringBuilder sb, int depth) {
        sb.append('\n').append("  ".repeat(depth));
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
