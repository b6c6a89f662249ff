package io.levitate.maglev;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** A backend's identity is what tables, plan, stat and metrics labels print: RFC 5952 text. */
class BackendTest {
    @Test
    void identityIsPasteable() {
        assertEquals(
                "[fd00:2::11]:443",
                new Backend(InetAddress.ofLiteral("fd00:2:0:0:0:0:0:11"), 443, 100, BackendState.ACTIVE).identity());
        assertEquals(
                "10.0.2.11:80",
                new Backend(InetAddress.ofLiteral("10.0.2.11"), 80, 100, BackendState.ACTIVE).identity());
    }
}
