/* ip.h - IPv4 + IPv6 (static addresses, point-to-point: no ARP/ND), ICMP/ICMPv6 echo, dispatch to TCP. */
#ifndef HILFTP_IP_H
#define HILFTP_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool.h"
#include "tcp.h"

#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_ICMPV6 58

void ip_init(void);
/* A received datagram of len bytes in pool buffer p. Takes ownership of p (frees it, reuses it for an
 * echo reply, or hands it to TCP). Never reads outside [0, len). */
void ip_input(pkt_t p, size_t len);

/* The board's address for family 4 or 6; false when that family is off (IPv6 below MTU 1280). */
bool ip_local_addr(uint8_t family, ip_addr_t *out);
bool ip_family_enabled(uint8_t family);
/* Bytes of the IP header the core puts in front of an upper-layer packet of `family`. */
size_t ip_header_len(uint8_t family);

/* Internet checksum: add bytes to a running 32-bit sum (only the last piece may be odd-length),
 * fold to 16 bits and complement. */
uint32_t ip_sum(uint32_t acc, const uint8_t *data, size_t n);
uint16_t ip_sum_finish(uint32_t acc);
/* Sum of the pseudo-header for the upper-layer checksum (src/dst are 4 or 16 bytes). */
uint32_t ip_pseudo_sum(uint8_t family, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len);

/* Sends one datagram from our address to dst: IP header + l4 (upper-layer header, its checksum already
 * set) + payload. False (and counted) when it would exceed NET_MTU. */
bool ip_send(uint8_t family, uint8_t proto, const uint8_t *dst, const uint8_t *l4, size_t l4len,
             const uint8_t *payload, size_t plen);

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
