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

    @Test
    void theFiltersPassEveryVipOfTheirFamilyAndStopMostOtherAddresses() {
        // The fast paths send a source that passes a filter to the general path (isVip): a VIP must
        // always pass, or a reflection would be tunnelled; most client addresses must not.
        final List<VipTable.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            entries.add(new VipTable.Entry(4, 0, VIP + i, 80, 6, i));
            entries.add(new VipTable.Entry(6, 0x2001_0DB8_0000_0000L + i, 0xFFFF_0000_0001L, 80, 6, 20 + i));
        }
        final VipTable t = VipTable.of(entries);
        for (int i = 0; i < 20; i++) {
            assertTrue(t.mayBeVipV4((int) (VIP + i)));
            assertTrue(t.mayBeVipV6(0x2001_0DB8_0000_0000L + i, 0xFFFF_0000_0001L));
        }
        int v4 = 0;
        int v6 = 0;
        for (int c = 0; c < 10_000; c++) {
            v4 += t.mayBeVipV4(0x0A00_0000 + c) ? 1 : 0;
            v6 += t.mayBeVipV6(0x2001_0DB8_0000_0000L, c) ? 1 : 0;
        }
        // 20 of 512 bits set: about 4 % pass; the families' filters are apart (no IPv6 VIP in v4's).
        assertTrue(v4 < 1000 && v6 < 1000, "passed: IPv4 " + v4 + ", IPv6 " + v6);
        assertFalse(VipTable.of(entries.subList(0, 1)).mayBeVipV6(0, VIP), "an IPv4 VIP sets no IPv6 bit");
    }
}
