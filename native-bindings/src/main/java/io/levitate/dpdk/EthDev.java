package io.levitate.dpdk;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * rte_ethdev.h: port configuration, queues, start/stop, statistics, MAC address, and the burst
 * functions (through the shim, since DPDK defines them inline).
 *
 * <p>Set-up calls take and return Java values and throw {@link DpdkException} with DPDK's reason.
 * The burst calls take raw addresses and return counts: no allocation, no exception, one
 * downcall per burst, linked as critical (they never block and run for nanoseconds).
 */
public final class EthDev {
    /** RTE_ETH_MQ_RX_RSS: spread received packets over RX queues by the RSS hash. */
    public static final int MQ_RX_RSS = 1;
    /** RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP: hash on addresses and L4 ports. */
    public static final long RSS_IP = 41868L;

    public static final long RSS_TCP = 66576L;
    public static final long RSS_UDP = 133152L;

    /** struct rte_eth_conf (only the fields Levitate sets are named). */
    public static final StructLayout CONF_LAYOUT = MemoryLayout.structLayout(
                    JAVA_INT.withName("link_speeds"),
                    paddingLayout(4),
                    MemoryLayout.structLayout(
                                    JAVA_INT.withName("mq_mode"),
                                    JAVA_INT.withName("mtu"),
                                    JAVA_INT.withName("max_lro_pkt_size"),
                                    paddingLayout(4),
                                    JAVA_LONG.withName("offloads"),
                                    paddingLayout(32))
                            .withName("rxmode"),
                    MemoryLayout.structLayout(
                                    JAVA_INT.withName("mq_mode"),
                                    paddingLayout(4),
                                    JAVA_LONG.withName("offloads"),
                                    paddingLayout(48))
                            .withName("txmode"),
                    MemoryLayout.structLayout(
                                    MemoryLayout.structLayout(
                                                    ADDRESS.withName("rss_key"),
                                                    JAVA_BYTE.withName("rss_key_len"),
                                                    paddingLayout(7),
                                                    JAVA_LONG.withName("rss_hf"))
                                            .withName("rss_conf"),
                                    paddingLayout(2272 - 128 - 24))
                            .withName("rx_adv_conf"))
            .withName("rte_eth_conf");

    public static final long CONF_RXMODE_OFFSET = CONF_LAYOUT.byteOffset(groupElement("rxmode"));
    public static final long CONF_RXMODE_MQ_MODE_OFFSET =
            CONF_LAYOUT.byteOffset(groupElement("rxmode"), groupElement("mq_mode"));
    public static final long CONF_RXMODE_MTU_OFFSET =
            CONF_LAYOUT.byteOffset(groupElement("rxmode"), groupElement("mtu"));
    public static final long CONF_TXMODE_OFFSET = CONF_LAYOUT.byteOffset(groupElement("txmode"));
    public static final long CONF_RX_ADV_CONF_OFFSET = CONF_LAYOUT.byteOffset(groupElement("rx_adv_conf"));
    public static final long CONF_RSS_HF_OFFSET =
            CONF_LAYOUT.byteOffset(groupElement("rx_adv_conf"), groupElement("rss_conf"), groupElement("rss_hf"));

