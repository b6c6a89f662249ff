package io.levitate.forwarder;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One port as the operator names it: a PCI address (optionally with device arguments) for a real
 * NIC, or a DPDK virtual-device string such as {@code net_pcap0,rx_pcap=in.pcap} or
 * {@code net_af_packet0,iface=veth0}. The same forwarding code drives both.
 *
 * @param spec       the string as given.
 * @param pci        true for a PCI address (EAL {@code -a}), false for a vdev (EAL {@code --vdev}).
 * @param deviceName the name DPDK gives the probed port: the vdev name or the full PCI address.
 */
public record PortSpec(String spec, boolean pci, String deviceName) {
    /** domain:bus:device.function, the domain optional ("0000:03:00.0" or "03:00.0"). */
    private static final Pattern PCI = Pattern.compile("^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$");
    /** A vdev name is a driver name plus an instance suffix, e.g. net_null0. */
    private static final Pattern VDEV_NAME = Pattern.compile("^[A-Za-z][A-Za-z0-9_]*$");

    /**
     * Parses a port string.
     *
     * @throws LevitateException when it is neither a PCI address nor a well-formed vdev string.
     */
    public static PortSpec parse(final String spec) {
        if (spec == null || spec.isBlank()) {
            throw new LevitateException(
                    "empty --port: give a PCI address (0000:03:00.0) or a vdev (net_pcap0,rx_pcap=FILE)");
        }
        final String trimmed = spec.strip();
        final int comma = trimmed.indexOf(',');
        final String head = comma < 0 ? trimmed : trimmed.substring(0, comma);
        if (PCI.matcher(head).matches()) {
            final String full = (head.length() == 7 ? "0000:" + head : head).toLowerCase(Locale.ROOT);
            return new PortSpec(trimmed, true, full);
        }
        if (VDEV_NAME.matcher(head).matches()) {
            return new PortSpec(trimmed, false, head);
        }
        throw new LevitateException("bad --port '" + spec
                + "': expected a PCI address (0000:03:00.0) or a vdev name with arguments (net_pcap0,rx_pcap=FILE)");
    }

    /** The EAL arguments that make DPDK probe this port. */
    public String[] ealArguments() {
        return pci ? new String[] {"-a", spec} : new String[] {"--vdev=" + spec};
    }
}
