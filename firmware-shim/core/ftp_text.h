/* ftp_text.h - the text helpers the FTP server, the FTP client and the agent share (core/ has no
 * printf): a bounded string builder, decimal/hex numbers, IPv4/IPv6 addresses. */
#ifndef HILFTP_FTP_TEXT_H
#define HILFTP_FTP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp.h" /* ip_addr_t */

typedef struct {
    char *buf;
    size_t cap;     /* including room for a NUL */
    size_t len;
    bool overflow;  /* something did not fit (the text is cut, still NUL-terminated) */
} ftp_sb;

void ftp_sb_init(ftp_sb *b, char *buf, size_t cap);
void ftp_sb_mem(ftp_sb *b, const void *p, size_t n);
void ftp_sb_str(ftp_sb *b, const char *s);
void ftp_sb_ch(ftp_sb *b, char c);
void ftp_sb_u32(ftp_sb *b, uint32_t v);
void ftp_sb_u32_pad(ftp_sb *b, uint32_t v, unsigned width, char pad); /* right-aligned */
void ftp_sb_hex4(ftp_sb *b, uint16_t v, bool upper, bool pad);        /* 4 digits if pad */
void ftp_sb_ip(ftp_sb *b, const ip_addr_t *a); /* dotted IPv4 / compressed lower-case IPv6 */
/* "h1,h2,h3,h4,p1,p2" (PORT / 227): every number padded to `width` digits with '0' (0 = no padding). */
void ftp_sb_hostport(ftp_sb *b, const uint8_t ip[4], uint32_t port, unsigned width);

static inline bool ftp_is_digit(char c) { return c >= '0' && c <= '9'; }
/* 0-15 for a hex digit of either case, -1 otherwise. */
int ftp_hex_digit(char c);

/* Decimal digits only, no sign, no overflow. */
bool ftp_parse_u32(const char *s, size_t n, uint32_t *out);
bool ftp_parse_ipv4(const char *s, size_t n, uint8_t out[4]);
bool ftp_parse_ipv6(const char *s, size_t n, uint8_t out[16]); /* "::" allowed, no dotted tail */
bool ftp_parse_ip(const char *s, size_t n, ip_addr_t *out);    /* either family */
bool ftp_ip_equal(const ip_addr_t *a, const ip_addr_t *b);

#endif
