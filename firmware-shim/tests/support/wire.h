/* wire.h - the host side of a unit test: builds IPv4/IPv6 + TCP/ICMP datagrams from the host address to
 * the board (own checksum code, independent of core/ip.c), feeds them to the core as SLIP bytes, and
 * parses what the core sent back. */
#ifndef HILFTP_TEST_WIRE_H
#define HILFTP_TEST_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TF_FIN 0x01
#define TF_SYN 0x02
#define TF_RST 0x04
#define TF_PSH 0x08
#define TF_ACK 0x10

extern const uint8_t W_HOST4[4], W_BOARD4[4], W_HOST6[16], W_BOARD6[16];

typedef struct {
    int family;            /* 4 or 6 */
    uint16_t sport, dport; /* from the frame's point of view */
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd;
    int mss;               /* -1 = no MSS option */
    const uint8_t *payload;
    size_t plen;
    size_t frame_len;
    bool ip_ok, tcp_ok;    /* header and checksum checks */
} wseg_t;

uint16_t w_csum(const uint8_t *p, size_t n, uint32_t init);

/* Builds a datagram host -> board. opts (TCP options) length must be a multiple of 4. */
size_t w_build_tcp(uint8_t *out, int family, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                   uint8_t flags, uint16_t wnd, const uint8_t *opts, size_t optlen, const uint8_t *payload,
                   size_t plen);
size_t w_build_echo(uint8_t *out, int family, uint16_t id, uint16_t seqno, const uint8_t *data, size_t n);
/* Recomputes the IPv4 header checksum and the TCP/ICMP checksum of a (possibly mutated) datagram where
 * its lengths allow it; returns false when the datagram is too broken to locate them. */
bool w_fix_checksums(uint8_t *d, size_t n);

/* SLIP-encodes a datagram and feeds it to net_input_bytes. */
void w_inject(const uint8_t *dgram, size_t n);
/* Convenience: build + inject a TCP segment. */
void w_send(int family, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
            const void *payload, size_t plen);
void w_send_mss(int family, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags, uint16_t wnd, uint16_t mss);

/* Parses a frame the board sent (checks version, lengths, addresses board -> host, checksums). */
bool w_parse_tcp(const uint8_t *f, size_t n, wseg_t *s);
/* Parsed TCP segment i of the captured frames (false if not TCP or out of range). */
bool w_out(size_t i, wseg_t *s);
/* Number of captured TCP frames; the last one. */
size_t w_out_count(void);
bool w_last(wseg_t *s);

#endif
