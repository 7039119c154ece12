/* ip.c - IPv4/IPv6 input and output, ICMP echo. */
#include "ip.h"

#include <string.h>

#include "config.h"
#include "counters.h"
#include "net.h"
#include "tcp_core.h"
#include "port.h"

static const uint8_t g_v4_board[4] = IPV4_BOARD;
#if IPV6_ENABLED
static const uint8_t g_v6_board[16] = IPV6_BOARD;
#endif
static uint16_t g_ip_id;

void ip_init(void)
{
    g_ip_id = (uint16_t)(port_now_ms() * 2654435761u >> 16);
}

bool ip_family_enabled(uint8_t family)
{
    return family == 4 || (family == 6 && IPV6_ENABLED);
}

bool ip_local_addr(uint8_t family, ip_addr_t *out)
{
    memset(out, 0, sizeof *out);
    if (family == 4) {
        out->family = 4;
        memcpy(out->addr, g_v4_board, 4);
        return true;
    }
#if IPV6_ENABLED
    if (family == 6) {
        out->family = 6;
        memcpy(out->addr, g_v6_board, 16);
        return true;
    }
#endif
    return false;
}

size_t ip_header_len(uint8_t family)
{
    return family == 6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
}

uint32_t ip_sum(uint32_t acc, const uint8_t *data, size_t n)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2) acc += (uint32_t)((data[i] << 8) | data[i + 1]);
    if (i < n) acc += (uint32_t)(data[i] << 8);
    /* keep the accumulator from overflowing on long inputs */
    acc = (acc & 0xffffu) + (acc >> 16);
    return acc;
}

uint16_t ip_sum_finish(uint32_t acc)
{
    while (acc >> 16) acc = (acc & 0xffffu) + (acc >> 16);
    return (uint16_t)~acc;
}

uint32_t ip_pseudo_sum(uint8_t family, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len)
{
    uint32_t acc = 0;
    size_t alen = family == 6 ? 16 : 4;
    acc = ip_sum(acc, src, alen);
    acc = ip_sum(acc, dst, alen);
    acc += proto;
    acc += (uint32_t)(len & 0xffffu);
    acc += (uint32_t)(len >> 16);
    return acc;
}

bool ip_send(uint8_t family, uint8_t proto, const uint8_t *dst, const uint8_t *l4, size_t l4len,
             const uint8_t *payload, size_t plen)
{
    uint8_t hdr[IPV6_HDR_LEN + 64];
    size_t hlen = ip_header_len(family);
    size_t total = hlen + l4len + plen;
    if (l4len > sizeof hdr - hlen || total > NET_MTU || total > 0xffffu) {
        COUNT(tx_too_big);
        return false;
    }
    if (family == 4) {
        hdr[0] = 0x45;
        hdr[1] = 0;
        wr16(hdr + 2, (uint16_t)total);
        wr16(hdr + 4, g_ip_id++);
        wr16(hdr + 6, 0x4000); /* DF */
        hdr[8] = IP_TTL;
        hdr[9] = proto;
        wr16(hdr + 10, 0);
        memcpy(hdr + 12, g_v4_board, 4);
        memcpy(hdr + 16, dst, 4);
        wr16(hdr + 10, ip_sum_finish(ip_sum(0, hdr, IPV4_HDR_LEN)));
    } else {
#if IPV6_ENABLED
        hdr[0] = 0x60;
        hdr[1] = 0;
        hdr[2] = 0;
        hdr[3] = 0;
        wr16(hdr + 4, (uint16_t)(l4len + plen));
        hdr[6] = proto;
        hdr[7] = IP_TTL;
        memcpy(hdr + 8, g_v6_board, 16);
        memcpy(hdr + 24, dst, 16);
#else
        return false;
#endif
    }
    memcpy(hdr + hlen, l4, l4len);
    net_output(hdr, hlen + l4len, payload, plen);
    return true;
}

/* ---- input ----
 * Each step returns true when it kept the buffer (TCP queued the data), false when the caller must free
 * it: dropped (counted), or done with (an echo answered). */

#define DROPPED(why) (COUNT(why), false)

/* The upper-layer checksum over l4 (with the pseudo-header, which ICMPv4 has not); 0 when it is right. */
static uint16_t l4_sum(uint8_t family, uint8_t proto, const uint8_t *src, const uint8_t *dst, const uint8_t *l4,
                       size_t n)
{
    uint32_t acc = proto == IP_PROTO_ICMP ? 0 : ip_pseudo_sum(family, src, dst, proto, n);
    return ip_sum_finish(ip_sum(acc, l4, n));
}

