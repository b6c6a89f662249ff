package io.levitate.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * N long-lived keep-alive HTTP connections held by scripts/lab/client.py in the client
 * namespace; {@link #round()} sends one request on each and reports how many still work,
 * {@link #burst()} sends them all at once and also how many stalled.
 */
final class HoldClient implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    final Json opened;

    HoldClient(final Lab lab, final String vip, final int connections) throws IOException {
        process = lab.start("client", "hold", "--vip", vip, "--conns", Integer.toString(connections));
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        opened = next();
    }

    private Json next() throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("{")) {
                return new Json(line);
            }
        }
        throw new AssertionError("the hold client ended: "
                + new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** One request on every connection: ok, broken (a request failed), moved (another backend answered). */
    Json round() throws IOException {
        in.println("round");
        return next();
    }

    /**
     * One request on every connection, all sent before any answer is read: also stalled (answers
     * after more than 200 ms, a retransmission's worth) and slowest_ms.
     */
    Json burst() throws IOException {
        in.println("burst");
        return next();
    }

    @Override
    public void close() throws InterruptedException {
        in.println("quit");
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
