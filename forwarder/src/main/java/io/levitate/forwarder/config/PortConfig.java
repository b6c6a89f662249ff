package io.levitate.forwarder.config;

import io.levitate.forwarder.PortSpec;

/**
 * One DPDK port.
 *
 * @param device the PCI address or vdev string, parsed
 * @param mtu    the largest IP packet the port sends or receives, 68..9600
 */
public record PortConfig(PortSpec device, int mtu) {}
