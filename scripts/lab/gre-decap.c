/*
 * gre-decap: a userspace GRE decapsulator for backends whose kernel has no GRE (ip_gre) module.
 *
 * Levitate sends each client packet to its backend inside GRE (RFC 2784, optionally keyed and
 * sequenced per RFC 2890) over an IPv4 or IPv6 outer header. A kernel with ip_gre strips that in
 * a gre/ip6gre device; this tool does the same job for any host without one:
 *
 *   raw socket, IP protocol 47 (IPv4: each read holds the outer IPv4 header too; IPv6: the kernel
 *   strips the outer header) -> validate the GRE header -> write the inner packet to a TUN device
 *   (IFF_TUN | IFF_NO_PI: the kernel takes the family from the inner version nibble) -> the
 *   kernel delivers it to the VIP configured on lo, and the service answers the client directly
 *   (direct server return).
 *
 * The host needs: the VIP on lo, the TUN up, rp_filter 0 on the TUN and "all" (the inner source
 * is a client reached through another interface).
 *
 * Every packet gets one verdict: decapsulated, or dropped and counted by reason. Counters are
 * printed as one line on SIGUSR1 and at exit (SIGTERM/SIGINT), and written to --stats FILE when
 * given (rewritten atomically), so tests and operators can read them.
 *
 * Build: gcc -O2 -Wall -Wextra -o gre-decap gre-decap.c
 * Usage: gre-decap --tun NAME [--stats FILE] [--no-v6]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* GRE header (RFC 2784 section 2, RFC 2890 section 2):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |C|R|K|S| Reserved0       | Ver |         Protocol Type         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      Checksum (optional)      |       Reserved1 (Optional)    |   if C
 *  |                         Key (optional)                        |   if K
 *  |                 Sequence Number (Optional)                    |   if S
 */
#define GRE_BASE_LEN 4
#define GRE_FLAG_C 0x8000u   /* checksum and reserved1 present */
#define GRE_FLAG_R 0x4000u   /* RFC 1701 routing: obsolete, RFC 2784 receivers drop it */
/* RFC 1701's strict source route and recursion control (bits 4-5): RFC 2784 2.3 says a receiver
 * that does not implement RFC 1701 MUST discard packets with any of bits 1-5 set; bits 2-3 are
 * RFC 2890's key and sequence flags, which we implement. */
#define GRE_RFC1701_BITS (GRE_FLAG_R | 0x0800u | 0x0400u)
#define GRE_FLAG_K 0x2000u   /* key present (RFC 2890) */
#define GRE_FLAG_S 0x1000u   /* sequence number present (RFC 2890) */
#define GRE_VERSION_MASK 0x0007u /* version 0 is GRE; 1 is PPTP's enhanced GRE, not ours */
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define IPPROTO_GRE_NUM 47
#define IPV4_MIN_HEADER 20
#define IPV6_HEADER 40
#define BUFFER_SIZE 65536

enum reason {
    R_SHORT_OUTER,    /* shorter than an IPv4 header, or IHL/total length inconsistent */
    R_SHORT_GRE,      /* too short for the GRE header its flags announce */
    R_VERSION,        /* GRE version not 0 */
    R_ROUTING,        /* R, s or Recur set (RFC 1701 routing features, RFC 2784 2.3) */
    R_BAD_CHECKSUM,   /* C bit set and the GRE checksum does not verify */
    R_PROTOCOL,       /* protocol type neither IPv4 nor IPv6 */
    R_INNER,          /* inner packet too short, or its version nibble contradicts the protocol type */
    R_TUN_WRITE,      /* the TUN device refused the packet */
    R_COUNT
};

static const char *const REASON_NAMES[R_COUNT] = {
    "short_outer", "short_gre", "bad_version", "routing", "bad_checksum", "unknown_protocol",
    "bad_inner", "tun_write"
};

static unsigned long long received, decapsulated, drops[R_COUNT];
static volatile sig_atomic_t report_requested, stop_requested;
static const char *stats_path;

static void on_report(int sig) { (void)sig; report_requested = 1; }
static void on_stop(int sig) { (void)sig; stop_requested = 1; }

static void report(void)
{
    char line[512];
    int n = snprintf(line, sizeof line, "gre-decap: received=%llu decapsulated=%llu", received, decapsulated);
    for (int r = 0; r < R_COUNT && n < (int)sizeof line; r++) {
        n += snprintf(line + n, sizeof line - n, " %s=%llu", REASON_NAMES[r], drops[r]);
    }
    fprintf(stdout, "%s\n", line);
    fflush(stdout);
    if (stats_path != NULL) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", stats_path);
        FILE *f = fopen(tmp, "w");
        if (f != NULL) {
            fprintf(f, "%s\n", line);
            fclose(f);
            rename(tmp, stats_path);
        }
    }
}

/* RFC 1071 one's-complement sum; a correct GRE checksum makes the sum over the GRE header
 * (checksum field included) and payload come out as 0xffff. */
static uint16_t ones_complement_sum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    while (len > 1) {
        sum += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        len -= 2;
    }
    if (len == 1) {
        sum += (uint32_t)p[0] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)sum;
}

