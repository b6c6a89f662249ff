package io.levitate.core.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** docs/COUNTERS.md's numbers, pinned: readers built from the document must keep reading the file. */
class CountersLayoutTest {
    @Test
    void headerAsDocumented() {
        final byte[] magic = ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(CountersLayout.MAGIC)
                .array();
        assertEquals("LVCN", new String(magic, StandardCharsets.US_ASCII));
        assertEquals(1, CountersLayout.VERSION);
        assertEquals(128, CountersLayout.HEADER_LENGTH);
        assertEquals(4, CountersLayout.VERSION_OFFSET);
        assertEquals(8, CountersLayout.METADATA_LENGTH_OFFSET);
        assertEquals(12, CountersLayout.VALUES_LENGTH_OFFSET);
        assertEquals(16, CountersLayout.PID_OFFSET);
        assertEquals(24, CountersLayout.START_TIME_OFFSET);
        assertEquals(500, CountersLayout.HEARTBEAT_TIMEOUT_MS);
    }

    @Test
    void serviceKeyIsFamilyProtocolPortAddress() throws Exception {
        assertEquals(
                "04060050c612000a000000000000000000000000",
                HexFormat.of().formatHex(CountersLayout.serviceKey(InetAddress.getByName("198.18.0.10"), 6, 80)));
        assertEquals(
                "06110035" + "20010db8000000000000000000000053",
                HexFormat.of().formatHex(CountersLayout.serviceKey(InetAddress.getByName("2001:db8::53"), 17, 53)));
        assertEquals(
                "04110000" + "0a000001" + "00".repeat(12),
                HexFormat.of().formatHex(CountersLayout.serviceKey(InetAddress.getByName("10.0.0.1"), 17, 0)),
                "any port");
    }
}