/* The upper layer of a datagram addressed to us: src/dst are its addresses, l4 its n payload bytes.
 * ICMP(v6) echo requests are answered in place; TCP goes to tcp_input. */
static bool l4_input(pkt_t p, uint8_t family, uint8_t proto, const uint8_t *src, const uint8_t *dst, uint8_t *l4,
                     size_t n)
{
    size_t alen = family == 6 ? 16 : 4;
    if (proto == IP_PROTO_TCP) {
        if (l4_sum(family, proto, src, dst, l4, n) != 0) return DROPPED(tcp_bad_checksum);
        ip_addr_t from, to;
        memset(&from, 0, sizeof from);
        memset(&to, 0, sizeof to);
        from.family = to.family = family;
        memcpy(from.addr, src, alen);
        memcpy(to.addr, dst, alen);
        return tcp_input(p, &from, &to, l4, n);
    }
    if (proto != (family == 6 ? IP_PROTO_ICMPV6 : IP_PROTO_ICMP)) return DROPPED(ip_unknown_proto);
    if (n < 8) return DROPPED(ip_malformed);
    if (l4_sum(family, proto, src, dst, l4, n) != 0) return DROPPED(icmp_bad_checksum);
    if (l4[0] == (family == 6 ? 128 : 8) && l4[1] == 0) { /* echo request -> reply, in place */
        uint8_t peer[16];
        memcpy(peer, src, alen);
        l4[0] = family == 6 ? 129 : 0;
        wr16(l4 + 2, 0);
        wr16(l4 + 2, l4_sum(family, proto, dst, peer, l4, n)); /* dst is our address */
        COUNT(icmp_echo_replies);
        ip_send(family, proto, peer, l4, 0, l4, n);
    }
    return false;
}

static bool ipv4_input(pkt_t p, uint8_t *d, size_t len)
{
    if (len < IPV4_HDR_LEN) return DROPPED(ip_malformed);
    size_t ihl = (size_t)(d[0] & 0x0f) * 4u;
    size_t total = rd16(d + 2);
    if (ihl < IPV4_HDR_LEN || ihl > len || total < ihl || total > len) return DROPPED(ip_malformed);
    if (ip_sum_finish(ip_sum(0, d, ihl)) != 0) return DROPPED(ip_bad_checksum);
    if (memcmp(d + 16, g_v4_board, 4) != 0) return DROPPED(ip_not_for_us);
    /* MF or a fragment offset: no reassembly on this board */
    if ((rd16(d + 6) & 0x3fffu) != 0) return DROPPED(ip_fragments);
    return l4_input(p, 4, d[9], d + 12, d + 16, d + ihl, total - ihl);
}

#if IPV6_ENABLED
static bool ipv6_input(pkt_t p, uint8_t *d, size_t len)
{
    if (len < IPV6_HDR_LEN) return DROPPED(ip_malformed);
    size_t end = IPV6_HDR_LEN + (size_t)rd16(d + 4);
    if (end > len) return DROPPED(ip_malformed);
    if (memcmp(d + 24, g_v6_board, 16) != 0) return DROPPED(ip_not_for_us);
    uint8_t nh = d[6];
    size_t off = IPV6_HDR_LEN;
    for (int hops = 0; hops < 8 && (nh == 0 || nh == 43 || nh == 60); hops++) {
        if (off + 8 > end) return DROPPED(ip_malformed);
        size_t hl = ((size_t)d[off + 1] + 1u) * 8u;
        if (off + hl > end) return DROPPED(ip_malformed);
        nh = d[off];
        off += hl;
    }
    if (nh == 44) return DROPPED(ip_fragments);
    return l4_input(p, 6, nh, d + 8, d + 24, d + off, end - off);
}
#endif

void ip_input(pkt_t p, size_t len)
{
    uint8_t *d = pool_data(p);
    if (len > POOL_PAYLOAD) len = POOL_PAYLOAD;
    bool kept;
    if (len >= 1 && (d[0] >> 4) == 4)
        kept = ipv4_input(p, d, len);
#if IPV6_ENABLED
    else if (len >= 1 && (d[0] >> 4) == 6)
        kept = ipv6_input(p, d, len);
#else
    else if (len >= 1 && (d[0] >> 4) == 6)
        kept = DROPPED(ip_not_for_us); /* IPv6 is off on this link (MTU < 1280) */
#endif
    else
        kept = DROPPED(ip_malformed);
    if (!kept) pool_free(p);
}
