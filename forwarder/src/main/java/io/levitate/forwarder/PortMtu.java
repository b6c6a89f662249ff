package io.levitate.forwarder;

import io.levitate.dpdk.EthDev;
import io.levitate.dpdk.Mbuf;
import io.levitate.gre.GreEncapsulator;

/**
 * How a port's MTU sizes the mbufs: a frame of the largest MTU must arrive in one mbuf, since the
 * workers parse one segment only (a chained mbuf is the counted drop {@code multi_segment}).
 */
public final class PortMtu {
    /** Ethernet's MTU: ports given on the command line without a configuration keep it. */
    public static final int ETHERNET_MTU = 1500;
    /** Ethernet header (the CRC is stripped by the driver and never in the mbuf). */
    private static final int ETHERNET = 14;
    /** Two VLAN tags (QinQ): the parser takes frames with up to two. */
    private static final int VLAN_TAGS = 2 * 4;
    /** Data rooms are rounded up to whole cache lines. */
    private static final int LINE = 64;
    /**
     * net_af_packet: the kernel writes a received frame at offset 66 of its ring frame (TPACKET2
     * header, sockaddr_ll, aligned; less the Ethernet header) and cuts what does not fit.
     */
    private static final int AF_PACKET_RX_OFFSET = 66;
    /**
     * net_af_packet: its RX queue set-up refuses a pool whose data room (less headroom) is below
     * the ring's frame size less 32 bytes (TPACKET2_HDRLEN less the sockaddr_ll it keeps), and
     * the frame size is its {@code framesz} argument, 2048 unless given.
     */
    private static final int AF_PACKET_FRAME_OVERHEAD = 32;

    private static final int AF_PACKET_DEFAULT_FRAMESZ = 2048;

    private PortMtu() {}

    /**
     * The data room (headroom included) a port of {@code mtu} needs: RTE_PKTMBUF_HEADROOM, then a
     * frame of the MTU with Ethernet and two VLAN tags, then the largest tunnel overhead (outer
     * IPv6 and a keyed GRE header). The encapsulator prepends the outer headers into the headroom,
     * which holds them; the overhead past the frame is slack so that the largest outer headers and
     * an MTU-sized packet fit the data room by themselves. Never below DPDK's default (2176), and
     * at least what net_af_packet's ring frames need.
     */
    public static int dataRoom(final int mtu, final PortSpec port, final EthDev.DevInfo info) {
        int room = Mbuf.HEADROOM + mtu + ETHERNET + VLAN_TAGS + GreEncapsulator.MAX_EXTRA_HEADROOM;
        if (isAfPacket(port, info)) {
            room = Math.max(room, Mbuf.HEADROOM + afPacketFrameSize(port) - AF_PACKET_FRAME_OVERHEAD);
        }
        room = (room + LINE - 1) / LINE * LINE;
        return Math.max(Mbuf.DEFAULT_BUF_SIZE, room);
    }

    /** net_af_packet's ring frame size: its {@code framesz=} argument, or its default. */
    static int afPacketFrameSize(final PortSpec port) {
        for (final String arg : port.spec().split(",")) {
            final String a = arg.strip();
            if (a.startsWith("framesz=")) {
                try {
                    return Integer.parseInt(a.substring("framesz=".length()).strip());
                } catch (final NumberFormatException ex) {
                    // The driver refuses it at probe time with its own message; size for its default.
                    return AF_PACKET_DEFAULT_FRAMESZ;
                }
            }
        }
        return AF_PACKET_DEFAULT_FRAMESZ;
    }

    static boolean isAfPacket(final PortSpec port, final EthDev.DevInfo info) {
        return info.driverName().contains("af_packet") || port.deviceName().startsWith("net_af_packet");
    }

    /**
     * The largest MTU the port carries. For most devices what ethdev accepts
     * ({@link EthDev.DevInfo#mtuLimit()}: net_pcap and net_null 46..65535, net_tap 46..1504 in DPDK
     * 22.11). net_af_packet reports a 1518-byte max_rx_pktlen whatever its ring holds, so ethdev
     * holds its MTU to 1500, while its data path never looks at the MTU: frames are bounded by
     * its ring frames ({@code framesz}: received frames are cut at {@code framesz - 66}, longer
     * ones are not sent) and by its kernel interface's MTU. Its limit here is the ring's.
     */
    public static int limit(final PortSpec port, final EthDev.DevInfo info) {
        if (isAfPacket(port, info)) {
            return Math.max(info.minMtu(), afPacketFrameSize(port) - AF_PACKET_RX_OFFSET - ETHERNET);
        }
        return info.mtuLimit();
    }

    /**
     * The MTU given to ethdev (rxmode.mtu): the port's, except that net_af_packet gets at most what
     * ethdev lets it have ({@link #limit}); its frames are bounded by its ring instead.
     */
    public static int deviceMtu(final int mtu, final PortSpec port, final EthDev.DevInfo info) {
        return isAfPacket(port, info) ? Math.min(mtu, info.mtuLimit()) : mtu;
    }

    /**
     * The MTU of the kernel interface behind a port (net_af_packet, net_tap), found by the
     * device's if_index in this network namespace's /sys/class/net; -1 when there is none or it
     * cannot be read.
     */
    static int kernelInterfaceMtu(final EthDev.DevInfo info) {
        if (info.ifIndex() <= 0) {
            return -1;
        }
        try (var interfaces = java.nio.file.Files.list(java.nio.file.Path.of("/sys/class/net"))) {
            for (final java.nio.file.Path dir : (Iterable<java.nio.file.Path>) interfaces::iterator) {
                final java.nio.file.Path index = dir.resolve("ifindex");
                if (java.nio.file.Files.isReadable(index)
                        && Integer.parseInt(
                                        java.nio.file.Files.readString(index).strip())
                                == info.ifIndex()) {
                    return Integer.parseInt(
                            java.nio.file.Files.readString(dir.resolve("mtu")).strip());
                }
            }
        } catch (final java.io.IOException | RuntimeException ex) {
            // Unknown: the driver and the kernel still refuse what they cannot carry, counted.
            return -1;
        }
        return -1;
    }

    /** What to say after a refused MTU, for drivers whose limit is set by their arguments. */
    static String hint(final PortSpec port, final EthDev.DevInfo info, final int mtu) {
        if (isAfPacket(port, info)) {
            final int framesz = (mtu + ETHERNET + AF_PACKET_RX_OFFSET + 15) / 16 * 16;
            return "; net_af_packet's ring frames bound its MTU (framesz " + afPacketFrameSize(port)
                    + "): give it framesz=" + framesz
                    + " or more, with blocksz a multiple of the page size that holds a frame";
        }
        return "";
    }
}
