package io.levitate.bgp.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &tcp_md5sig, sizeof)}: the RFC 2385 key for one
 * peer address on one socket. Layout checked against /usr/include/linux/tcp.h:
 *
 * <pre>
 * struct tcp_md5sig {                                   offset  size
 *     struct __kernel_sockaddr_storage tcpm_addr;          0     128
 *     __u8  tcpm_flags;                                  128       1
 *     __u8  tcpm_prefixlen;                              129       1
 *     __u16 tcpm_keylen;                                 130       2
 *     int   tcpm_ifindex;                                132       4
 *     __u8  tcpm_key[TCP_MD5SIG_MAXKEYLEN];              136      80
 * };                                                             216
 * </pre>
 *
 * On a listening socket the key applies to connections from that address; on a connecting socket
 * it must be set before connect() so the SYN is already signed.
 */
public final class TcpMd5 {
    public static final int ADDR_OFFSET = 0;
    public static final int FLAGS_OFFSET = 128;
    public static final int PREFIXLEN_OFFSET = 129;
    public static final int KEYLEN_OFFSET = 130;
    public static final int IFINDEX_OFFSET = 132;
    public static final int KEY_OFFSET = 136;
    /** TCP_MD5SIG_MAXKEYLEN. */
    public static final int MAX_KEY_LENGTH = 80;

    public static final int STRUCT_LENGTH = KEY_OFFSET + MAX_KEY_LENGTH;

    private TcpMd5() {}

    /** Fills {@code out} (at least {@link #STRUCT_LENGTH} bytes) for {@code peer} and {@code key}. */
    public static void encode(final MemorySegment out, final InetAddress peer, final String key) {
        final byte[] raw = key.getBytes(StandardCharsets.UTF_8);
        if (raw.length > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("TCP MD5 key longer than " + MAX_KEY_LENGTH + " bytes");
        }
        out.asSlice(0, STRUCT_LENGTH).fill((byte) 0);
        SocketAddresses.write(out.asSlice(ADDR_OFFSET, SocketAddresses.SOCKADDR_STORAGE_LENGTH), peer, 0);
        out.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder()), KEYLEN_OFFSET, (short) raw.length);
        MemorySegment.copy(raw, 0, out, ValueLayout.JAVA_BYTE, KEY_OFFSET, raw.length);
    }
}
