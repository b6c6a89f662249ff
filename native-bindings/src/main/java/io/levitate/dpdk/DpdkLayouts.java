package io.levitate.dpdk;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The start-up ABI check: every struct offset, size and constant the Java bindings hard-code is
 * compared with the value the shim was compiled with ({@code offsetof}/{@code sizeof} against the
 * installed DPDK headers). A mismatch means this build of Levitate would read the wrong bytes of
 * every mbuf, so the forwarder refuses to start and names each difference.
 */
public final class DpdkLayouts {
    private static final MethodHandle LV_LAYOUT_COUNT =
            NativeLibrary.dpdk("lv_layout_count", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle LV_LAYOUT_NAME =
            NativeLibrary.dpdk("lv_layout_name", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle LV_LAYOUT_VALUE =
            NativeLibrary.dpdk("lv_layout_value", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));

    private DpdkLayouts() {}

    /** What the Java side assumes, keyed as the shim names them. */
    public static Map<String, Long> javaAssumptions() {
        final Map<String, Long> m = new LinkedHashMap<>();
        m.put("sizeof.rte_mbuf", Mbuf.SIZE);
        m.put("rte_mbuf.buf_addr", Mbuf.BUF_ADDR_OFFSET);
        m.put("rte_mbuf.data_off", Mbuf.DATA_OFF_OFFSET);
        m.put("rte_mbuf.refcnt", Mbuf.REFCNT_OFFSET);
        m.put("rte_mbuf.nb_segs", Mbuf.NB_SEGS_OFFSET);
        m.put("rte_mbuf.port", Mbuf.PORT_OFFSET);
        m.put("rte_mbuf.ol_flags", Mbuf.OL_FLAGS_OFFSET);
        m.put("rte_mbuf.packet_type", Mbuf.PACKET_TYPE_OFFSET);
        m.put("rte_mbuf.pkt_len", Mbuf.PKT_LEN_OFFSET);
        m.put("rte_mbuf.data_len", Mbuf.DATA_LEN_OFFSET);
        m.put("rte_mbuf.vlan_tci", Mbuf.VLAN_TCI_OFFSET);
        m.put("rte_mbuf.hash", Mbuf.HASH_OFFSET);
        m.put("rte_mbuf.buf_len", Mbuf.BUF_LEN_OFFSET);
        m.put("rte_mbuf.pool", Mbuf.POOL_OFFSET);
        m.put("rte_mbuf.next", Mbuf.NEXT_OFFSET);
        m.put("rte_mbuf.tx_offload", Mbuf.TX_OFFLOAD_OFFSET);

        m.put("sizeof.rte_eth_conf", EthDev.CONF_LAYOUT.byteSize());
        m.put("rte_eth_conf.rxmode", EthDev.CONF_RXMODE_OFFSET);
        m.put("rte_eth_conf.txmode", EthDev.CONF_TXMODE_OFFSET);
        m.put("rte_eth_conf.rx_adv_conf", EthDev.CONF_RX_ADV_CONF_OFFSET);
        m.put("rte_eth_rxmode.mq_mode", EthDev.CONF_RXMODE_MQ_MODE_OFFSET - EthDev.CONF_RXMODE_OFFSET);
        m.put("rte_eth_rxmode.mtu", EthDev.CONF_RXMODE_MTU_OFFSET - EthDev.CONF_RXMODE_OFFSET);
        m.put("rte_eth_rss_conf.rss_hf", EthDev.CONF_RSS_HF_OFFSET - EthDev.CONF_RX_ADV_CONF_OFFSET);

        m.put("sizeof.rte_eth_dev_info", EthDev.DEV_INFO_LAYOUT.byteSize());
        for (final String field : new String[] {
            "driver_name",
            "if_index",
            "min_mtu",
            "max_mtu",
            "min_rx_bufsize",
            "max_rx_pktlen",
            "max_rx_queues",
            "max_tx_queues",
            "rx_offload_capa",
            "tx_offload_capa",
            "flow_type_rss_offloads",
            "rx_desc_lim",
            "tx_desc_lim"
        }) {
            m.put("rte_eth_dev_info." + field, EthDev.DEV_INFO_LAYOUT.byteOffset(groupElement(field)));
        }
        m.put("sizeof.rte_eth_stats", EthDev.STATS_LAYOUT.byteSize());
        for (final String field :
                new String[] {"ipackets", "opackets", "ibytes", "obytes", "imissed", "ierrors", "oerrors", "rx_nombuf"
                }) {
            m.put("rte_eth_stats." + field, EthDev.STATS_LAYOUT.byteOffset(groupElement(field)));
        }
        m.put("sizeof.rte_ether_addr", EthDev.ETHER_ADDR_SIZE);

        m.put("const.RTE_PKTMBUF_HEADROOM", (long) Mbuf.HEADROOM);
        m.put("const.RTE_MBUF_DEFAULT_BUF_SIZE", (long) Mbuf.DEFAULT_BUF_SIZE);
        m.put("const.RTE_ETH_MQ_RX_RSS", (long) EthDev.MQ_RX_RSS);
        m.put("const.RTE_ETH_RSS_IP", EthDev.RSS_IP);
        m.put("const.RTE_ETH_RSS_TCP", EthDev.RSS_TCP);
        m.put("const.RTE_ETH_RSS_UDP", EthDev.RSS_UDP);
        m.put("const.RTE_MEMPOOL_CACHE_MAX_SIZE", (long) Mempool.CACHE_MAX);
        return m;
    }

    /** Everything the shim reports, in its order. */
    public static Map<String, Long> shimFacts() {
        try {
            final int count = (int) LV_LAYOUT_COUNT.invokeExact();
            final Map<String, Long> facts = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                final MemorySegment name = (MemorySegment) LV_LAYOUT_NAME.invokeExact(i);
                facts.put(name.reinterpret(256).getString(0), (long) LV_LAYOUT_VALUE.invokeExact(i));
            }
            return facts;
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Differences between what Java assumes and what the shim reports; empty when they agree. */
    public static List<String> mismatches() {
        final Map<String, Long> shim = shimFacts();
        final List<String> problems = new ArrayList<>();
        for (final Map.Entry<String, Long> e : javaAssumptions().entrySet()) {
            final Long actual = shim.get(e.getKey());
            if (actual == null) {
                problems.add(e.getKey() + ": not reported by the shim");
            } else if (!actual.equals(e.getValue())) {
                problems.add(e.getKey() + ": Java assumes " + e.getValue() + ", DPDK has " + actual);
            }
        }
        return problems;
    }

    /**
     * Throws when any assumption is wrong; call before the first burst.
     *
     * @throws DpdkException listing every mismatch.
     */
    public static void verify() {
        final List<String> problems = mismatches();
        if (!problems.isEmpty()) {
            throw new DpdkException(
                    "DPDK ABI mismatch, refusing to run (" + Eal.version() + "): " + String.join("; ", problems), 0);
        }
    }
}