    /** struct rte_eth_dev_info (only the fields Levitate reads are named). */
    public static final StructLayout DEV_INFO_LAYOUT = MemoryLayout.structLayout(
                    ADDRESS.withName("device"),
                    ADDRESS.withName("driver_name"),
                    JAVA_INT.withName("if_index"),
                    JAVA_SHORT.withName("min_mtu"),
                    JAVA_SHORT.withName("max_mtu"),
                    ADDRESS.withName("dev_flags"),
                    JAVA_INT.withName("min_rx_bufsize"),
                    JAVA_INT.withName("max_rx_pktlen"),
                    JAVA_INT.withName("max_lro_pkt_size"),
                    JAVA_SHORT.withName("max_rx_queues"),
                    JAVA_SHORT.withName("max_tx_queues"),
                    paddingLayout(24),
                    JAVA_LONG.withName("rx_offload_capa"),
                    JAVA_LONG.withName("tx_offload_capa"),
                    paddingLayout(24),
                    JAVA_LONG.withName("flow_type_rss_offloads"),
                    paddingLayout(142),
                    MemoryLayout.structLayout(
                                    JAVA_SHORT.withName("nb_max"),
                                    JAVA_SHORT.withName("nb_min"),
                                    JAVA_SHORT.withName("nb_align"),
                                    JAVA_SHORT.withName("nb_seg_max"),
                                    JAVA_SHORT.withName("nb_mtu_seg_max"))
                            .withName("rx_desc_lim"),
                    MemoryLayout.structLayout(
                                    JAVA_SHORT.withName("nb_max"),
                                    JAVA_SHORT.withName("nb_min"),
                                    JAVA_SHORT.withName("nb_align"),
                                    JAVA_SHORT.withName("nb_seg_max"),
                                    JAVA_SHORT.withName("nb_mtu_seg_max"))
                            .withName("tx_desc_lim"),
                    paddingLayout(376 - 282))
            .withName("rte_eth_dev_info");

    /** struct rte_eth_stats (the per-queue arrays are left as padding). */
    public static final StructLayout STATS_LAYOUT = MemoryLayout.structLayout(
                    JAVA_LONG.withName("ipackets"),
                    JAVA_LONG.withName("opackets"),
                    JAVA_LONG.withName("ibytes"),
                    JAVA_LONG.withName("obytes"),
                    JAVA_LONG.withName("imissed"),
                    JAVA_LONG.withName("ierrors"),
                    JAVA_LONG.withName("oerrors"),
                    JAVA_LONG.withName("rx_nombuf"),
                    paddingLayout(16 * 5 * 8))
            .withName("rte_eth_stats");

    /** struct rte_ether_addr. */
    public static final long ETHER_ADDR_SIZE = 6;

