package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.packet.FlowKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VipTableTest {
    private static final long VIP = 0xC612000AL; // 198.18.0.10

    private static FlowKey key(final int family, final long hi, final long lo, final int port, final int proto) {
        final FlowKey k = new FlowKey();
        k.family = family;
        k.dstHi = hi;
        k.dstLo = lo;
        k.dstPort = port;
        k.protocol = proto;
        return k;
    }

    @Test
    void specificPortWinsOverAnyPortAndProtocolsAreDistinct() {
        final VipTable t = VipTable.of(List.of(
                new VipTable.Entry(4, 0, VIP, 80, 6, 0),
                new VipTable.Entry(4, 0, VIP, 0, 6, 1),
                new VipTable.Entry(4, 0, VIP, 53, 17, 2),
                new VipTable.Entry(6, 0xFD00_0099_0000_0000L, 0x10, 80, 6, 3)));
        assertEquals(0, t.find(key(4, 0, VIP, 80, 6)));
        assertEquals(1, t.find(key(4, 0, VIP, 443, 6)), "any-port fallback");
        assertEquals(2, t.find(key(4, 0, VIP, 53, 17)));
        assertEquals(VipTable.NONE, t.find(key(4, 0, VIP, 54, 17)), "no UDP any-port service");
        assertEquals(VipTable.NONE, t.find(key(4, 0, VIP + 1, 80, 6)));
        assertEquals(3, t.find(key(6, 0xFD00_0099_0000_0000L, 0x10, 80, 6)));
        assertEquals(VipTable.NONE, t.find(key(6, 0, VIP, 80, 6)), "families never mix");
        assertTrue(t.isVip(4, 0, VIP));
        assertFalse(t.isVip(4, 0, VIP + 1));
    }

    @Test
    void manyServicesAllFoundAndDuplicatesRefused() {
        final List<VipTable.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            entries.add(new VipTable.Entry(4, 0, VIP + i, 80 + (i % 3), 6, i));
        }
        final VipTable t = VipTable.of(entries);
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, t.find(key(4, 0, VIP + i, 80 + (i % 3), 6)));
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> VipTable.of(
                        List.of(new VipTable.Entry(4, 0, VIP, 80, 6, 0), new VipTable.Entry(4, 0, VIP, 80, 6, 1))));
    }
}
