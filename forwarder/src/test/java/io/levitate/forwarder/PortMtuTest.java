package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.levitate.dpdk.EthDev;
import io.levitate.forwarder.config.ConfigDefaults;
import io.levitate.gre.EncapConfig;
import org.junit.jupiter.api.Test;

/** What a port's MTU asks of the device and of the mbufs, with the limits DPDK 22.11's drivers report. */
class PortMtuTest {
    /** rte_eth_dev_info as DPDK 22.11 fills it for these drivers (measured: min_mtu, max_mtu, max_rx_pktlen). */
    private static final EthDev.DevInfo PCAP = info("net_pcap", 46, 65535, -1);

    private static final EthDev.DevInfo NULL = info("net_null", 46, 65535, -1);
    private static final EthDev.DevInfo TAP = info("net_tap", 46, 65535, 1522);
    private static final EthDev.DevInfo AF_PACKET = info("net_af_packet", 46, 65535, 1518);

    private static EthDev.DevInfo info(final String driver, final int minMtu, final int maxMtu, final int maxRxPktLen) {
        return new EthDev.DevInfo(driver, 0, minMtu, maxMtu, maxRxPktLen, 0, 1, 1, 0, 0, 0, 4096, 0, 4096, 0);
    }

    @Test
    void everyMtuTheConfigurationTakesIsOneTheEncapsulatorTakes() {
        // A port of mtu 9600 (the configuration's ceiling) must not stop start-up in EncapConfig.
        assertEquals(
                ConfigDefaults.MAX_MTU,
                EncapConfig.builder()
                        .portMac(0x02_00_00_00_00_01L)
                        .sourceV4("10.0.1.2")
                        .mtu(ConfigDefaults.MAX_MTU)
                        .build()
                        .mtu());
    }

    @Test
    void ethdevLimitsFollowMaxRxPktLenWhenTheDriverReportsNoMaxMtu() {
        assertEquals(65535, PCAP.mtuLimit());
        assertEquals(65535, NULL.mtuLimit());
        assertEquals(1504, TAP.mtuLimit());
        assertEquals(1500, AF_PACKET.mtuLimit());
        // A NIC that reports both: its max_mtu, the overhead being their difference (26 here).
        assertEquals(9702, info("net_ice", 68, 9702, 9728).mtuLimit());
    }

    @Test
    void afPacketIsBoundByItsRingFramesNotByEthdev() {
        final PortSpec small = PortSpec.parse("net_af_packet0,iface=veth0");
        final PortSpec jumbo = PortSpec.parse("net_af_packet0,iface=veth0,framesz=10240,blocksz=20480,framecnt=512");
        assertEquals(2048 - 66 - 14, PortMtu.limit(small, AF_PACKET));
        assertEquals(10240 - 66 - 14, PortMtu.limit(jumbo, AF_PACKET));
        // ethdev holds af_packet to 1500 whatever its ring: it is given at most that.
        assertEquals(1500, PortMtu.deviceMtu(9000, jumbo, AF_PACKET));
        assertEquals(1400, PortMtu.deviceMtu(1400, jumbo, AF_PACKET));
        assertEquals(9000, PortMtu.deviceMtu(9000, PortSpec.parse("net_pcap0,rx_pcap=x"), PCAP));
        assertEquals(1504, PortMtu.limit(PortSpec.parse("net_tap0"), TAP));
    }

    @Test
    void theDataRoomHoldsTheLargestFrameInOneMbuf() {
        final PortSpec pcap = PortSpec.parse("net_pcap0,rx_pcap=x");
        // Today's 2176 (2048 + 128 headroom) until the MTU needs more.
        assertEquals(2176, PortMtu.dataRoom(1500, pcap, PCAP));
        // 128 headroom + 9000 + 14 Ethernet + 8 (two VLAN tags) + 52 (IPv6 outer, keyed GRE) = 9202, whole lines.
        assertEquals(9216, PortMtu.dataRoom(9000, pcap, PCAP));
        // net_af_packet's RX queues want framesz - 32 bytes past the headroom.
        assertEquals(
                10368,
                PortMtu.dataRoom(
                        9000,
                        PortSpec.parse("net_af_packet0,iface=veth0,framesz=10240,blocksz=20480,framecnt=512"),
                        AF_PACKET));
    }
}
