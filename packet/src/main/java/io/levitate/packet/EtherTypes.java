package io.levitate.packet;

/** EtherType values Levitate looks at (IEEE registry). */
public final class EtherTypes {
    public static final int IPV4 = 0x0800;
    public static final int ARP = 0x0806;
    /** IEEE 802.1Q customer tag (C-tag). */
    public static final int VLAN = 0x8100;
    /** IEEE 802.1ad service tag (S-tag), the outer tag of QinQ. */
    public static final int QINQ = 0x88A8;
    /** Pre-standard QinQ outer tag some switches still send. */
    public static final int QINQ_LEGACY = 0x9100;

    public static final int IPV6 = 0x86DD;
    /** Values below this are 802.3 lengths, not EtherTypes (IEEE 802.3 clause 3.2.6). */
    public static final int MIN_ETHERTYPE = 0x0600;

    private EtherTypes() {}

    public static boolean isVlanTag(int etherType) {
        return etherType == VLAN || etherType == QINQ || etherType == QINQ_LEGACY;
    }
}
