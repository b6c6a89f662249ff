package io.levitate.packet.ethernet;

import io.levitate.packet.DropReason;
import io.levitate.packet.EtherTypes;
import io.levitate.packet.HeaderFlyweight;

/**
 * ARP for IPv4 over Ethernet (RFC 826): the only form a neighbour resolver needs.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Hardware type (1 = Ethernet)|  Protocol type (0x0800)       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  HLEN (6)     |  PLEN (4)     |  Operation (1 req, 2 reply)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Sender hardware address (6) ...                     |
 * |  ... sender protocol address (4) | target hardware address (6)|
 * |  ...                             | target protocol address (4)|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class ArpFlyweight extends HeaderFlyweight {
    public static final int HARDWARE_TYPE_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    public static final int HARDWARE_LENGTH_OFFSET = 4;
    public static final int PROTOCOL_LENGTH_OFFSET = 5;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_MAC_OFFSET = 8;
    public static final int SENDER_IP_OFFSET = 14;
    public static final int TARGET_MAC_OFFSET = 18;
    public static final int TARGET_IP_OFFSET = 24;
    /** Ethernet/IPv4 ARP body: 8 fixed bytes + 2 x (6 + 4). */
    public static final int LENGTH = 28;

    public static final int HARDWARE_ETHERNET = 1;
    public static final int OPERATION_REQUEST = 1;
    public static final int OPERATION_REPLY = 2;

    @Override
    public ArpFlyweight wrap(java.lang.foreign.MemorySegment segment, long offset, int length) {
        super.wrap(segment, offset, length);
        return this;
    }

    /** Only Ethernet/IPv4 ARP with the matching address lengths is accepted. */
    public DropReason validate() {
        if (length < LENGTH
                || u16(HARDWARE_TYPE_OFFSET) != HARDWARE_ETHERNET
                || u16(PROTOCOL_TYPE_OFFSET) != EtherTypes.IPV4
                || u8(HARDWARE_LENGTH_OFFSET) != 6
                || u8(PROTOCOL_LENGTH_OFFSET) != 4) {
            return DropReason.BAD_ARP;
        }
        return DropReason.NONE;
    }

    public int hardwareType() {
        return u16(HARDWARE_TYPE_OFFSET);
    }

    public int protocolType() {
        return u16(PROTOCOL_TYPE_OFFSET);
    }

    public int operation() {
        return u16(OPERATION_OFFSET);
    }

    public long senderMac() {
        return mac(SENDER_MAC_OFFSET);
    }

    public int senderIp() {
        return i32(SENDER_IP_OFFSET);
    }

    public long targetMac() {
        return mac(TARGET_MAC_OFFSET);
    }

    public int targetIp() {
        return i32(TARGET_IP_OFFSET);
    }

    /** Writes a complete Ethernet/IPv4 ARP body (for replies built by the resolver). */
    public ArpFlyweight write(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        putU16(HARDWARE_TYPE_OFFSET, HARDWARE_ETHERNET);
        putU16(PROTOCOL_TYPE_OFFSET, EtherTypes.IPV4);
        putU8(HARDWARE_LENGTH_OFFSET, 6);
        putU8(PROTOCOL_LENGTH_OFFSET, 4);
        putU16(OPERATION_OFFSET, operation);
        putMac(SENDER_MAC_OFFSET, senderMac);
        putI32(SENDER_IP_OFFSET, senderIp);
        putMac(TARGET_MAC_OFFSET, targetMac);
        putI32(TARGET_IP_OFFSET, targetIp);
        return this;
    }
}
