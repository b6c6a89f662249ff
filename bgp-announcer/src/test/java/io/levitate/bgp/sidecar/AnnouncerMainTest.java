package io.levitate.bgp.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** levitate-announcer's own command line: a command it does not know is one line and exit 2. */
class AnnouncerMainTest {
    @Test
    void anUnknownCommandIsOneLineAndExitTwo() {
        final StringWriter err = new StringWriter();
        assertEquals(2, AnnouncerMain.execute(new PrintWriter(err, true), "lookup"));
        assertEquals(
                List.of("levitate-announcer: unknown command 'lookup' (commands: drain, status; "
                        + "see: levitate-announcer --help)"),
                err.toString().lines().toList());
    }

    @Test
    void anUnknownOptionIsOneLineAndExitTwo() {
        final StringWriter err = new StringWriter();
        assertEquals(2, AnnouncerMain.execute(new PrintWriter(err, true), "--colour"));
        assertEquals(
                List.of("levitate-announcer: Unknown option: '--colour' (see: levitate-announcer --help)"),
                err.toString().lines().toList());
    }
}
