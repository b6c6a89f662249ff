package io.levitate.packet.ethernet;

import io.levitate.packet.DropReason;
import io.levitate.packet.EtherTypes;
import io.levitate.packet.HeaderFlyweight;
import io.levitate.packet.NetworkOrder;

/**
 * Ethernet II header with up to two stacked VLAN tags (IEEE 802.3 framing, IEEE 802.1Q C-tag,
 * IEEE 802.1ad S-tag for QinQ). Frame check sequence is not present (NICs strip it).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination MAC (6 bytes)                  |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+      Source MAC (6 bytes)     +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   EtherType or TPID (12)      |  if TPID: PCP|D|   VLAN ID    |  0..2 tags of 4 bytes,
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  each TPID + TCI, then
 * |   EtherType of the payload    |                                  the payload EtherType
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>{@link #validate()} walks the tags and must succeed before {@link #headerLength()},
 * {@link #etherType()} or the VLAN accessors mean anything.
 */
public final class EthernetFlyweight extends HeaderFlyweight {
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    /**
     * The individual/group bit: the least significant bit of a MAC's first octet (IEEE 802,
     * transmitted first). Set in broadcast and multicast addresses, which name no one station, so
     * never valid as a source.
     */
    public static final int GROUP_BIT = 0x01;

    public static final int ETHER_TYPE_OFFSET = 12;
    /** Untagged header: two MACs and the EtherType. */
    public static final int HEADER_LENGTH = 14;
    /** The shortest frame Ethernet carries, without the FCS (64 with it): shorter ones are padded. */
    public static final int MIN_FRAME_LENGTH = 60;
    /** One 802.1Q/802.1ad tag: TPID (2) + TCI (2). */
    public static final int VLAN_TAG_LENGTH = 4;
    /** QinQ is the deepest stacking a data-centre LB meets; more is malformed or an attack. */
    public static final int MAX_VLAN_TAGS = 2;
    /** VLAN ID is the low 12 bits of the TCI. */
    public static final int VLAN_ID_MASK = 0x0FFF;
    /** Value of the VLAN accessors when that tag is absent. */
    public static final int NO_VLAN = -1;

    /**
     * The EtherType at byte 12 of the frame at {@code frame} (a TPID if it is tagged), for a caller
     * reading a raw address of {@code NetworkOrder.ALL} (see Ipv4Flyweight's static accessors).
     */
    public static int outerEtherType(java.lang.foreign.MemorySegment segment, long frame) {
        return NetworkOrder.u16(segment, frame + ETHER_TYPE_OFFSET);
    }

    /** Whether the source MAC of the frame at {@code frame} has the group bit (broadcast, multicast). */
    public static boolean groupSource(java.lang.foreign.MemorySegment segment, long frame) {
        return (NetworkOrder.u8(segment, frame + SOURCE_OFFSET) & GROUP_BIT) != 0;
    }

    private int headerLength;
    private int etherType;
    private int vlanCount;
    private int outerVlanId;
    private int innerVlanId;

    @Override
    public EthernetFlyweight wrap(java.lang.foreign.MemorySegment segment, long offset, int length) {
        super.wrap(segment, offset, length);
        headerLength = 0;
        etherType = 0;
        vlanCount = 0;
        outerVlanId = NO_VLAN;
        innerVlanId = NO_VLAN;
        return this;
    }

    /** Checks the header and walks the VLAN tags; {@link DropReason#NONE} when usable. */
    public DropReason validate() {
        if (length < HEADER_LENGTH) {
            return DropReason.TRUNCATED_ETHERNET;
        }
        if ((u8(SOURCE_OFFSET) & GROUP_BIT) != 0) {
            // Answering such a frame would address a whole segment (a reflection amplifier).
            return DropReason.ETHERNET_SOURCE_NOT_UNICAST;
        }
        int typeAt = ETHER_TYPE_OFFSET;
        int type = u16(typeAt);
        int tags = 0;
        while (EtherTypes.isVlanTag(type)) {
            if (tags == MAX_VLAN_TAGS) {
                return DropReason.TOO_MANY_VLAN_TAGS;
            }
            if (typeAt + VLAN_TAG_LENGTH + 2 > length) {
                return DropReason.TRUNCATED_VLAN;
            }
            int vid = u16(typeAt + 2) & VLAN_ID_MASK;
            if (tags == 0) {
                outerVlanId = vid;
            } else {
                innerVlanId = vid;
            }
            tags++;
            typeAt += VLAN_TAG_LENGTH;
            type = u16(typeAt);
        }
        vlanCount = tags;
        etherType = type;
        headerLength = typeAt + 2;
        return DropReason.NONE;
    }

    public long destination() {
        return mac(DESTINATION_OFFSET);
    }

    public EthernetFlyweight destination(long mac) {
        putMac(DESTINATION_OFFSET, mac);
        return this;
    }

    public long source() {
        return mac(SOURCE_OFFSET);
    }

    public EthernetFlyweight source(long mac) {
        putMac(SOURCE_OFFSET, mac);
        return this;
    }

    /** The EtherType at byte 12 (a TPID if the frame is tagged). */
    public int outerEtherType() {
        return u16(ETHER_TYPE_OFFSET);
    }

    /** Writes an untagged header's EtherType. */
    public EthernetFlyweight outerEtherType(int type) {
        putU16(ETHER_TYPE_OFFSET, type);
        return this;
    }

    /** Bytes up to the payload, tags included (after {@link #validate()}). */
    public int headerLength() {
        return headerLength;
    }

    /** EtherType of the payload, after the tags (after {@link #validate()}). */
    public int etherType() {
        return etherType;
    }

    public int vlanCount() {
        return vlanCount;
    }

    /** First (outermost) tag's VLAN ID, or {@link #NO_VLAN}. */
    public int outerVlanId() {
        return outerVlanId;
    }

    /** Second tag's VLAN ID (QinQ C-tag), or {@link #NO_VLAN}. */
    public int innerVlanId() {
        return innerVlanId;
    }
}
