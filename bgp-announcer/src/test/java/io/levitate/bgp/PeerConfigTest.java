package io.levitate.bgp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** A peer's name labels its logs, metrics and status: the RFC 5952 text an operator can paste. */
class PeerConfigTest {
    @Test
    void ipv6PeerNameIsCompressed() {
        assertEquals(
                "fd00:1::1",
                new PeerConfig(
                                InetAddress.ofLiteral("fd00:1:0:0:0:0:0:1"),
                                65000,
                                179,
                                null,
                                null,
                                null,
                                null,
                                false,
                                -1)
                        .name());
        assertEquals(
                "10.0.1.1",
                new PeerConfig(InetAddress.ofLiteral("10.0.1.1"), 65000, 179, null, null, null, null, false, -1)
                        .name());
    }
}
