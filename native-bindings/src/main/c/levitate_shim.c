/*
 * levitate_shim.c: exported wrappers over DPDK's static-inline fast-path functions.
 *
 * Java's FFM linker can only bind symbols a shared object exports. DPDK's burst functions and
 * most mbuf helpers are `static inline` in the headers, so this file re-exports them, one
 * wrapper each, with no logic of its own. It also reports the struct offsets the Java bindings
 * hard-code, so the JVM can refuse to run against a DPDK whose ABI differs (see lv_layout).
 *
 * Keep it thin: anything that is not "call the inline function" or "report a layout fact"
 * belongs in Java.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_version.h>

/* ---- burst I/O (ethdev fast path) ---- */

uint16_t lv_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
    return rte_eth_rx_burst(port, queue, pkts, n);
}

uint16_t lv_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
    return rte_eth_tx_burst(port, queue, pkts, n);
}

/* ---- prefetch ---- */

/*
 * rte_prefetch0 of each of n addresses: Java has no prefetch instruction (see Prefetch.java).
 */
void lv_prefetch0_bulk(const uintptr_t *addrs, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        rte_prefetch0((const void *)addrs[i]);
}

/* ---- mbuf helpers ---- */

void lv_pktmbuf_free_bulk(struct rte_mbuf **pkts, unsigned int n)
{
    rte_pktmbuf_free_bulk(pkts, n);
}

void lv_pktmbuf_free(struct rte_mbuf *m)
{
    rte_pktmbuf_free(m);
}

struct rte_mbuf *lv_pktmbuf_alloc(struct rte_mempool *mp)
{
    return rte_pktmbuf_alloc(mp);
}

int lv_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **pkts, unsigned int n)
{
    return rte_pktmbuf_alloc_bulk(mp, pkts, n);
}

/* ---- thread-local EAL state (FFM cannot read C thread-locals) ---- */

unsigned int lv_lcore_id(void)
{
    return rte_lcore_id();
}

int lv_errno(void)
{
    return rte_errno;
}

const char *lv_version(void)
{
    return rte_version();
}

/* ---- layout facts, checked by the Java side at start-up ---- */

struct lv_layout_entry {
    const char *name;
    long value;
};

#define LV_OFF(type, field) { #type "." #field, (long)offsetof(struct type, field) }
#define LV_SIZE(type) { "sizeof." #type, (long)sizeof(struct type) }

static const struct lv_layout_entry lv_layouts[] = {
    LV_SIZE(rte_mbuf),
    LV_OFF(rte_mbuf, buf_addr),
    LV_OFF(rte_mbuf, data_off),
    LV_OFF(rte_mbuf, refcnt),
    LV_OFF(rte_mbuf, nb_segs),
    LV_OFF(rte_mbuf, port),
    LV_OFF(rte_mbuf, ol_flags),
    LV_OFF(rte_mbuf, packet_type),
    LV_OFF(rte_mbuf, pkt_len),
    LV_OFF(rte_mbuf, data_len),
    LV_OFF(rte_mbuf, vlan_tci),
    LV_OFF(rte_mbuf, hash),
    LV_OFF(rte_mbuf, buf_len),
    LV_OFF(rte_mbuf, pool),
    LV_OFF(rte_mbuf, next),
    LV_OFF(rte_mbuf, tx_offload),
    LV_SIZE(rte_eth_conf),
    LV_OFF(rte_eth_conf, link_speeds),
    LV_OFF(rte_eth_conf, rxmode),
    LV_OFF(rte_eth_conf, txmode),
    LV_OFF(rte_eth_conf, rx_adv_conf),
    LV_SIZE(rte_eth_rxmode),
    LV_OFF(rte_eth_rxmode, mq_mode),
    LV_OFF(rte_eth_rxmode, mtu),
    LV_OFF(rte_eth_rxmode, offloads),
    LV_OFF(rte_eth_txmode, mq_mode),
    LV_OFF(rte_eth_txmode, offloads),
    LV_OFF(rte_eth_rss_conf, rss_key),
    LV_OFF(rte_eth_rss_conf, rss_key_len),
    LV_OFF(rte_eth_rss_conf, rss_hf),
    LV_SIZE(rte_eth_dev_info),
    LV_OFF(rte_eth_dev_info, driver_name),
    LV_OFF(rte_eth_dev_info, if_index),
    LV_OFF(rte_eth_dev_info, min_mtu),
    LV_OFF(rte_eth_dev_info, max_mtu),
    LV_OFF(rte_eth_dev_info, min_rx_bufsize),
    LV_OFF(rte_eth_dev_info, max_rx_pktlen),
    LV_OFF(rte_eth_dev_info, max_rx_queues),
    LV_OFF(rte_eth_dev_info, max_tx_queues),
    LV_OFF(rte_eth_dev_info, rx_offload_capa),
    LV_OFF(rte_eth_dev_info, tx_offload_capa),
    LV_OFF(rte_eth_dev_info, flow_type_rss_offloads),
    LV_OFF(rte_eth_dev_info, rx_desc_lim),
    LV_OFF(rte_eth_dev_info, tx_desc_lim),
    LV_SIZE(rte_eth_stats),
    LV_OFF(rte_eth_stats, ipackets),
    LV_OFF(rte_eth_stats, opackets),
    LV_OFF(rte_eth_stats, ibytes),
    LV_OFF(rte_eth_stats, obytes),
    LV_OFF(rte_eth_stats, imissed),
    LV_OFF(rte_eth_stats, ierrors),
    LV_OFF(rte_eth_stats, oerrors),
    LV_OFF(rte_eth_stats, rx_nombuf),
    LV_SIZE(rte_ether_addr),
    { "const.RTE_PKTMBUF_HEADROOM", RTE_PKTMBUF_HEADROOM },
    { "const.RTE_MBUF_DEFAULT_BUF_SIZE", RTE_MBUF_DEFAULT_BUF_SIZE },
    { "const.RTE_MAX_ETHPORTS", RTE_MAX_ETHPORTS },
    { "const.RTE_MAX_LCORE", RTE_MAX_LCORE },
    { "const.RTE_ETH_MQ_RX_RSS", RTE_ETH_MQ_RX_RSS },
    { "const.RTE_ETH_RSS_IP", (long)RTE_ETH_RSS_IP },
    { "const.RTE_ETH_RSS_TCP", (long)RTE_ETH_RSS_TCP },
    { "const.RTE_ETH_RSS_UDP", (long)RTE_ETH_RSS_UDP },
    { "const.RTE_ETH_NAME_MAX_LEN", RTE_ETH_NAME_MAX_LEN },
    { "const.RTE_MEMPOOL_CACHE_MAX_SIZE", RTE_MEMPOOL_CACHE_MAX_SIZE },
    { "const.SOCKET_ID_ANY", SOCKET_ID_ANY },
};

/* Number of layout entries; Java reads them by index. */
int lv_layout_count(void)
{
    return (int)(sizeof(lv_layouts) / sizeof(lv_layouts[0]));
}

const char *lv_layout_name(int i)
{
    return (i >= 0 && i < lv_layout_count()) ? lv_layouts[i].name : NULL;
}

long lv_layout_value(int i)
{
    return (i >= 0 && i < lv_layout_count()) ? lv_layouts[i].value : -1;
}