/* Validates one GRE packet (starting at its GRE header) and writes the inner packet to the TUN. */
static void decapsulate(int tun, const uint8_t *gre, size_t len)
{
    if (len < GRE_BASE_LEN) {
        drops[R_SHORT_GRE]++;
        return;
    }
    const unsigned flags = (unsigned)gre[0] << 8 | gre[1];
    const unsigned protocol = (unsigned)gre[2] << 8 | gre[3];
    if ((flags & GRE_VERSION_MASK) != 0) {
        drops[R_VERSION]++;
        return;
    }
    if (flags & GRE_RFC1701_BITS) {
        drops[R_ROUTING]++;
        return;
    }
    size_t header = GRE_BASE_LEN;
    header += (flags & GRE_FLAG_C) ? 4 : 0;
    header += (flags & GRE_FLAG_K) ? 4 : 0;
    header += (flags & GRE_FLAG_S) ? 4 : 0;
    if (len < header) {
        drops[R_SHORT_GRE]++;
        return;
    }
    if ((flags & GRE_FLAG_C) && ones_complement_sum(gre, len) != 0xffff) {
        drops[R_BAD_CHECKSUM]++;
        return;
    }
    const uint8_t *inner = gre + header;
    const size_t inner_len = len - header;
    if (protocol == ETHERTYPE_IPV4) {
        if (inner_len < IPV4_MIN_HEADER || (inner[0] >> 4) != 4) {
            drops[R_INNER]++;
            return;
        }
    } else if (protocol == ETHERTYPE_IPV6) {
        if (inner_len < IPV6_HEADER || (inner[0] >> 4) != 6) {
            drops[R_INNER]++;
            return;
        }
    } else {
        drops[R_PROTOCOL]++;
        return;
    }
    if (write(tun, inner, inner_len) != (ssize_t)inner_len) {
        drops[R_TUN_WRITE]++;
        return;
    }
    decapsulated++;
}

/* An IPv4 raw socket read holds the outer IPv4 header: skip it (IHL, total length checked). */
static void on_ipv4(int tun, const uint8_t *p, size_t len)
{
    if (len < IPV4_MIN_HEADER || (p[0] >> 4) != 4) {
        drops[R_SHORT_OUTER]++;
        return;
    }
    const size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    const size_t total = (size_t)p[2] << 8 | p[3];
    if (ihl < IPV4_MIN_HEADER || total < ihl || total > len) {
        drops[R_SHORT_OUTER]++;
        return;
    }
    decapsulate(tun, p + ihl, total - ihl);
}

static int open_tun(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "gre-decap: open /dev/net/tun: %s\n", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (strlen(name) >= IFNAMSIZ) {
        fprintf(stderr, "gre-decap: TUN name '%s' longer than %d characters\n", name, IFNAMSIZ - 1);
        close(fd);
        return -1;
    }
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, "gre-decap: TUNSETIFF %s: %s\n", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void usage(void)
{
    fprintf(stderr, "usage: gre-decap --tun NAME [--stats FILE] [--no-v6]\n");
}

int main(int argc, char **argv)
{
    const char *tun_name = NULL;
    int want_v6 = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tun") == 0 && i + 1 < argc) {
            tun_name = argv[++i];
        } else if (strcmp(argv[i], "--stats") == 0 && i + 1 < argc) {
            stats_path = argv[++i];
        } else if (strcmp(argv[i], "--no-v6") == 0) {
            want_v6 = 0;
        } else {
            usage();
            return 2;
        }
    }
    if (tun_name == NULL) {
        usage();
        return 2;
    }
    const int tun = open_tun(tun_name);
    if (tun < 0) {
        return 1;
    }
    const int raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE_NUM);
    if (raw4 < 0) {
        fprintf(stderr, "gre-decap: raw IPv4 socket for protocol 47: %s (needs CAP_NET_RAW)\n", strerror(errno));
        return 1;
    }
    int raw6 = -1;
    if (want_v6) {
        raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE_NUM);
        if (raw6 < 0) {
            fprintf(stderr, "gre-decap: no IPv6 raw socket (%s); IPv4 outer headers only\n", strerror(errno));
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_report;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    fprintf(stdout, "gre-decap: decapsulating GRE over IPv4%s into %s\n", raw6 >= 0 ? " and IPv6" : "", tun_name);
    fflush(stdout);
    report();

    static uint8_t buffer[BUFFER_SIZE];
    struct pollfd fds[2] = {{.fd = raw4, .events = POLLIN}, {.fd = raw6, .events = POLLIN}};
    const nfds_t nfds = raw6 >= 0 ? 2 : 1;
    while (!stop_requested) {
        if (report_requested) {
            report_requested = 0;
            report();
        }
        const int ready = poll(fds, nfds, 1000);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "gre-decap: poll: %s\n", strerror(errno));
            break;
        }
        for (nfds_t i = 0; i < nfds; i++) {
            if (!(fds[i].revents & POLLIN)) {
                continue;
            }
            /* Drain what is queued without blocking, so one busy socket cannot starve the other. */
            for (int n = 0; n < 64; n++) {
                const ssize_t got = recv(fds[i].fd, buffer, sizeof buffer, MSG_DONTWAIT);
                if (got < 0) {
                    break;
                }
                received++;
                if (i == 0) {
                    on_ipv4(tun, buffer, (size_t)got);
                } else {
                    decapsulate(tun, buffer, (size_t)got); /* IPv6 raw reads start after the outer header */
                }
            }
        }
    }
    report();
    return 0;
}
