/* ftp_text.c - string builder, numbers and addresses for the FTP server, client and agent. See ftp_text.h. */
#include "ftp_text.h"

#include <string.h>

void ftp_sb_init(ftp_sb *b, char *buf, size_t cap)
{
    b->buf = buf;
    b->cap = cap;
    b->len = 0;
    b->overflow = cap == 0;
    if (cap) buf[0] = '\0';
}

void ftp_sb_mem(ftp_sb *b, const void *p, size_t n)
{
    if (b->cap == 0) return;
    size_t room = b->cap - 1 - b->len;
    if (n > room) {
        n = room;
        b->overflow = true;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void ftp_sb_str(ftp_sb *b, const char *s) { ftp_sb_mem(b, s, strlen(s)); }
void ftp_sb_ch(ftp_sb *b, char c) { ftp_sb_mem(b, &c, 1); }

void ftp_sb_u32_pad(ftp_sb *b, uint32_t v, unsigned width, char pad)
{
    char tmp[10];
    unsigned n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (width > n) {
        ftp_sb_ch(b, pad);
        width--;
    }
    while (n) ftp_sb_ch(b, tmp[--n]);
}

void ftp_sb_u32(ftp_sb *b, uint32_t v) { ftp_sb_u32_pad(b, v, 0, ' '); }

void ftp_sb_hex4(ftp_sb *b, uint16_t v, bool upper, bool pad)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    bool started = pad;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 15u;
        if (d || started || shift == 0) {
            ftp_sb_ch(b, digits[d]);
            started = true;
        }
    }
}

void ftp_sb_ip(ftp_sb *b, const ip_addr_t *a)
{
    if (a->family == 4) {
        for (int i = 0; i < 4; i++) {
            if (i) ftp_sb_ch(b, '.');
            ftp_sb_u32(b, a->addr[i]);
        }
        return;
    }
    uint16_t w[8];
    for (int i = 0; i < 8; i++) w[i] = (uint16_t)((a->addr[2 * i] << 8) | a->addr[2 * i + 1]);
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (w[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && w[j] == 0) j++;
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            ftp_sb_str(b, "::");
            i += best_len - 1;
            continue;
        }
        if (i && i != best + best_len) ftp_sb_ch(b, ':');
        ftp_sb_hex4(b, w[i], false, false);
    }
}

void ftp_sb_hostport(ftp_sb *b, const uint8_t ip[4], uint32_t port, unsigned width)
{
    for (int i = 0; i < 4; i++) {
        ftp_sb_u32_pad(b, ip[i], width, '0');
        ftp_sb_ch(b, ',');
    }
    ftp_sb_u32_pad(b, port >> 8, width, '0');
    ftp_sb_ch(b, ',');
    ftp_sb_u32_pad(b, port & 0xFFu, width, '0');
}

bool ftp_parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        if (!ftp_is_digit(s[i])) return false;
        uint32_t d = (uint32_t)(s[i] - '0');
        if (v > (0xFFFFFFFFu - d) / 10u) return false;
        v = v * 10u + d;
    }
    *out = v;
    return true;
}

bool ftp_parse_ipv4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        size_t st = i;
        while (i < n && ftp_is_digit(s[i]) && i - st < 4) i++;
        uint32_t v;
        if (i - st > 3 || !ftp_parse_u32(s + st, i - st, &v) || v > 255) return false;
        out[part] = (uint8_t)v;
        if (part < 3) {
            if (i >= n || s[i] != '.') return false;
            i++;
        }
    }
    return i == n;
}

int ftp_hex_digit(char c)
{
    if (ftp_is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool ftp_parse_ipv6(const char *s, size_t n, uint8_t out[16])
{
    uint16_t w[8];
    int nw = 0, gap = -1;
    size_t i = 0;
    if (n < 2) return false;
    if (s[0] == ':') {
        if (s[1] != ':') return false;
        gap = 0;
        i = 2;
    }
    while (i < n) {
        size_t st = i;
        uint32_t v = 0;
        while (i < n && ftp_hex_digit(s[i]) >= 0) {
            if (i - st == 4) return false;
            v = v * 16u + (uint32_t)ftp_hex_digit(s[i]);
            i++;
        }
        if (i == st || nw == 8) return false;
        w[nw++] = (uint16_t)v;
        if (i == n) break;
        if (s[i] != ':') return false;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0) return false;
            gap = nw;
            i++;
        } else if (i == n) {
            return false;
        }
    }
    if (gap < 0 ? nw != 8 : nw > 7) return false;
    memset(out, 0, 16);
    int tail = gap < 0 ? 0 : nw - gap;
    int head = nw - tail;
    for (int k = 0; k < head; k++) {
        out[2 * k] = (uint8_t)(w[k] >> 8);
        out[2 * k + 1] = (uint8_t)w[k];
    }
    for (int k = 0; k < tail; k++) {
        int pos = 8 - tail + k;
        out[2 * pos] = (uint8_t)(w[head + k] >> 8);
        out[2 * pos + 1] = (uint8_t)w[head + k];
    }
    return true;
}

bool ftp_parse_ip(const char *s, size_t n, ip_addr_t *out)
{
    memset(out, 0, sizeof *out);
    if (ftp_parse_ipv4(s, n, out->addr)) {
        out->family = 4;
        return true;
    }
    if (ftp_parse_ipv6(s, n, out->addr)) {
        out->family = 6;
        return true;
    }
    return false;
}

bool ftp_ip_equal(const ip_addr_t *a, const ip_addr_t *b)
{
    if (a->family != b->family) return false;
    return memcmp(a->addr, b->addr, a->family == 4 ? 4u : 16u) == 0;
}
