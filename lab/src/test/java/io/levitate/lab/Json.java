package io.levitate.lab;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab client's one-line JSON summaries (scripts/lab/client.py): flat objects of numbers,
 * lists and one level of string-to-number maps. Reading them needs no JSON library.
 */
record Json(String text) {
    long number(final String key) {
        final Matcher m = Pattern.compile("\"" + key + "\": (-?\\d+)").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no number '" + key + "' in " + text);
        }
        return Long.parseLong(m.group(1));
    }

    /** A string-to-number map, e.g. "backends": {"be1": 3}. */
    Map<String, Long> counts(final String key) {
        final Matcher m = Pattern.compile("\"" + key + "\": \\{([^}]*)}").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no map '" + key + "' in " + text);
        }
        final Map<String, Long> map = new HashMap<>();
        final Matcher e = Pattern.compile("\"([^\"]+)\": (\\d+)").matcher(m.group(1));
        while (e.find()) {
            map.put(e.group(1), Long.parseLong(e.group(2)));
        }
        return map;
    }

    @Override
    public String toString() {
        return text;
    }
}
