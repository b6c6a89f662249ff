package io.levitate.lab;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab client's one-line JSON summaries (scripts/lab/client.py): flat objects of numbers,
 * lists and one level of string-to-number maps. Reading them needs no JSON library.
 */
record Json(String text)
{
    long number(final String key)
    {
        final Matcher m = Pattern.compile("\"" + key + "\": (-?\\d+)").matcher(text);
        if (!m.find())
        {
            throw new AssertionError("no number '" + key + "' in " + text);
        }
        return Long.parseLong(m.group(1));
    }

    /** A string-to-number map, e.g. "backends": {"be1": 3}. */
    Map<String, Long> counts(final String key)
    {
        final Matcher m = Pattern.compile("\"" + key + "\": \\{([^}]*)}").matcher(text);
        if (!m.find())
        {
            throw new AssertionError("no map '" + key + "' in " + text);
        }
        final Map<String, Long> map = new HashMap<>();
        final Matcher e = Pattern.compile("\"([^\"]+)\": (\\d+)").matcher(m.group(1));
        while (e.find())
        {
            map.put(e.group(1), Long.parseLong(e.group(2)));
        }
        return map;
    }

    /** A list of numbers, e.g. "ports": [40000, 40002]. */
    long[] numbers(final String key)
    {
        final Matcher m = Pattern.compile("\"" + key + "\": \\[([^]]*)]").matcher(text);
        if (!m.find())
        {
            throw new AssertionError("no list '" + key + "' in " + text);
        }
        final String body = m.group(1).trim();
        if (body.isEmpty())
        {
            return new long[0];
        }
        final String[] parts = body.split(",\\s*");
        final long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            out[i] = Long.parseLong(parts[i].trim());
        }
        return out;
    }

    @Override
    public String toString()
    {
        return text;
    }
}
