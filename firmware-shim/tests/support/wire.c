#include "wire.h"

#include <string.h>

#include "fake_port.h"
#include "net.h"
#include "slip.h"

const uint8_t W_HOST4[4] = {198, 51, 100, 1};
const uint8_t W_BOARD4[4] = {198, 51, 100, 2};
const uint8_t W_HOST6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
const uint8_t W_BOARD6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

uint16_t w_csum(const uint8_t *p, size_t n, uint32_t init)
{
    uint64_t s = init;
    for (size_t i = 0; i < n; i++) s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static uint32_t pseudo(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len)
{
    uint8_t ph[40];
    size_t al = family == 6 ? 16 : 4;
    memcpy(ph, src, al);
    memcpy(ph + al, dst, al);
    uint32_t s = 0;
    for (size_t i = 0; i < 2 * al; i += 2) s += (uint32_t)(ph[i] << 8 | ph[i + 1]);
    return s + proto + (uint32_t)len;
}

static size_t ip_hdr(uint8_t *out, int family, uint8_t proto, size_t l4len, const uint8_t *src, const uint8_t *dst)
{
    if (family == 4) {
        memset(out, 0, 20);
        out[0] = 0x45;
        put16(out + 2, (uint32_t)(20 + l4len));
        put16(out + 4, 0x1234);
        out[8] = 64;
        out[9] = proto;
        memcpy(out + 12, src, 4);
        memcpy(out + 16, dst, 4);
        put16(out + 10, w_csum(out, 20, 0));
        return 20;
    }
    memset(out, 0, 40);
    out[0] = 0x60;
    put16(out + 4, (uint32_t)l4len);
    out[6] = proto;
    out[7] = 64;
    memcpy(out + 8, src, 16);
    memcpy(out + 24, dst, 16);
    return 40;
}

size_t w_build_tcp(uint8_t *out, int family, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                   uint8_t flags, uint16_t wnd, const uint8_t *opts, size_t optlen, const uint8_t *payload,
                   size_t plen)
{
    size_t tl = 20 + optlen + plen;
    const uint8_t *src = family == 6 ? W_HOST6 : W_HOST4, *dst = family == 6 ? W_BOARD6 : W_BOARD4;
    size_t h = ip_hdr(out, family, 6, tl, src, dst);
    uint8_t *t = out + h;
    memset(t, 0, 20);
    put16(t, sport);
    put16(t + 2, dport);
    put32(t + 4, seq);
    put32(t + 8, ack);
    t[12] = (uint8_t)(((20 + optlen) / 4) << 4);
    t[13] = flags;
    put16(t + 14, wnd);
    if (optlen) memcpy(t + 20, opts, optlen);
    if (plen) memcpy(t + 20 + optlen, payload, plen);
    put16(t + 16, w_csum(t, tl, pseudo(family, src, dst, 6, tl)));
    return h + tl;
}

size_t w_build_echo(uint8_t *out, int family, uint16_t id, uint16_t seqno, const uint8_t *data, size_t n)
{
    const uint8_t *src = family == 6 ? W_HOST6 : W_HOST4, *dst = family == 6 ? W_BOARD6 : W_BOARD4;
    uint8_t proto = family == 6 ? 58 : 1;
    size_t h = ip_hdr(out, family, proto, 8 + n, src, dst);
    uint8_t *c = out + h;
    c[0] = family == 6 ? 128 : 8;
    c[1] = 0;
    put16(c + 2, 0);
    put16(c + 4, id);
    put16(c + 6, seqno);
    if (n) memcpy(c + 8, data, n);
    put16(c + 2, w_csum(c, 8 + n, family == 6 ? pseudo(6, src, dst, 58, 8 + n) : 0));
    return h + 8 + n;
}

bool w_fix_checksums(uint8_t *d, size_t n)
{
    if (n < 1) return false;
    int v = d[0] >> 4;
    size_t off, end;
    uint8_t proto;
    const uint8_t *src, *dst;
    if (v == 4) {
        if (n < 20) return false;
        size_t ihl = (size_t)(d[0] & 15) * 4;
        if (ihl < 20 || ihl > n) return false;
        put16(d + 10, 0);
        put16(d + 10, w_csum(d, ihl, 0));
        end = be16(d + 2);
        if (end > n || end < ihl) return false;
        off = ihl;
        proto = d[9];
        src = d + 12;
        dst = d + 16;
    } else if (v == 6) {
        if (n < 40) return false;
        end = 40 + (size_t)be16(d + 4);
        if (end > n) return false;
        off = 40;
        proto = d[6];
        src = d + 8;
        dst = d + 24;
    } else {
        return false;
    }
    size_t l = end - off;
    uint8_t *u = d + off;
    if (proto == 6 && l >= 20) {
        put16(u + 16, 0);
        put16(u + 16, w_csum(u, l, pseudo(v, src, dst, 6, l)));
    } else if (proto == 1 && v == 4 && l >= 4) {
        put16(u + 2, 0);
        put16(u + 2, w_csum(u, l, 0));
    } else if (proto == 58 && v == 6 && l >= 4) {
        put16(u + 2, 0);
        put16(u + 2, w_csum(u, l, pseudo(6, src, dst, 58, l)));
    }
    return true;
}

static uint8_t g_enc[8192];
static size_t g_enc_len;
static void enc_write(const uint8_t *d, size_t n)
{
    if (g_enc_len + n <= sizeof g_enc) memcpy(g_enc + g_enc_len, d, n);
    g_enc_len += n;
}

void w_inject(const uint8_t *dgram, size_t n)
{
    g_enc_len = 0;
    slip_send(dgram, n, enc_write);
    net_input_bytes(g_enc, g_enc_len);
}

void w_send(int family, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
            const void *payload, size_t plen)
{
    uint8_t buf[4096];
    size_t n = w_build_tcp(buf, family, sport, dport, seq, ack, flags, wnd, NULL, 0, payload, plen);
    w_inject(buf, n);
}

void w_send_mss(int family, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags, uint16_t wnd, uint16_t mss)
{
    uint8_t buf[256];
    uint8_t opt[4] = {2, 4, (uint8_t)(mss >> 8), (uint8_t)mss};
    size_t n = w_build_tcp(buf, family, sport, dport, seq, 0, flags, wnd, opt, 4, NULL, 0);
    w_inject(buf, n);
}

bool w_parse_tcp(const uint8_t *f, size_t n, wseg_t *s)
{
    memset(s, 0, sizeof *s);
    s->mss = -1;
    s->frame_len = n;
    if (n < 1) return false;
    const uint8_t *t;
    size_t tl;
    if ((f[0] >> 4) == 4) {
        if (n < 20 || f[0] != 0x45 || be16(f + 2) != n || f[9] != 6) return false;
        s->family = 4;
        s->ip_ok = w_csum(f, 20, 0) == 0 && memcmp(f + 12, W_BOARD4, 4) == 0 && memcmp(f + 16, W_HOST4, 4) == 0;
        t = f + 20;
        tl = n - 20;
        if (tl < 20) return false;
        s->tcp_ok = w_csum(t, tl, pseudo(4, f + 12, f + 16, 6, tl)) == 0;
    } else if ((f[0] >> 4) == 6) {
        if (n < 40 || 40u + be16(f + 4) != n || f[6] != 6) return false;
        s->family = 6;
        s->ip_ok = memcmp(f + 8, W_BOARD6, 16) == 0 && memcmp(f + 24, W_HOST6, 16) == 0;
        t = f + 40;
        tl = n - 40;
        if (tl < 20) return false;
        s->tcp_ok = w_csum(t, tl, pseudo(6, f + 8, f + 24, 6, tl)) == 0;
    } else {
        return false;
    }
    size_t doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || doff > tl) return false;
    s->sport = be16(t);
    s->dport = be16(t + 2);
    s->seq = be32(t + 4);
    s->ack = be32(t + 8);
    s->flags = t[13];
    s->wnd = be16(t + 14);
    for (size_t i = 20; i + 3 < doff + 1 && i < doff;) {
        if (t[i] == 0) break;
        if (t[i] == 1) { i++; continue; }
        if (i + 1 >= doff || t[i + 1] < 2) break;
        if (t[i] == 2 && t[i + 1] == 4 && i + 4 <= doff) s->mss = be16(t + i + 2);
        i += t[i + 1];
    }
    s->payload = t + doff;
    s->plen = tl - doff;
    return true;
}

bool w_out(size_t i, wseg_t *s)
{
    size_t n;
    const uint8_t *f = fake_frame(i, &n);
    if (f == NULL) return false;
    return w_parse_tcp(f, n, s);
}

size_t w_out_count(void)
{
    return fake_frame_count();
}

bool w_last(wseg_t *s)
{
    size_t c = fake_frame_count();
    if (c == 0) return false;
    return w_out(c - 1, s);
}