    private static final MethodHandle RTE_ETH_DEV_GET_PORT_BY_NAME =
            NativeLibrary.dpdk("rte_eth_dev_get_port_by_name", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RTE_ETH_DEV_INFO_GET =
            NativeLibrary.dpdk("rte_eth_dev_info_get", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    private static final MethodHandle RTE_ETH_DEV_CONFIGURE = NativeLibrary.dpdk(
            "rte_eth_dev_configure", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, ADDRESS));
    private static final MethodHandle RTE_ETH_DEV_ADJUST_NB_RX_TX_DESC = NativeLibrary.dpdk(
            "rte_eth_dev_adjust_nb_rx_tx_desc", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, ADDRESS));
    private static final MethodHandle RTE_ETH_RX_QUEUE_SETUP = NativeLibrary.dpdk(
            "rte_eth_rx_queue_setup",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RTE_ETH_TX_QUEUE_SETUP = NativeLibrary.dpdk(
            "rte_eth_tx_queue_setup",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_INT, ADDRESS));
    private static final MethodHandle RTE_ETH_DEV_START =
            NativeLibrary.dpdk("rte_eth_dev_start", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    private static final MethodHandle RTE_ETH_DEV_STOP =
            NativeLibrary.dpdk("rte_eth_dev_stop", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    private static final MethodHandle RTE_ETH_DEV_CLOSE =
            NativeLibrary.dpdk("rte_eth_dev_close", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    private static final MethodHandle RTE_ETH_PROMISCUOUS_ENABLE =
            NativeLibrary.dpdk("rte_eth_promiscuous_enable", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    private static final MethodHandle RTE_ETH_STATS_GET =
            NativeLibrary.dpdk("rte_eth_stats_get", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    private static final MethodHandle RTE_ETH_MACADDR_GET =
            NativeLibrary.dpdk("rte_eth_macaddr_get", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    private static final MethodHandle RTE_ETH_DEV_SET_MTU =
            NativeLibrary.dpdk("rte_eth_dev_set_mtu", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT));
    private static final MethodHandle RTE_ETH_DEV_DEFAULT_MAC_ADDR_SET = NativeLibrary.dpdk(
            "rte_eth_dev_default_mac_addr_set", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    private static final MethodHandle RTE_ETH_DEV_SOCKET_ID =
            NativeLibrary.dpdk("rte_eth_dev_socket_id", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    private static final MethodHandle LV_RX_BURST = NativeLibrary.dpdk(
            "lv_rx_burst",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_LONG, JAVA_SHORT),
            Linker.Option.critical(false));
    private static final MethodHandle LV_TX_BURST = NativeLibrary.dpdk(
            "lv_tx_burst",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_LONG, JAVA_SHORT),
            Linker.Option.critical(false));

    private EthDev() {}

    /**
     * What a port can do, read once at set-up.
     *
     * @param minMtu      the smallest MTU the driver accepts
     * @param maxMtu      the largest MTU the driver reports; ethdev also holds an MTU to
     *                    {@code maxRxPktLen} less the Ethernet overhead ({@link #mtuLimit()})
     * @param maxRxPktLen the longest frame the driver says it receives (ethdev's check of any MTU)
     * @param minRxBufSize the smallest mbuf data room (less headroom) the driver's RX queues take
     */
    public record DevInfo(
            String driverName,
            int ifIndex,
            int minMtu,
            int maxMtu,
            int maxRxPktLen,
            int minRxBufSize,
            int maxRxQueues,
            int maxTxQueues,
            long rxOffloadCapa,
            long txOffloadCapa,
            long flowTypeRssOffloads,
            int rxDescMax,
            int rxDescMin,
            int txDescMax,
            int txDescMin) {
        /** RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN: ethdev's frame overhead when the driver implies none. */
        private static final int ETHER_OVERHEAD = 14 + 4;

        /**
         * The largest MTU {@code rte_eth_dev_configure} and {@code rte_eth_dev_set_mtu} accept: ethdev
         * checks the MTU against {@link #maxMtu} and also the MTU plus the frame overhead against
         * {@link #maxRxPktLen}, where the overhead is {@code maxRxPktLen - maxMtu} when the driver
         * reports a real maximum MTU, else Ethernet's header and CRC. A driver that leaves max_mtu at
         * ethdev's 65535 but receives 1518-byte frames (net_af_packet) can take no more than 1500.
         */
        public int mtuLimit() {
            final int overhead = maxMtu != 0xFFFF && maxRxPktLen > maxMtu ? maxRxPktLen - maxMtu : ETHER_OVERHEAD;
            final long byFrame = Integer.toUnsignedLong(maxRxPktLen) - overhead;
            return (int) Math.max(0, Math.min(maxMtu, byFrame));
        }
    }

    /** Port counters as DPDK reports them. */
    public record Stats(
            long ipackets,
            long opackets,
            long ibytes,
            long obytes,
            long imissed,
            long ierrors,
            long oerrors,
            long rxNoMbuf) {}

    /**
     * Port id of a probed device by its name (vdev name such as {@code net_pcap0}, or PCI address).
     *
     * @return the port id, or -1 when no such port exists.
     */
    public static int portIdByName(final String name) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment id = arena.allocate(JAVA_SHORT);
            final int rc = (int) RTE_ETH_DEV_GET_PORT_BY_NAME.invokeExact(arena.allocateFrom(name), id);
            return rc == 0 ? Short.toUnsignedInt(id.get(JAVA_SHORT, 0)) : -1;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static DevInfo info(final int port) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment info = arena.allocate(DEV_INFO_LAYOUT);
            DpdkException.check(
                    (int) RTE_ETH_DEV_INFO_GET.invokeExact((short) port, info), "rte_eth_dev_info_get port " + port);
            final MemorySegment driver = info.get(ADDRESS, DEV_INFO_LAYOUT.byteOffset(groupElement("driver_name")));
            return new DevInfo(
                    driver.address() == 0 ? "" : driver.reinterpret(256).getString(0),
                    info.get(JAVA_INT, DEV_INFO_LAYOUT.byteOffset(groupElement("if_index"))),
                    u16(info, DEV_INFO_LAYOUT.byteOffset(groupElement("min_mtu"))),
                    u16(info, DEV_INFO_LAYOUT.byteOffset(groupElement("max_mtu"))),
                    info.get(JAVA_INT, DEV_INFO_LAYOUT.byteOffset(groupElement("max_rx_pktlen"))),
                    info.get(JAVA_INT, DEV_INFO_LAYOUT.byteOffset(groupElement("min_rx_bufsize"))),
                    u16(info, DEV_INFO_LAYOUT.byteOffset(groupElement("max_rx_queues"))),
                    u16(info, DEV_INFO_LAYOUT.byteOffset(groupElement("max_tx_queues"))),
                    info.get(JAVA_LONG, DEV_INFO_LAYOUT.byteOffset(groupElement("rx_offload_capa"))),
                    info.get(JAVA_LONG, DEV_INFO_LAYOUT.byteOffset(groupElement("tx_offload_capa"))),
                    info.get(JAVA_LONG, DEV_INFO_LAYOUT.byteOffset(groupElement("flow_type_rss_offloads"))),
                    u16(info, DEV_INFO_LAYOUT.byteOffset(groupElement("rx_desc_lim"), groupElement("nb_max"))),
                    u16(info, DEV_INFO_LAYOUT.byteOffset(groupElement("rx_desc_lim"), groupElement("nb_min"))),
                    u16(info, DEV_INFO_LAYOUT.byteOffset(groupElement("tx_desc_lim"), groupElement("nb_max"))),
                    u16(info, DEV_INFO_LAYOUT.byteOffset(groupElement("tx_desc_lim"), groupElement("nb_min"))));
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * rte_eth_dev_configure with {@code rxQueues} RX and {@code txQueues} TX queues. A non-zero
     * {@code rssHashFunctions} enables RSS over the RX queues with those hash types; {@code mtu}
     * 0 keeps the driver's default.
     */
    public static void configure(
            final int port, final int rxQueues, final int txQueues, final long rssHashFunctions, final int mtu) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment conf = arena.allocate(CONF_LAYOUT);
            if (rssHashFunctions != 0) {
                conf.set(JAVA_INT, CONF_RXMODE_MQ_MODE_OFFSET, MQ_RX_RSS);
                conf.set(JAVA_LONG, CONF_RSS_HF_OFFSET, rssHashFunctions);
            }
            conf.set(JAVA_INT, CONF_RXMODE_MTU_OFFSET, mtu);
            DpdkException.check(
                    (int) RTE_ETH_DEV_CONFIGURE.invokeExact((short) port, (short) rxQueues, (short) txQueues, conf),
                    "rte_eth_dev_configure port " + port + " (" + rxQueues + " rx, " + txQueues + " tx queues)");
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Clamps descriptor counts to what the port supports.
     *
     * @return {rx, tx} as adjusted by the driver.
     */
    public static int[] adjustDescriptors(final int port, final int rxDesc, final int txDesc) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment rx = arena.allocate(JAVA_SHORT);
            final MemorySegment tx = arena.allocate(JAVA_SHORT);
            rx.set(JAVA_SHORT, 0, (short) rxDesc);
            tx.set(JAVA_SHORT, 0, (short) txDesc);
            DpdkException.check(
                    (int) RTE_ETH_DEV_ADJUST_NB_RX_TX_DESC.invokeExact((short) port, rx, tx),
                    "rte_eth_dev_adjust_nb_rx_tx_desc");
            return new int[] {u16(rx, 0), u16(tx, 0)};
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void rxQueueSetup(
            final int port, final int queue, final int descriptors, final int socketId, final long pool) {
        try {
            DpdkException.check(
                    (int) RTE_ETH_RX_QUEUE_SETUP.invokeExact(
                            (short) port,
                            (short) queue,
                            (short) descriptors,
                            socketId,
                            MemorySegment.NULL,
                            MemorySegment.ofAddress(pool)),
                    "rte_eth_rx_queue_setup port " + port + " queue " + queue);
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void txQueueSetup(final int port, final int queue, final int descriptors, final int socketId) {
        try {
            DpdkException.check(
                    (int) RTE_ETH_TX_QUEUE_SETUP.invokeExact(
                            (short) port, (short) queue, (short) descriptors, socketId, MemorySegment.NULL),
                    "rte_eth_tx_queue_setup port " + port + " queue " + queue);
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void start(final int port) {
        DpdkException.check(call(RTE_ETH_DEV_START, port), "rte_eth_dev_start port " + port);
    }

    /** rte_eth_dev_stop; returns DPDK's code (negative on failure) so shutdown can go on. */
    public static int stop(final int port) {
        return call(RTE_ETH_DEV_STOP, port);
    }

    /** rte_eth_dev_close; returns DPDK's code (negative on failure) so shutdown can go on. */
    public static int close(final int port) {
        return call(RTE_ETH_DEV_CLOSE, port);
    }

    /** rte_eth_promiscuous_enable; returns DPDK's code (-ENOTSUP from some virtual devices). */
    public static int promiscuousEnable(final int port) {
        return call(RTE_ETH_PROMISCUOUS_ENABLE, port);
    }

    /** NUMA socket of the port, or -1 when unknown (virtual devices). */
    public static int socketId(final int port) {
        return call(RTE_ETH_DEV_SOCKET_ID, port);
    }

    public static Stats stats(final int port) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment s = arena.allocate(STATS_LAYOUT);
            DpdkException.check((int) RTE_ETH_STATS_GET.invokeExact((short) port, s), "rte_eth_stats_get port " + port);
            return new Stats(
                    s.get(JAVA_LONG, 0),
                    s.get(JAVA_LONG, 8),
                    s.get(JAVA_LONG, 16),
                    s.get(JAVA_LONG, 24),
                    s.get(JAVA_LONG, 32),
                    s.get(JAVA_LONG, 40),
                    s.get(JAVA_LONG, 48),
                    s.get(JAVA_LONG, 56));
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The port's MAC address (6 bytes). */
    /** Sets a port's MTU ({@code rte_eth_dev_set_mtu}); for a net_tap port also its kernel interface's. */
    public static void setMtu(final int port, final int mtu) {
        try {
            DpdkException.check(
                    (int) RTE_ETH_DEV_SET_MTU.invokeExact((short) port, (short) mtu),
                    "rte_eth_dev_set_mtu port " + port);
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Sets a port's MAC address ({@code rte_eth_dev_default_mac_addr_set}). For a net_tap port
     * this is also the MAC of its kernel interface.
     */
    public static void setMacAddress(final int port, final byte[] mac) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment m = arena.allocate(ETHER_ADDR_SIZE, 2);
            MemorySegment.copy(mac, 0, m, JAVA_BYTE, 0, (int) ETHER_ADDR_SIZE);
            DpdkException.check(
                    (int) RTE_ETH_DEV_DEFAULT_MAC_ADDR_SET.invokeExact((short) port, m),
                    "rte_eth_dev_default_mac_addr_set port " + port);
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static byte[] macAddress(final int port) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment mac = arena.allocate(ETHER_ADDR_SIZE, 2);
            DpdkException.check(
                    (int) RTE_ETH_MACADDR_GET.invokeExact((short) port, mac), "rte_eth_macaddr_get port " + port);
            return mac.toArray(JAVA_BYTE);
        } catch (final DpdkException ex) {
            throw ex;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * rte_eth_rx_burst: receives up to {@code max} mbuf pointers into the array at {@code mbufs}.
     *
     * @return the number received.
     */
    public static int rxBurst(final int port, final int queue, final long mbufs, final int max) {
        try {
            return Short.toUnsignedInt(
                    (short) LV_RX_BURST.invokeExact((short) port, (short) queue, mbufs, (short) max));
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * rte_eth_tx_burst: queues up to {@code count} mbufs from the array at {@code mbufs}. The port
     * owns (and frees) those it accepted; the caller still owns the rest.
     *
     * @return the number accepted.
     */
    public static int txBurst(final int port, final int queue, final long mbufs, final int count) {
        try {
            return Short.toUnsignedInt(
                    (short) LV_TX_BURST.invokeExact((short) port, (short) queue, mbufs, (short) count));
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static int call(final MethodHandle handle, final int port) {
        try {
            return (int) handle.invokeExact((short) port);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static int u16(final MemorySegment segment, final long offset) {
        return Short.toUnsignedInt(segment.get(JAVA_SHORT, offset));
    }
}
