/* TCP packet scripts: the test plays the host, byte-exact segments in, the board's segments checked out.
 * Configuration: tests/support/board_config.h (MSS 1460, window 4380, pool 12, in-flight 4, RTO 1000 ms
 * doubling to 8000 ms, 5 retries, delayed ACK 200 ms, TIME-WAIT 2000 ms). */
#include <stdlib.h>

#include "counters.h"
#include "fake_port.h"
#include "net.h"
#include "pool.h"
#include "tcp.h"
#include "tcp_core.h"
#include "test.h"
#include "wire.h"

#define HISN 1000000u

typedef struct {
    int fam;
    uint16_t hp, bp;  /* host port, board port */
    uint32_t hseq;    /* host's next sequence number */
    uint32_t bnxt;    /* board's next sequence number (what the host acks) */
    uint16_t hwnd;    /* host's window */
    tcp_id id, lis;
} conn_t;

/* Pool buffers the test takes away from the stack: stand-ins for other owners. */
static pkt_t g_held[POOL_COUNT];
static size_t g_nheld;

static void setup(void)
{
    fake_reset();
    net_init();
    fake_clear_frames();
    g_nheld = 0;
}

static void hold_until_free(size_t left)
{
    while (pool_free_count() > left) g_held[g_nheld++] = pool_alloc(0);
}

static void give_back(size_t n)
{
    while (n-- > 0 && g_nheld > 0) pool_free(g_held[--g_nheld]);
}

static unsigned rx_bufs(tcp_id id)
{
    unsigned rx, tx;
    tcp_pool_usage(id, &rx, &tx);
    return rx;
}

static unsigned tx_bufs(tcp_id id)
{
    unsigned rx, tx;
    tcp_pool_usage(id, &rx, &tx);
    return tx;
}

static void at(uint32_t t)
{
    fake_now = t;
    net_poll(t);
}

/* Exactly `n` frames were sent since the last clear; the last one parsed into s; frames cleared. */
static bool take(size_t n, wseg_t *s)
{
    size_t c = fake_frame_count();
    bool ok = c == n;
    if (!ok) fprintf(stderr, "    expected %zu frames, got %zu\n", n, c);
    if (c > 0 && s != NULL) {
        wseg_t tmp;
        ok = w_last(&tmp) && ok;
        *s = tmp;
        CHECK(tmp.ip_ok);
        CHECK(tmp.tcp_ok);
    }
    fake_clear_frames();
    return ok;
}

static void hsend(conn_t *c, uint8_t flags, const void *data, size_t n)
{
    w_send(c->fam, c->hp, c->bp, c->hseq, c->bnxt, flags, c->hwnd, data, n);
    c->hseq += (uint32_t)n + ((flags & (TF_SYN | TF_FIN)) ? 1u : 0u);
}

static void hack(conn_t *c)
{
    w_send(c->fam, c->hp, c->bp, c->hseq, c->bnxt, TF_ACK, c->hwnd, NULL, 0);
}

/* Passive open on port bp with a peer MSS; leaves the connection accepted and the frames cleared. */
static bool open_passive(conn_t *c, int fam, uint16_t bp, uint16_t mss, uint16_t wnd)
{
    memset(c, 0, sizeof *c);
    c->fam = fam;
    c->hp = 40000;
    c->bp = bp;
    c->hseq = HISN;
    c->hwnd = wnd;
    c->lis = tcp_listen(bp, 4);
    if (c->lis < 0) return false;
    w_send_mss(fam, c->hp, bp, c->hseq, TF_SYN, wnd, mss);
    wseg_t s;
    if (!take(1, &s)) return false;
    CHECK_EQ(s.flags, TF_SYN | TF_ACK);
    CHECK_EQ(s.ack, HISN + 1);
    CHECK_EQ(s.mss, fam == 6 ? 1440 : 1460);
    CHECK_EQ(s.sport, bp);
    CHECK_EQ(s.dport, 40000);
    c->hseq++;
    c->bnxt = s.seq + 1;
    CHECK_EQ(tcp_accept(c->lis), -1); /* not before the handshake completes */
    hack(c);
    CHECK(take(0, NULL));
    c->id = tcp_accept(c->lis);
    CHECK(c->id >= 0);
    CHECK_EQ(tcp_state(c->id), TCP_ESTABLISHED);
    return c->id >= 0;
}

/* A fresh stack with one connection passively opened on port bp (open_passive). */
static conn_t fresh_conn(int fam, uint16_t bp, uint16_t mss, uint16_t wnd)
{
    setup();
    conn_t c;
    CHECK(open_passive(&c, fam, bp, mss, wnd));
    return c;
}

static void test_passive_handshake(void)
{
    conn_t c = fresh_conn(4, 21, 1000, 8000);
    ip_addr_t l, r;
    uint16_t lp, rp;
    tcp_endpoints(c.id, &l, &lp, &r, &rp);
    CHECK_EQ(l.family, 4);
    CHECK_MEM(l.addr, W_BOARD4, 4);
    CHECK_MEM(r.addr, W_HOST4, 4);
    CHECK_EQ(lp, 21);
    CHECK_EQ(rp, 40000);
    CHECK_EQ(tcp_accept(c.lis), -1);
    /* the listener stays: a second client */
    w_send_mss(4, 40001, 21, 5, TF_SYN, 8000, 1460);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_SYN | TF_ACK);
}

static void test_isn_differs(void)
{
    setup();
    tcp_listen(21, 4);
    wseg_t a, b;
    w_send_mss(4, 40000, 21, 1, TF_SYN, 8000, 1460);
    CHECK(take(1, &a));
    fake_now = 3;
    w_send_mss(4, 40001, 21, 1, TF_SYN, 8000, 1460);
    CHECK(take(1, &b));
    CHECK(a.seq != b.seq);
}

static void test_v6_handshake_and_data(void)
{
    conn_t c = fresh_conn(6, 21, 1440, 8000);
    CHECK_EQ(tcp_send(c.id, (const uint8_t *)"220 hi\r\n", 8), 8);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.family, 6);
    CHECK_EQ(s.plen, 8);
    CHECK_MEM(s.payload, "220 hi\r\n", 8);
    CHECK_EQ(s.seq, c.bnxt);
    CHECK_EQ(s.ack, c.hseq);
}

static void test_mss_clamp_and_segmentation(void)
{
    conn_t c = fresh_conn(4, 21, 500, 20000);
    uint8_t buf[1200];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)i;
    CHECK_EQ(tcp_send(c.id, buf, sizeof buf), 1200);
    CHECK_EQ(fake_frame_count(), 3);
    wseg_t s;
    size_t off = 0;
    for (size_t i = 0; i < 3; i++) {
        CHECK(w_out(i, &s));
        CHECK_EQ(s.plen, i < 2 ? 500 : 200);
        CHECK_EQ(s.seq, c.bnxt + off);
        CHECK_MEM(s.payload, buf + off, s.plen);
        CHECK(s.flags & TF_PSH);
        off += s.plen;
    }
    fake_clear_frames();
    /* no MSS option: 536 */
    setup();
    tcp_listen(21, 4);
    w_send(4, 40000, 21, 7, 0, TF_SYN, 20000, NULL, 0);
    CHECK(take(1, &s));
    uint32_t bn = s.seq + 1;
    w_send(4, 40000, 21, 8, bn, TF_ACK, 20000, NULL, 0);
    tcp_id id = tcp_accept(0);
    CHECK(id >= 0);
    CHECK_EQ(tcp_send(id, buf, 600), 600);
    CHECK(w_out(0, &s));
    CHECK_EQ(s.plen, 536);
}

static void test_each_send_its_own_segment(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 20000);
    CHECK_EQ(tcp_send(c.id, (const uint8_t *)"331 ok\r\n", 8), 8);
    CHECK_EQ(tcp_send(c.id, (const uint8_t *)"230 in\r\n", 8), 8);
    wseg_t a, b;
    CHECK_EQ(fake_frame_count(), 2);
    CHECK(w_out(0, &a));
    CHECK(w_out(1, &b));
    CHECK_EQ(a.plen, 8);
    CHECK_EQ(b.plen, 8);
    CHECK_EQ(b.seq, a.seq + 8);
    CHECK_MEM(b.payload, "230 in\r\n", 8);
    fake_clear_frames();
    /* the host acks both: the queue is empty */
    c.bnxt += 16;
    hack(&c);
    CHECK(tcp_all_acked(c.id));
    CHECK(take(0, NULL));
}

static void test_receive_and_delayed_ack(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    hsend(&c, TF_ACK | TF_PSH, "USER hil\r\n", 10);
    CHECK(take(0, NULL)); /* delayed */
    const uint8_t *d;
    size_t n;
    CHECK(tcp_peek(c.id, &d, &n));
    CHECK_EQ(n, 10);
    CHECK_MEM(d, "USER hil\r\n", 10);
    CHECK_EQ(net_next_timer(0), 200);
    at(199);
    CHECK(take(0, NULL));
    at(200);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_ACK);
    CHECK_EQ(s.ack, c.hseq);
    CHECK_EQ(s.wnd, 4380 - 10);
    tcp_release(c.id);
    CHECK(!tcp_peek(c.id, &d, &n));
    /* a reply within the delay carries the ACK */
    hsend(&c, TF_ACK | TF_PSH, "PASS hil\r\n", 10);
    CHECK_EQ(tcp_send(c.id, (const uint8_t *)"230 \r\n", 6), 6);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, c.hseq);
    c.bnxt += 6; /* the host's next segments ack it */
    at(1000);
    CHECK(take(0, NULL)); /* no separate delayed ACK any more */
    /* two full segments: acknowledged at once */
    uint8_t big[1460];
    memset(big, 'a', sizeof big);
    hsend(&c, TF_ACK, big, sizeof big);
    CHECK(take(0, NULL));
    hsend(&c, TF_ACK, big, sizeof big);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, c.hseq);
    /* tcp_recv copies across segments and releases them */
    uint8_t out[4000];
    CHECK_EQ(tcp_recv(c.id, out, 100), 100);
    CHECK_EQ(tcp_recv(c.id, out, sizeof out), 10 + 2920 - 100);
    CHECK_EQ(tcp_recv(c.id, out, sizeof out), 0);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

/* At hseq, the bytes [from, to) of `text` (the host's stream from base): sent, frames left in place. */
static void hsend_at(conn_t *c, uint32_t base, const char *text, uint32_t from, uint32_t to, uint8_t flags)
{
    c->hseq = base + from;
    hsend(c, (uint8_t)(TF_ACK | flags), text + from, to - from);
}

static void test_out_of_order_held(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    uint32_t want = c.hseq;
    c.hseq += 10; /* a gap */
    hsend(&c, TF_ACK, "later", 5);
    wseg_t s;
    CHECK(take(1, &s)); /* immediate duplicate ACK, window unchanged: a sender counts only such ACKs */
    CHECK_EQ(s.ack, want);
    CHECK_EQ(s.wnd, 4380);
    CHECK_EQ(g_counters.tcp_ooo_dropped, 0);
    const uint8_t *d;
    size_t n;
    CHECK(!tcp_peek(c.id, &d, &n)); /* not readable before the hole is filled */
    CHECK_EQ(rx_bufs(c.id), 1);     /* but held in its buffer */
    CHECK_EQ(pool_free_count(), POOL_COUNT - 1);
    /* the same segment again: held already, another duplicate ACK */
    c.hseq = want + 10;
    hsend(&c, TF_ACK, "later", 5);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, want);
    CHECK_EQ(s.wnd, 4380);
    CHECK_EQ(rx_bufs(c.id), 1);
    CHECK_EQ(pool_free_count(), POOL_COUNT - 1);
    /* the missing piece: one ACK at once, covering the held segment too */
    c.hseq = want;
    hsend(&c, TF_ACK, "0123456789", 10);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, want + 15);
    CHECK_EQ(s.wnd, 4380 - 15);
    uint8_t out[32];
    CHECK_EQ(tcp_recv(c.id, out, sizeof out), 15);
    CHECK_MEM(out, "0123456789later", 15);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    c.hseq = want + 15;
    /* overlapping retransmission: only the new part is taken */
    uint32_t old = c.hseq - 5;
    c.hseq = old;
    hsend(&c, TF_ACK, "laterXY", 7);
    CHECK_EQ(tcp_recv(c.id, out, sizeof out), 2);
    CHECK_MEM(out, "XY", 2);
    /* a wholly old segment: immediate ACK, nothing queued */
    fake_clear_frames();
    c.hseq = old;
    hsend(&c, TF_ACK, "later", 5);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, old + 7);
    CHECK_EQ(tcp_recv(c.id, out, sizeof out), 0);
}

/* Linux in loss recovery (seen against hilftp tun with 2% loss): after a timeout it retransmits the
 * first segment and then sends new data ahead of the other retransmissions. An in-order-only receiver
 * dropped that new data every time, so the ACK never passed the sender's recovery point, NewReno stayed
 * in recovery, and each further loss cost a doubled timeout. Held, the new data is acknowledged with the
 * retransmissions that fill the hole. */
static void test_new_data_ahead_of_retransmissions(void)
{
    enum { SEG = 1000 }; /* the board's window (4380) takes four */
    conn_t c = fresh_conn(4, 21, SEG, 8000);
    static uint8_t stream[4 * SEG];
    for (size_t i = 0; i < sizeof stream; i++) stream[i] = (uint8_t)(i * 7 + i / SEG);
    uint32_t base = c.hseq;
    wseg_t s;
    /* S0 arrives; S1 and S2 are lost */
    hsend(&c, TF_ACK, stream, SEG);
    CHECK(take(0, NULL)); /* delayed */
    /* after its timeout the host retransmits S1 and S2, but new data S3 overtakes them */
    c.hseq = base + 3 * SEG;
    hsend(&c, TF_ACK, stream + 3 * SEG, SEG);
    CHECK(take(1, &s)); /* duplicate ACK at once (it also carries the delayed one) */
    CHECK_EQ(s.ack, base + SEG);
    CHECK_EQ(rx_bufs(c.id), 2);
    c.hseq = base + SEG;
    hsend(&c, TF_ACK, stream + SEG, SEG);
    CHECK(take(1, &s)); /* part of the hole filled: at once */
    CHECK_EQ(s.ack, base + 2 * SEG);
    hsend(&c, TF_ACK, stream + 2 * SEG, SEG);
    CHECK(take(1, &s)); /* the hole filled: one ACK past the new data, at once */
    CHECK_EQ(s.ack, base + 4 * SEG);
    CHECK_EQ(g_counters.tcp_ooo_dropped, 0);
    /* a late copy of S3 (go-back-N): old, acknowledged at once */
    c.hseq = base + 3 * SEG;
    hsend(&c, TF_ACK, stream + 3 * SEG, SEG);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, base + 4 * SEG);
    static uint8_t out[sizeof stream];
    size_t got = 0;
    for (int i = 0; i < 10 && got < 4 * SEG; i++) got += tcp_recv(c.id, out + got, sizeof out - got);
    CHECK_EQ(got, 4 * SEG);
    CHECK_MEM(out, stream, 4 * SEG);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    /* arriving in reverse order: each held in sequence order, one ACK for all once the first comes */
    fake_clear_frames();
    base = base + 4 * SEG;
    static const char text[] = "abcdefghijklmnopqrstuvwxyz";
    hsend_at(&c, base, text, 20, 26, 0);
    hsend_at(&c, base, text, 10, 20, 0);
    hsend_at(&c, base, text, 5, 10, 0);
    CHECK(take(3, &s));
    CHECK_EQ(s.ack, base);
    CHECK_EQ(rx_bufs(c.id), 3);
    hsend_at(&c, base, text, 0, 5, 0);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, base + 26);
    char rd[32];
    CHECK_EQ(tcp_recv(c.id, (uint8_t *)rd, sizeof rd), 26);
    CHECK_MEM(rd, text, 26);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_out_of_order_overlaps_and_fin(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    static const char text[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij";
    uint32_t base = c.hseq;
    wseg_t s;
    hsend_at(&c, base, text, 20, 30, 0);     /* held */
    hsend_at(&c, base, text, 25, 40, 0);     /* [30, 40) of it held */
    hsend_at(&c, base, text, 22, 28, 0);     /* held already: dropped */
    hsend_at(&c, base, text, 35, 45, TF_FIN); /* [40, 45) and the FIN held */
    CHECK(take(4, &s));
    CHECK_EQ(s.ack, base);
    CHECK_EQ(rx_bufs(c.id), 3);
    CHECK_EQ(g_counters.tcp_ooo_dropped, 1);
    CHECK_EQ(tcp_state(c.id), TCP_ESTABLISHED);
    hsend_at(&c, base, text, 0, 20, 0);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, base + 45 + 1); /* the held FIN counts */
    CHECK_EQ(tcp_state(c.id), TCP_CLOSE_WAIT);
    char rd[64];
    CHECK_EQ(tcp_recv(c.id, (uint8_t *)rd, sizeof rd), 45);
    CHECK_MEM(rd, text, 45);
    CHECK(tcp_eof(c.id));
    CHECK_EQ(pool_free_count(), POOL_COUNT);

    /* an in-order FIN: what is held beyond it is dropped */
    c = fresh_conn(4, 21, 1460, 8000);
    base = c.hseq;
    hsend_at(&c, base, text, 20, 30, 0);
    CHECK_EQ(rx_bufs(c.id), 1);
    hsend_at(&c, base, text, 0, 10, TF_FIN);
    CHECK_EQ(rx_bufs(c.id), 1); /* the in-order segment only */
    CHECK(w_last(&s));
    CHECK_EQ(s.ack, base + 11);
    CHECK_EQ(tcp_state(c.id), TCP_CLOSE_WAIT);
    CHECK_EQ(tcp_recv(c.id, (uint8_t *)rd, sizeof rd), 10);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_out_of_order_limits(void)
{
    static char text[4400];
    for (size_t i = 0; i < sizeof text; i++) text[i] = (char)('a' + i % 26);
    wseg_t s;
    /* only what the window promised is held (the window is 4380) */
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    uint32_t base = c.hseq;
    hsend_at(&c, base, text, 4370, 4390, TF_FIN); /* [4370, 4380) held, no FIN */
    hsend_at(&c, base, text, 1460, 2920, 0);
    hsend_at(&c, base, text, 2920, 4370, 0);
    CHECK(take(3, &s));
    CHECK_EQ(s.ack, base);
    CHECK_EQ(s.wnd, 4380);
    hsend_at(&c, base, text, 0, 1460, 0);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, base + 4380);
    CHECK_EQ(s.wnd, 0);
    CHECK_EQ(tcp_state(c.id), TCP_ESTABLISHED);
    static uint8_t out[4400];
    size_t got = 0;
    for (int i = 0; i < 10; i++) got += tcp_recv(c.id, out + got, sizeof out - got);
    CHECK_EQ(got, 4380);
    CHECK_MEM(out, text, 4380);
    CHECK_EQ(pool_free_count(), POOL_COUNT);

    /* at most TCP_MAX_OOO (TCP_MAX_INFLIGHT, 4 here) held buffers: tiny pieces cannot drain the pool */
    c = fresh_conn(4, 21, 1460, 8000);
    base = c.hseq;
    for (uint32_t i = 0; i < 6; i++) hsend_at(&c, base, text, 2 + 2 * i, 3 + 2 * i, 0);
    CHECK(take(6, &s));
    CHECK_EQ(s.ack, base);
    CHECK_EQ(rx_bufs(c.id), 4);
    CHECK_EQ(g_counters.tcp_ooo_dropped, 2);
    /* buffers held out of order go back on abort */
    tcp_abort(c.id);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    /* ... and on close */
    c = fresh_conn(4, 21, 1460, 8000);
    base = c.hseq;
    hsend_at(&c, base, text, 100, 200, 0);
    CHECK_EQ(pool_free_count(), POOL_COUNT - 1);
    tcp_close(c.id);
    CHECK_EQ(pool_free_count(), POOL_COUNT);

    /* the pool's reserve is never used for out-of-order data */
    c = fresh_conn(4, 21, 1460, 8000);
    base = c.hseq;
    g_counters.tcp_ooo_dropped = 0;
    hold_until_free(POOL_RESERVE + 1); /* the arriving frame takes one more */
    hsend_at(&c, base, text, 10, 20, 0);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, base);
    CHECK_EQ(rx_bufs(c.id), 0);
    CHECK_EQ(g_counters.tcp_ooo_dropped, 1);
    give_back(1);
    hsend_at(&c, base, text, 10, 20, 0);
    CHECK_EQ(rx_bufs(c.id), 1);
    give_back(POOL_COUNT);
    hsend_at(&c, base, text, 0, 10, 0);
    CHECK_EQ(tcp_recv(c.id, out, sizeof out), 20);
    CHECK_MEM(out, text, 20);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_retransmit_backoff_giveup(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    CHECK_EQ(tcp_send(c.id, (const uint8_t *)"hello", 5), 5);
    wseg_t s;
    CHECK(take(1, &s));
    uint32_t seq = s.seq;
    const uint32_t times[] = {1000, 3000, 7000, 15000, 23000}; /* 1 s doubling, capped at 8 s */
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(net_next_timer(fake_now), times[i]);
        at(times[i] - 1);
        CHECK(take(0, NULL));
        at(times[i]);
        CHECK(take(1, &s));
        CHECK_EQ(s.seq, seq);
        CHECK_EQ(s.plen, 5);
        CHECK_MEM(s.payload, "hello", 5);
    }
    CHECK_EQ(g_counters.tcp_retransmits, 5);
    CHECK_EQ(tcp_state(c.id), TCP_ESTABLISHED);
    at(31000);
    CHECK(take(1, &s));
    CHECK(s.flags & TF_RST);
    CHECK_EQ(tcp_state(c.id), TCP_CLOSED);
    CHECK(tcp_reset_seen(c.id));
    CHECK_EQ(g_counters.tcp_timeouts, 1);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    tcp_free(c.id);
    CHECK_EQ(tcp_state(c.id), TCP_CLOSED);
    CHECK(!tcp_reset_seen(c.id));
}

static void test_retransmit_then_ack_resets_rto(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    tcp_send(c.id, (const uint8_t *)"one", 3);
    wseg_t s;
    CHECK(take(1, &s));
    at(1000);
    CHECK(take(1, &s)); /* retransmitted */
    c.bnxt += 3;
    hack(&c);
    CHECK(tcp_all_acked(c.id));
    tcp_send(c.id, (const uint8_t *)"two", 3);
    CHECK(take(1, &s));
    CHECK_EQ(net_next_timer(fake_now), 2000); /* back to the initial RTO */
}

static void test_inflight_limit_and_newreno(void)
{
    conn_t c = fresh_conn(4, 21, 1000, 60000);
    uint8_t buf[1000];
    memset(buf, 'x', sizeof buf);
    int accepted = 0;
    for (int i = 0; i < 6; i++) accepted += tcp_send(c.id, buf, sizeof buf) > 0;
    CHECK_EQ(accepted, 4); /* TCP_MAX_INFLIGHT buffers per socket */
    CHECK_EQ(tcp_send_space(c.id), 0);
    CHECK(take(4, NULL));
    /* ack two: two more may be queued */
    c.bnxt += 2000;
    hack(&c);
    CHECK_EQ(tcp_send_space(c.id), 2000);
    CHECK_EQ(tcp_send(c.id, buf, 1000), 1000);
    CHECK(take(1, NULL));
    /* timeout: only the oldest unacked segment goes again */
    at(1000);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.seq, c.bnxt);
    CHECK_EQ(s.plen, 1000);
    /* partial ACK (the host lacked two segments): the next hole goes at once */
    c.bnxt += 1000;
    hack(&c);
    CHECK(take(1, &s));
    CHECK_EQ(s.seq, c.bnxt);
    /* the host had the rest: one ACK covers all, nothing more is resent */
    c.bnxt += 2000;
    hack(&c);
    CHECK(take(0, NULL));
    CHECK(tcp_all_acked(c.id));
    CHECK_EQ(g_counters.tcp_retransmits, 2);
}

static void test_fast_retransmit(void)
{
    conn_t c = fresh_conn(4, 21, 1000, 60000);
    uint8_t buf[1000];
    memset(buf, 'y', sizeof buf);
    for (int i = 0; i < 4; i++) tcp_send(c.id, buf, sizeof buf);
    CHECK(take(4, NULL));
    /* the first segment is lost; with 4 segments out the second duplicate ACK is enough */
    hack(&c);
    CHECK(take(0, NULL));
    hack(&c);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.seq, c.bnxt);
    CHECK_EQ(s.plen, 1000);
    CHECK_EQ(g_counters.tcp_fast_retransmits, 1);
    /* more duplicates during the recovery do not resend again */
    hack(&c);
    CHECK(take(0, NULL));
    /* partial ACK: the next hole; then all acked */
    c.bnxt += 2000;
    hack(&c);
    CHECK(take(1, &s));
    CHECK_EQ(s.seq, c.bnxt);
    c.bnxt += 2000;
    hack(&c);
    CHECK(tcp_all_acked(c.id));
    CHECK_EQ(net_next_timer(fake_now), fake_now + 60000);
}

static void test_fin_passive_close(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    hsend(&c, TF_ACK | TF_PSH | TF_FIN, "QUIT\r\n", 6);
    wseg_t s;
    CHECK(take(1, &s)); /* FIN: ACK at once */
    CHECK_EQ(s.ack, c.hseq);
    CHECK_EQ(tcp_state(c.id), TCP_CLOSE_WAIT);
    CHECK(!tcp_eof(c.id));
    uint8_t out[16];
    CHECK_EQ(tcp_recv(c.id, out, sizeof out), 6);
    CHECK(tcp_eof(c.id));
    CHECK_EQ(tcp_send(c.id, (const uint8_t *)"221 \r\n", 6), 6); /* may still send */
    CHECK(take(1, &s));
    c.bnxt += 6;
    hack(&c);
    tcp_close(c.id);
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_FIN | TF_ACK);
    CHECK_EQ(s.seq, c.bnxt);
    CHECK_EQ(tcp_state(c.id), TCP_LAST_ACK);
    /* FIN lost: retransmitted */
    at(1000);
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_FIN | TF_ACK);
    c.bnxt += 1;
    hack(&c);
    CHECK_EQ(tcp_state(c.id), TCP_CLOSED); /* released */
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    /* the slot is free again: a late segment gets a RST */
    hack(&c);
    CHECK(take(1, &s));
    CHECK(s.flags & TF_RST);
}

static void test_fin_active_close_time_wait(void)
{
    conn_t c = fresh_conn(4, 20, 1460, 8000);
    CHECK_EQ(tcp_send(c.id, (const uint8_t *)"data", 4), 4);
    tcp_close(c.id);
    wseg_t s;
    CHECK(take(2, &s)); /* data, then FIN */
    CHECK_EQ(s.flags, TF_FIN | TF_ACK);
    CHECK_EQ(s.seq, c.bnxt + 4);
    CHECK_EQ(tcp_state(c.id), TCP_FIN_WAIT_1);
    CHECK(!tcp_all_acked(c.id));
    c.bnxt += 5;
    hack(&c);
    CHECK_EQ(tcp_state(c.id), TCP_FIN_WAIT_2);
    CHECK(tcp_all_acked(c.id));
    hsend(&c, TF_ACK | TF_FIN, NULL, 0);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, c.hseq);
    CHECK_EQ(tcp_state(c.id), TCP_TIME_WAIT);
    /* a retransmitted FIN is acknowledged again */
    c.hseq--;
    hsend(&c, TF_ACK | TF_FIN, NULL, 0);
    CHECK(take(1, &s));
    CHECK_EQ(s.ack, c.hseq);
    at(fake_now + TCP_TIME_WAIT_MS - 1);
    CHECK_EQ(tcp_state(c.id), TCP_TIME_WAIT);
    at(fake_now + 1);
    CHECK_EQ(tcp_state(c.id), TCP_CLOSED);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_simultaneous_close(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    tcp_close(c.id);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_FIN | TF_ACK);
    /* the host's FIN crosses ours (acks only up to before our FIN) */
    hsend(&c, TF_ACK | TF_FIN, NULL, 0);
    CHECK_EQ(tcp_state(c.id), TCP_CLOSING);
    CHECK(take(1, &s));
    c.bnxt += 1;
    hack(&c);
    CHECK_EQ(tcp_state(c.id), TCP_TIME_WAIT);
}

static void test_fin_wait_2_timeout(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    tcp_close(c.id);
    CHECK(take(1, NULL));
    c.bnxt += 1;
    hack(&c);
    CHECK_EQ(tcp_state(c.id), TCP_FIN_WAIT_2);
    at(TCP_FIN_WAIT_2_MS + 1);
    CHECK_EQ(tcp_state(c.id), TCP_CLOSED);
}

static void test_rst_received(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    hsend(&c, TF_ACK, "abc", 3);
    /* RST outside the window: ignored */
    w_send(4, c.hp, c.bp, c.hseq + 100000, 0, TF_RST, 0, NULL, 0);
    CHECK_EQ(tcp_state(c.id), TCP_ESTABLISHED);
    w_send(4, c.hp, c.bp, c.hseq, 0, TF_RST, 0, NULL, 0);
    CHECK_EQ(tcp_state(c.id), TCP_CLOSED);
    CHECK(tcp_reset_seen(c.id));
    CHECK(tcp_eof(c.id));
    const uint8_t *d;
    size_t n;
    CHECK(!tcp_peek(c.id, &d, &n)); /* unread data dropped with the connection */
    CHECK_EQ(tcp_send(c.id, (const uint8_t *)"x", 1), 0);
    tcp_free(c.id);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    /* RST in SYN-RCVD: the half-open child goes quietly */
    setup();
    tcp_id l = tcp_listen(21, 4);
    w_send_mss(4, 40000, 21, 10, TF_SYN, 8000, 1460);
    wseg_t s;
    CHECK(take(1, &s));
    w_send(4, 40000, 21, 11, 0, TF_RST, 0, NULL, 0);
    CHECK_EQ(tcp_accept(l), -1);
    at(100000);
    CHECK(take(0, NULL)); /* no SYN-ACK retransmissions for it */
}

static void test_abort_sends_rst(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    tcp_send(c.id, (const uint8_t *)"abc", 3);
    fake_clear_frames();
    tcp_abort(c.id);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK(s.flags & TF_RST);
    CHECK_EQ(s.seq, c.bnxt + 3);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_closed_port_rst(void)
{
    setup();
    wseg_t s;
    w_send_mss(4, 40000, 7, 555, TF_SYN, 8000, 1460);
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_RST | TF_ACK);
    CHECK_EQ(s.seq, 0);
    CHECK_EQ(s.ack, 556);
    CHECK_EQ(s.sport, 7);
    CHECK_EQ(s.dport, 40000);
    w_send(4, 40000, 7, 555, 777, TF_ACK, 8000, "zz", 2);
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_RST);
    CHECK_EQ(s.seq, 777);
    w_send(6, 40000, 7, 555, 777, TF_ACK | TF_FIN, 8000, NULL, 0);
    CHECK(take(1, &s));
    CHECK_EQ(s.family, 6);
    CHECK_EQ(s.flags, TF_RST);
    w_send(4, 40000, 7, 555, 0, TF_RST, 8000, NULL, 0);
    CHECK(take(0, NULL)); /* never answer a RST */
    CHECK_EQ(g_counters.tcp_no_socket, 3);
    /* an ACK to a listening port with no connection: RST */
    tcp_listen(21, 1);
    w_send(4, 40000, 21, 1, 99, TF_ACK, 8000, NULL, 0);
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_RST);
    CHECK_EQ(s.seq, 99);
}

static void test_backlog(void)
{
    setup();
    tcp_id l = tcp_listen(21, 1);
    wseg_t s;
    w_send_mss(4, 40000, 21, 1, TF_SYN, 8000, 1460);
    CHECK(take(1, &s));
    w_send_mss(4, 40001, 21, 1, TF_SYN, 8000, 1460);
    CHECK(take(0, NULL)); /* beyond the backlog: ignored, the client retries */
    CHECK_EQ(g_counters.tcp_backlog_drops, 1);
    w_send(4, 40000, 21, 2, s.seq + 1, TF_ACK, 8000, NULL, 0);
    tcp_id a = tcp_accept(l);
    CHECK(a >= 0);
    w_send_mss(4, 40001, 21, 1, TF_SYN, 8000, 1460);
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_SYN | TF_ACK);
    /* the SYN-ACK is lost: the client's retransmitted SYN gets it again */
    w_send_mss(4, 40001, 21, 1, TF_SYN, 8000, 1460);
    wseg_t s2;
    CHECK(take(1, &s2));
    CHECK_EQ(s2.flags, TF_SYN | TF_ACK);
    CHECK_EQ(s2.seq, s.seq);
    /* closing the listener resets the connection it did not hand out yet */
    w_send(4, 40001, 21, 2, s.seq + 1, TF_ACK, 8000, NULL, 0);
    tcp_close(l);
    CHECK(take(1, &s));
    CHECK(s.flags & TF_RST);
    CHECK_EQ(tcp_state(a), TCP_ESTABLISHED);
}

static void test_active_open(void)
{
    setup();
    ip_addr_t host = {4, {198, 51, 100, 1}};
    tcp_id id = tcp_connect(4, &host, 2121, 0);
    CHECK(id >= 0);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_SYN);
    CHECK_EQ(s.mss, 1460);
    CHECK_EQ(s.dport, 2121);
    CHECK(s.sport >= 49152);
    CHECK_EQ(tcp_state(id), TCP_SYN_SENT);
    CHECK_EQ(tcp_send(id, (const uint8_t *)"x", 1), 0);
    uint8_t opt[4] = {2, 4, 0x02, 0x00}; /* MSS 512 */
    uint8_t f[200];
    size_t n = w_build_tcp(f, 4, 2121, s.sport, 7000, s.seq + 1, TF_SYN | TF_ACK, 3000, opt, 4, NULL, 0);
    w_inject(f, n);
    wseg_t a;
    CHECK(take(1, &a));
    CHECK_EQ(a.flags, TF_ACK);
    CHECK_EQ(a.ack, 7001);
    CHECK_EQ(tcp_state(id), TCP_ESTABLISHED);
    uint8_t buf[1000];
    memset(buf, 1, sizeof buf);
    CHECK_EQ(tcp_send(id, buf, sizeof buf), 1000);
    CHECK(take(2, &a));
    CHECK_EQ(a.plen, 1000 - 512);
    /* connection refused */
    id = tcp_connect(4, &host, 2122, 0);
    CHECK(take(1, &s));
    w_send(4, 2122, s.sport, 0, s.seq + 1, TF_RST | TF_ACK, 0, NULL, 0);
    CHECK_EQ(tcp_state(id), TCP_CLOSED);
    CHECK(tcp_reset_seen(id));
    tcp_free(id);
    /* a RST with a wrong ACK is ignored */
    id = tcp_connect(4, &host, 2123, 0);
    CHECK(take(1, &s));
    w_send(4, 2123, s.sport, 0, s.seq + 99, TF_RST | TF_ACK, 0, NULL, 0);
    CHECK_EQ(tcp_state(id), TCP_SYN_SENT);
    tcp_abort(id);
}

static void test_active_open_v6_and_syn_giveup(void)
{
    setup();
    ip_addr_t host = {6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    tcp_id id = tcp_connect(6, &host, 21, 50000);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.family, 6);
    CHECK_EQ(s.sport, 50000);
    CHECK_EQ(s.mss, 1440);
    uint32_t t = 0, rto = 1000;
    for (int i = 0; i < TCP_MAX_RETRIES; i++) {
        t += rto;
        at(t);
        CHECK(take(1, &s));
        CHECK_EQ(s.flags, TF_SYN);
        rto = rto * 2 > 8000 ? 8000 : rto * 2;
    }
    at(t + rto);
    CHECK_EQ(tcp_state(id), TCP_CLOSED);
    CHECK(tcp_reset_seen(id));
    ip_addr_t bad = {5, {0}};
    CHECK_EQ(tcp_connect(5, &bad, 21, 0), -1);
}

static void test_zero_window_persist(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 0); /* the host's window is closed from the start */
    CHECK_EQ(tcp_send(c.id, (const uint8_t *)"abcdef", 6), 6);
    CHECK(take(0, NULL));
    /* persist probe: one byte, then backoff */
    at(1000);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.plen, 1);
    CHECK_EQ(s.seq, c.bnxt);
    CHECK_EQ(g_counters.tcp_window_probes, 1);
    hack(&c); /* still closed */
    CHECK(take(0, NULL));
    at(2999);
    CHECK(take(0, NULL));
    at(3000);
    CHECK(take(1, &s));
    CHECK_EQ(s.plen, 1);
    /* the window opens: everything flows from the first byte */
    c.hwnd = 100;
    hack(&c);
    CHECK(take(1, &s));
    CHECK_EQ(s.seq, c.bnxt);
    CHECK_EQ(s.plen, 6);
    c.bnxt += 6;
    hack(&c);
    CHECK(tcp_all_acked(c.id));
    /* a probe the host accepts */
    c.hwnd = 0;
    hack(&c);
    tcp_send(c.id, (const uint8_t *)"xyz", 3);
    CHECK(take(0, NULL));
    at(fake_now + 1000);
    CHECK(take(1, &s));
    CHECK_EQ(s.plen, 1);
    c.bnxt += 1;
    c.hwnd = 1000;
    hack(&c);
    CHECK(take(1, &s));
    CHECK_EQ(s.plen, 2);
    CHECK_MEM(s.payload, "yz", 2);
}

static void test_small_peer_window(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 300);
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)i;
    CHECK_EQ(tcp_send(c.id, buf, sizeof buf), 1000);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.plen, 300);
    c.bnxt += 300;
    hack(&c);
    CHECK(take(1, &s));
    CHECK_EQ(s.plen, 300);
    CHECK_MEM(s.payload, buf + 300, 300);
    c.bnxt += 300;
    hack(&c);
    c.bnxt += 300;
    CHECK(take(1, &s));
    hack(&c);
    CHECK(take(1, &s));
    CHECK_EQ(s.plen, 100);
    c.bnxt += 100;
    hack(&c);
    CHECK(tcp_all_acked(c.id));
}

static void test_receive_window_follows_pool(void)
{
    conn_t c = fresh_conn(4, 21, 1000, 8000);
    /* the app does not read: the window closes as the data piles up in pool buffers */
    uint8_t seg[1460];
    memset(seg, 'q', sizeof seg);
    wseg_t s;
    hsend(&c, TF_ACK, seg, 1000);
    hsend(&c, TF_ACK, seg, 1000);
    CHECK(take(1, &s));
    CHECK_EQ(s.wnd, 4380 - 2000);
    hsend(&c, TF_ACK, seg, 1000);
    hsend(&c, TF_ACK, seg, 1380);
    CHECK(take(1, &s));
    CHECK_EQ(s.wnd, 0);
    CHECK_EQ(pool_free_count(), POOL_COUNT - 4);
    /* beyond the window: dropped, ACK with window 0 */
    hsend(&c, TF_ACK, seg, 10);
    CHECK(take(1, &s));
    CHECK_EQ(s.wnd, 0);
    CHECK_EQ(s.ack, c.hseq - 10);
    c.hseq -= 10;
    CHECK_EQ(pool_free_count(), POOL_COUNT - 4);
    /* the app reads: no tiny window openings (receiver SWS avoidance), then a window update */
    tcp_release(c.id);
    CHECK(take(0, NULL));
    tcp_release(c.id);
    CHECK(take(1, &s));
    CHECK_EQ(s.wnd, 2000);
    tcp_release(c.id);
    tcp_release(c.id);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    fake_clear_frames();

    /* many small segments: the pool, not TCP_WINDOW, is the limit (one buffer each). The advertised
     * window falls to 0 once only the reserve would be left; a host that ignores it (as this one does)
     * gets what was promised before into the last buffers, then loses frames at the driver. */
    pool_reset_stats();
    uint32_t first = c.hseq;
    for (int i = 0; i < 20; i++) hsend(&c, TF_ACK, "c", 1);
    CHECK(take(6, &s)); /* every second segment acknowledged */
    CHECK_EQ(s.wnd, 0);
    CHECK_EQ(s.ack, first + 12);
    CHECK_EQ(pool_free_count(), 0);
    CHECK_EQ(pool_low_water(), 0);
    CHECK_EQ(g_counters.rx_no_buffer, 8);
    const uint8_t *d;
    size_t n;
    int got = 0;
    while (tcp_peek(c.id, &d, &n)) {
        CHECK_EQ(n, 1);
        tcp_release(c.id);
        got++;
    }
    CHECK_EQ(got, 12);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    CHECK(fake_frame_count() >= 1); /* window updates as buffers came back */
    CHECK(w_last(&s));
    CHECK_EQ(s.wnd, 4380);
}

static void test_send_pool_exhaustion(void)
{
    setup();
    /* three connections with peers that never ack: TX buffers stop at the reserve */
    conn_t c[3];
    uint8_t buf[1000];
    memset(buf, 'z', sizeof buf);
    size_t total = 0;
    for (int i = 0; i < 3; i++) {
        memset(&c[i], 0, sizeof c[i]);
        c[i].fam = 4;
        c[i].hp = (uint16_t)(41000 + i);
        c[i].bp = 21;
        c[i].hseq = 5;
        c[i].hwnd = 60000;
        if (i == 0) c[i].lis = tcp_listen(21, 4);
        else c[i].lis = c[0].lis;
        w_send_mss(4, c[i].hp, 21, c[i].hseq, TF_SYN, 60000, 1000);
        wseg_t s;
        CHECK(take(1, &s));
        c[i].hseq++;
        c[i].bnxt = s.seq + 1;
        hack(&c[i]);
        c[i].id = tcp_accept(c[i].lis);
        CHECK(c[i].id >= 0);
        for (int k = 0; k < 6; k++) total += tcp_send(c[i].id, buf, sizeof buf);
        fake_clear_frames();
    }
    CHECK_EQ(total, (POOL_COUNT - POOL_RESERVE) * 1000);
    CHECK_EQ(pool_free_count(), POOL_RESERVE);
    CHECK_EQ(tcp_send(c[2].id, buf, 1), 0);
    CHECK_EQ(tcp_send_space(c[2].id), 0);
    /* the reserve still lets ACKs in: acking frees buffers */
    c[0].bnxt += 2000;
    hack(&c[0]);
    CHECK_EQ(pool_free_count(), POOL_RESERVE + 2);
    CHECK(tcp_send(c[2].id, buf, 1000) == 1000);
    fake_clear_frames();
    for (int i = 0; i < 3; i++) tcp_abort(c[i].id);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_options_parsing(void)
{
    setup();
    tcp_listen(21, 4);
    uint8_t f[300];
    wseg_t s;
    /* NOP, window scale, SACK permitted, timestamps, then MSS: all skipped but MSS */
    const uint8_t o1[] = {1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 2, 4, 0x01, 0xF4};
    size_t n = w_build_tcp(f, 4, 40000, 21, 1, 0, TF_SYN, 8000, o1, sizeof o1, NULL, 0);
    w_inject(f, n);
    CHECK(take(1, &s));
    CHECK_EQ(s.mss, 1460); /* ours; no window scale echoed */
    CHECK_EQ(s.frame_len, 44);
    w_send(4, 40000, 21, 2, s.seq + 1, TF_ACK, 8000, NULL, 0);
    tcp_id id = tcp_accept(0);
    CHECK(id >= 0);
    uint8_t buf[600];
    memset(buf, 0, sizeof buf);
    CHECK_EQ(tcp_send(id, buf, sizeof buf), 600);
    CHECK(take(2, &s));
    CHECK_EQ(s.plen, 100); /* MSS 500 taken */
    /* malformed option lists: zero length, length past the header, lone kind byte */
    const uint8_t o2[] = {8, 0, 2, 4};
    const uint8_t o3[] = {1, 1, 2, 40};
    const uint8_t o4[] = {1, 1, 1, 2};
    const uint8_t *bad[] = {o2, o3, o4};
    for (int i = 0; i < 3; i++) {
        n = w_build_tcp(f, 4, (uint16_t)(40010 + i), 21, 1, 0, TF_SYN, 8000, bad[i], 4, NULL, 0);
        w_inject(f, n);
        CHECK(take(1, &s));
        CHECK_EQ(s.flags, TF_SYN | TF_ACK);
    }
}

static void test_listen_api(void)
{
    setup();
    tcp_id a = tcp_listen(21, 4);
    CHECK(a >= 0);
    CHECK_EQ(tcp_listen(21, 4), -1);
    CHECK_EQ(tcp_listen(0, 4), -1);
    CHECK_EQ(tcp_state(a), TCP_LISTEN);
    CHECK_EQ(tcp_accept(-1), -1);
    CHECK_EQ(tcp_accept(99), -1);
    CHECK_EQ(tcp_state(99), TCP_CLOSED);
    tcp_close(a);
    CHECK_EQ(tcp_state(a), TCP_CLOSED);
    CHECK(tcp_listen(21, 4) >= 0);
    /* the table fills up and says so */
    int n = 1;
    while (tcp_listen((uint16_t)(1000 + n), 1) >= 0) n++;
    CHECK_EQ(n, TCP_MAX_SOCKETS);
    CHECK_EQ(g_counters.tcp_no_pcb, 1);
}

static void test_time_wait_reuse(void)
{
    conn_t c = fresh_conn(4, 21, 1460, 8000);
    tcp_close(c.id);
    CHECK(take(1, NULL));
    c.bnxt++;
    hack(&c);
    hsend(&c, TF_ACK | TF_FIN, NULL, 0);
    CHECK(take(1, NULL));
    CHECK_EQ(tcp_state(c.id), TCP_TIME_WAIT);
    /* a new SYN on the same ports replaces the TIME-WAIT connection */
    w_send_mss(4, c.hp, 21, c.hseq + 100000, TF_SYN, 8000, 1460);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_SYN | TF_ACK);
    CHECK_EQ(s.ack, c.hseq + 100001);
}

static void test_never_over_mtu(void)
{
    conn_t c = fresh_conn(6, 21, 9000, 60000); /* the peer offers more than our MTU allows */
    uint8_t buf[4000];
    memset(buf, 7, sizeof buf);
    CHECK_EQ(tcp_send(c.id, buf, sizeof buf), 4000);
    wseg_t s;
    CHECK(w_out(0, &s));
    CHECK_EQ(s.plen, 1440);
    CHECK_EQ(s.frame_len, 1500);
    CHECK(fake_max_frame_len() <= NET_MTU);
}

/* Issue 4: buffers freed anywhere reopen a window that pool pressure closed, by a window update from
 * tcp_poll (not by waiting for the peer's zero-window probe), but only in steps of min(MSS, half the
 * buffer) = 1460 here (receiver SWS avoidance). */
static void test_window_update_after_pool_frees(void)
{
    setup();
    conn_t a, b;
    CHECK(open_passive(&a, 4, 21, 1460, 8000));
    CHECK(open_passive(&b, 4, 22, 1460, 8000));
    /* B's app does not read: 8 buffers */
    for (int i = 0; i < 8; i++) hsend(&b, TF_ACK | TF_PSH, "b", 1);
    fake_clear_frames();
    CHECK_EQ(pool_free_count(), POOL_COUNT - 8);
    /* A's peer sends two segments: only the reserve is left, A's ACK says window 0 */
    hsend(&a, TF_ACK | TF_PSH, "a", 1);
    hsend(&a, TF_ACK | TF_PSH, "a", 1);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.sport, 21);
    CHECK_EQ(s.wnd, 0);
    CHECK_EQ(pool_free_count(), POOL_RESERVE);
    CHECK_EQ(net_next_timer(fake_now), fake_now + 60000); /* nothing to reopen yet */
    /* B's app reads one segment: one buffer (worth one MSS, a whole step) comes back */
    tcp_release(b.id);
    CHECK(take(0, NULL)); /* B itself still has a large window advertised: no update for it */
    CHECK_EQ(net_next_timer(fake_now), fake_now); /* poll at once */
    at(10);
    CHECK(take(1, &s));
    CHECK_EQ(s.sport, 21);
    CHECK_EQ(s.flags, TF_ACK);
    CHECK_EQ(s.plen, 0);
    CHECK_EQ(s.ack, a.hseq);
    CHECK_EQ(s.wnd, 1460);
    at(11);
    CHECK(take(0, NULL)); /* once */
    /* A's peer uses 1000 of the 1460 (delayed ACK: nothing sent); 460 remain advertised */
    uint8_t big[1000];
    memset(big, 'k', sizeof big);
    hsend(&a, TF_ACK, big, sizeof big);
    CHECK(take(0, NULL));
    /* one more buffer back would offer 1460: only 1000 over the 460 the peer knows, less than a step */
    tcp_release(b.id);
    at(20);
    CHECK(take(0, NULL));
    /* a second one makes it 2920: update (and it acknowledges the 1000 bytes) */
    tcp_release(b.id);
    at(30);
    CHECK(take(1, &s));
    CHECK_EQ(s.sport, 21);
    CHECK_EQ(s.wnd, 2920);
    CHECK_EQ(s.ack, a.hseq);
    at(1000);
    CHECK(take(0, NULL)); /* no delayed ACK left over */
    tcp_abort(a.id);
    tcp_abort(b.id);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

/* The same when the buffers come back because our data was acknowledged or a connection went away. */
static void test_window_update_after_ack_and_close(void)
{
    setup();
    conn_t a, b;
    CHECK(open_passive(&a, 4, 21, 1460, 8000));
    CHECK(open_passive(&b, 4, 22, 1460, 60000));
    uint8_t buf[1460];
    memset(buf, 'd', sizeof buf);
    for (int i = 0; i < 4; i++) CHECK_EQ(tcp_send(b.id, buf, sizeof buf), 1460);
    CHECK_EQ(tx_bufs(b.id), 4);
    fake_clear_frames();
    for (int i = 0; i < 6; i++) hsend(&a, TF_ACK | TF_PSH, "x", 1);
    wseg_t s;
    CHECK(take(3, &s));
    CHECK_EQ(s.wnd, 0);
    CHECK_EQ(pool_free_count(), POOL_RESERVE);
    /* the host acknowledges B's data: 4 buffers back, A's window reopens at the next poll */
    b.bnxt += 4 * 1460;
    hack(&b);
    CHECK(take(0, NULL));
    at(5);
    CHECK(take(1, &s));
    CHECK_EQ(s.sport, 21);
    CHECK_EQ(s.wnd, 4380 - 6);
    /* B's peer sends 4 segments B's app does not read, A's peer two more: A's window is 0 again */
    for (int i = 0; i < 4; i++) hsend(&b, TF_ACK | TF_PSH, "y", 1);
    fake_clear_frames();
    hsend(&a, TF_ACK | TF_PSH, "x", 1);
    hsend(&a, TF_ACK | TF_PSH, "x", 1);
    CHECK(take(1, &s));
    CHECK_EQ(s.wnd, 0);
    /* B is aborted: its 4 buffers come back, A hears of it */
    tcp_abort(b.id);
    CHECK(take(1, NULL)); /* B's RST */
    at(6);
    CHECK(take(1, &s));
    CHECK_EQ(s.sport, 21);
    CHECK_EQ(s.flags, TF_ACK);
    CHECK_EQ(s.wnd, 2 * 1460);
    tcp_abort(a.id);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

/* A SYN-ACK offers one segment whenever two buffers are free once the SYN's own is back (one for that
 * segment, one for the driver); with less it says 0 and is sent again as soon as buffers come back. */
static void test_synack_window_nearly_full_pool(void)
{
    setup();
    tcp_id l = tcp_listen(21, 4);
    wseg_t s;
    hold_until_free(POOL_RESERVE + 1); /* the SYN's buffer leaves the reserve */
    w_send_mss(4, 40000, 21, 100, TF_SYN, 8000, 1460);
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_SYN | TF_ACK);
    CHECK_EQ(s.wnd, 1460);
    hold_until_free(2);
    w_send_mss(4, 40001, 21, 200, TF_SYN, 8000, 1460);
    CHECK(take(1, &s));
    CHECK_EQ(s.flags, TF_SYN | TF_ACK);
    CHECK_EQ(s.wnd, 1460); /* borrowed from the reserve: one buffer stays for the driver */
    hold_until_free(1);
    w_send_mss(4, 40002, 21, 300, TF_SYN, 8000, 1460);
    CHECK(take(1, &s));
    CHECK_EQ(s.wnd, 0);
    uint32_t iss = s.seq;
    give_back(2);
    at(5);
    CHECK(take(1, &s)); /* the SYN-ACK again, now with a window */
    CHECK_EQ(s.flags, TF_SYN | TF_ACK);
    CHECK_EQ(s.dport, 40002);
    CHECK_EQ(s.seq, iss);
    CHECK_EQ(s.wnd, 1460);
    at(6);
    CHECK(take(0, NULL));
    /* the handshake completes; the app's first reply, sent with the pool at its reserve, still offers
     * a window: the buffer it sits in comes back with the ACK any answer to it carries */
    w_send(4, 40002, 21, 301, iss + 1, TF_ACK, 8000, NULL, 0);
    tcp_id id = tcp_accept(l);
    CHECK(id >= 0);
    give_back(POOL_COUNT);
    hold_until_free(POOL_RESERVE + 1);
    CHECK_EQ(tcp_send(id, (const uint8_t *)"220 Connection Ready \r\n", 23), 23);
    CHECK(take(1, &s));
    CHECK_EQ(s.plen, 23);
    CHECK_EQ(s.wnd, 1460);
    CHECK_EQ(pool_free_count(), POOL_RESERVE);
    /* the USER command fits and acknowledges the 220 */
    w_send(4, 40002, 21, 301, iss + 24, TF_ACK | TF_PSH, 8000, "USER hil\r\n", 10);
    const uint8_t *d;
    size_t n;
    CHECK(tcp_peek(id, &d, &n));
    CHECK_EQ(n, 10);
    CHECK_EQ(tx_bufs(id), 0);
    give_back(POOL_COUNT);
    tcp_abort(id);
    tcp_abort(l);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

/* Once data is queued, TX buffers only for what the peer's window can take: a streaming sender (one MSS
 * per call) keeps the rest in the application. An idle socket still takes a whole call. */
static void test_tx_buffers_follow_peer_window(void)
{
    conn_t c = fresh_conn(4, 21, 1000, 2000); /* the peer's window: two segments */
    uint8_t buf[5000];
    memset(buf, 'w', sizeof buf);
    int accepted = 0;
    for (int i = 0; i < 5; i++) accepted += tcp_send(c.id, buf, 1000) == 1000;
    CHECK_EQ(accepted, 2); /* not TCP_MAX_INFLIGHT (4) */
    CHECK_EQ(tx_bufs(c.id), 2);
    CHECK(take(2, NULL));
    CHECK_EQ(tcp_send_space(c.id), 0);
    c.bnxt += 1000;
    hack(&c);
    CHECK_EQ(tcp_send_space(c.id), 1000);
    CHECK_EQ(tcp_send(c.id, buf, sizeof buf), 1000);
    CHECK(take(1, NULL));
    /* what is left of the window rounds up to whole buffers (at most one MSS beyond it) */
    c.bnxt += 500;
    hack(&c);
    CHECK_EQ(tcp_send_space(c.id), 1000); /* 1500 queued, window 2000: 500 bytes -> one buffer */
    /* all acknowledged, window 0: an idle socket takes a whole message (its first byte is probed) */
    c.bnxt += 1500;
    c.hwnd = 0;
    hack(&c);
    CHECK(tcp_all_acked(c.id));
    CHECK_EQ(tcp_send_space(c.id), 4000);
    CHECK_EQ(tcp_send(c.id, buf, 1500), 1500);
    CHECK_EQ(tcp_send(c.id, buf, 1000), 0);
    CHECK(take(0, NULL));
    at(1000);
    wseg_t s;
    CHECK(take(1, &s));
    CHECK_EQ(s.plen, 1); /* the probe */
    tcp_abort(c.id);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

/* Every way a connection ends gives every buffer back: unread received segments at once (they can
 * never be read), unacknowledged ones when nothing will resend them. */
enum { END_PASSIVE_FIN, END_ACTIVE_FIN, END_RST_IN, END_ABORT, END_RTX_TIMEOUT, END_FIN_WAIT_2_TIMEOUT,
       END_PERSIST_TIMEOUT, END_COUNT };

static void test_buffers_back_after_every_close(void)
{
    static const char *const names[] = {"passive FIN", "active FIN", "RST in", "abort", "retransmission timeout",
                                        "FIN-WAIT-2 timeout", "persist timeout"};
    for (int k = 0; k < END_COUNT; k++) {
        int before = t_failures;
        conn_t c = fresh_conn(4, 21, 1000, 8000);
        hsend(&c, TF_ACK | TF_PSH, "one", 3);
        hsend(&c, TF_ACK | TF_PSH, "two", 3);
        uint8_t buf[500];
        memset(buf, 'q', sizeof buf);
        CHECK_EQ(tcp_send(c.id, buf, sizeof buf), 500);
        CHECK_EQ(tcp_send(c.id, buf, sizeof buf), 500);
        fake_clear_frames();
        CHECK_EQ(rx_bufs(c.id), 2);
        CHECK_EQ(tx_bufs(c.id), 2);
        CHECK_EQ(pool_free_count(), POOL_COUNT - 4);
        switch (k) {
        case END_PASSIVE_FIN:
            hsend(&c, TF_ACK | TF_FIN, NULL, 0);
            CHECK_EQ(tcp_state(c.id), TCP_CLOSE_WAIT);
            tcp_close(c.id); /* unread data dropped at once */
            CHECK_EQ(rx_bufs(c.id), 0);
            CHECK_EQ(pool_free_count(), POOL_COUNT - 2);
            c.bnxt += 1001;
            hack(&c);
            CHECK_EQ(tcp_state(c.id), TCP_CLOSED);
            break;
        case END_ACTIVE_FIN:
            tcp_close(c.id);
            CHECK_EQ(rx_bufs(c.id), 0);
            c.bnxt += 1001;
            hack(&c);
            CHECK_EQ(tcp_state(c.id), TCP_FIN_WAIT_2);
            CHECK_EQ(pool_free_count(), POOL_COUNT);
            hsend(&c, TF_ACK | TF_PSH, "late", 4); /* acknowledged and discarded, never queued */
            CHECK_EQ(pool_free_count(), POOL_COUNT);
            hsend(&c, TF_ACK | TF_FIN, NULL, 0);
            CHECK_EQ(tcp_state(c.id), TCP_TIME_WAIT);
            at(fake_now + TCP_TIME_WAIT_MS);
            break;
        case END_RST_IN:
            w_send(4, c.hp, c.bp, c.hseq, 0, TF_RST, 0, NULL, 0);
            CHECK_EQ(tcp_state(c.id), TCP_CLOSED);
            CHECK_EQ(pool_free_count(), POOL_COUNT); /* before the app's tcp_free */
            tcp_free(c.id);
            break;
        case END_ABORT:
            tcp_abort(c.id);
            break;
        case END_RTX_TIMEOUT:
            for (uint32_t t = 1000; t <= 40000 && tcp_state(c.id) != TCP_CLOSED; t += 1000) at(t);
            CHECK_EQ(tcp_state(c.id), TCP_CLOSED);
            CHECK(tcp_reset_seen(c.id));
            CHECK_EQ(pool_free_count(), POOL_COUNT); /* the unread segments too: the app can only free now */
            tcp_free(c.id);
            break;
        case END_FIN_WAIT_2_TIMEOUT:
            tcp_close(c.id);
            c.bnxt += 1001;
            hack(&c);
            CHECK_EQ(tcp_state(c.id), TCP_FIN_WAIT_2);
            hsend(&c, TF_ACK | TF_PSH, "late", 4);
            at(TCP_FIN_WAIT_2_MS + 1);
            break;
        case END_PERSIST_TIMEOUT:
            c.bnxt += 1000;
            c.hwnd = 0;
            hack(&c); /* everything acknowledged, window closed */
            CHECK_EQ(tcp_send(c.id, buf, sizeof buf), 500);
            for (uint32_t t = 1000; t <= 120000 && tcp_state(c.id) != TCP_CLOSED; t += 500) {
                at(t);
                hack(&c); /* the host answers every probe: still 0 */
            }
            CHECK_EQ(tcp_state(c.id), TCP_CLOSED);
            tcp_free(c.id);
            break;
        default:
            break;
        }
        fake_clear_frames();
        CHECK_EQ(tcp_state(c.id), TCP_CLOSED);
        CHECK_EQ(rx_bufs(c.id) + tx_bufs(c.id), 0);
        CHECK_EQ(pool_free_count(), POOL_COUNT);
        if (t_failures != before) fprintf(stderr, "    (after: %s)\n", names[k]);
    }
    /* a connection still in the listener's backlog, with data, when the listener closes */
    setup();
    tcp_id l = tcp_listen(21, 4);
    w_send_mss(4, 40000, 21, 10, TF_SYN, 8000, 1460);
    wseg_t s;
    CHECK(take(1, &s));
    w_send(4, 40000, 21, 11, s.seq + 1, TF_ACK | TF_PSH, 8000, "early", 5);
    CHECK_EQ(pool_free_count(), POOL_COUNT - 1);
    tcp_close(l);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}


/* Stateful fuzz: a host that mostly follows the conversation but picks random sequence numbers, ACKs,
 * flags, windows, sizes and timing, against an application that randomly reads, sends, closes and
 * aborts. Every frame out must be well-formed and within the MTU, nothing may crash (ASan/UBSan), and
 * once everything is torn down every pool buffer must be back. Deterministic seed. */
static uint32_t g_fx = 0xC0FFEEu;
static uint32_t frnd(void) { return t_xorshift(&g_fx); }

static void test_stateful_fuzz(void)
{
    setup();
    const char *seed = getenv("HILFTP_FUZZ_SEED"); /* default fixed; set it to explore */
    if (seed != NULL && atol(seed) != 0) g_fx = (uint32_t)atol(seed);
    tcp_id l = tcp_listen(21, 4);
    static uint8_t junk[1600];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)frnd();
    unsigned frames = 0, bad = 0, established = 0;
    for (int round = 0; round < 400; round++) {
        int fam = (frnd() & 1) ? 6 : 4;
        uint16_t hp = (uint16_t)(30000 + (frnd() % 8));
        uint32_t hseq = frnd();
        uint32_t bmax = 0; /* highest board sequence number seen + 1 */
        bool have_b = false;
        uint16_t mss = (uint16_t)(frnd() % 3 == 0 ? 0 : 1 + frnd() % 2000);
        tcp_id app = -1;
        fake_clear_frames();
        if (mss) w_send_mss(fam, hp, 21, hseq, TF_SYN, (uint16_t)frnd(), mss);
        else w_send(fam, hp, 21, hseq, 0, TF_SYN, (uint16_t)frnd(), NULL, 0);
        hseq++;
        for (int k = 0; k < 150; k++) {
            /* look at what the board sent */
            for (size_t i = 0; i < fake_frame_count(); i++) {
                size_t n;
                const uint8_t *f = fake_frame(i, &n);
                wseg_t s;
                frames++;
                if (n > NET_MTU) bad++;
                if (!w_parse_tcp(f, n, &s)) continue;
                if (!s.ip_ok || !s.tcp_ok) bad++;
                if (s.dport != hp) continue;
                uint32_t end = s.seq + (uint32_t)s.plen + ((s.flags & (TF_SYN | TF_FIN)) ? 1u : 0u);
                if (!have_b || (int32_t)(end - bmax) > 0) bmax = end;
                have_b = true;
            }
            fake_clear_frames();
            if (app < 0) {
                app = tcp_accept(l);
                if (app >= 0) established++;
            }
            unsigned a = frnd() % 16;
            uint32_t seq = hseq, ack = bmax;
            if (frnd() % 8 == 0) seq += (uint32_t)((int32_t)(frnd() % 6000) - 3000);
            if (frnd() % 8 == 0) ack += (uint32_t)((int32_t)(frnd() % 6000) - 3000);
            uint16_t wnd = (uint16_t)(frnd() % 4 == 0 ? 0 : frnd() % 4 == 0 ? frnd() % 600 : 8000 + frnd() % 50000);
            size_t plen = frnd() % 3 == 0 ? 0 : frnd() % 3 == 0 ? 1 + frnd() % 20 : frnd() % 1461;
            if (fam == 6 && plen > 1440) plen = 1440;
            if (a < 6) {
                uint8_t flags = TF_ACK;
                unsigned r = frnd() % 20;
                if (r == 0) flags |= TF_FIN;
                else if (r == 1) flags = TF_RST;
                else if (r == 2) flags = TF_SYN;
                else if (r == 3) flags = (uint8_t)frnd();
                else if (r < 8) flags |= TF_PSH;
                w_send(fam, hp, 21, seq, ack, flags, wnd, junk + (frnd() % 100), plen);
                if (seq == hseq) hseq += (uint32_t)plen + ((flags & (TF_FIN | TF_SYN)) ? 1u : 0u);
            } else if (a < 8) {
                if (app >= 0) tcp_send(app, junk, frnd() % sizeof junk);
            } else if (a < 10) {
                if (app >= 0) {
                    uint8_t buf[3000];
                    if (frnd() & 1) tcp_recv(app, buf, frnd() % sizeof buf);
                    else tcp_release(app);
                }
            } else if (a < 12) {
                fake_now += frnd() % 3000;
                net_poll(fake_now);
            } else if (a == 12) {
                if (app >= 0 && frnd() % 4 == 0) {
                    if (frnd() & 1) tcp_close(app);
                    else tcp_abort(app);
                    app = -1;
                }
            } else if (a == 13) {
                if (app >= 0 && tcp_state(app) == TCP_CLOSED) {
                    tcp_free(app);
                    app = -1;
                }
            } else if (a == 14) {
                /* an options soup on any segment */
                uint8_t opts[40];
                size_t ol = 4 * (1 + frnd() % 10);
                for (size_t i = 0; i < ol; i++) opts[i] = (uint8_t)(frnd() % 5 == 0 ? frnd() : frnd() % 9);
                uint8_t f[1600];
                size_t n = w_build_tcp(f, fam, hp, 21, seq, ack, (uint8_t)(TF_ACK | (frnd() & TF_SYN)), wnd, opts, ol,
                                       junk, plen > 1400 ? 1400 : plen);
                w_inject(f, n);
            } else {
                w_send(fam, hp, 21, hseq, bmax, TF_ACK, wnd, NULL, 0);
            }
            /* an active open from the app now and then */
            if (frnd() % 200 == 0) {
                ip_addr_t h = {4, {198, 51, 100, 1}};
                tcp_id o = tcp_connect(4, &h, 2121, 0);
                if (o >= 0 && (frnd() & 1)) tcp_abort(o);
            }
        }
        if (app >= 0) tcp_abort(app);
        if (round % 16 == 15) {
            for (int i = 0; i < TCP_MAX_SOCKETS; i++)
                if (i != l) tcp_abort(i);
        }
    }
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) tcp_abort(i);
    for (int i = 0; i < 100; i++) {
        fake_now += 1000;
        net_poll(fake_now);
    }
    CHECK_EQ(bad, 0);
    CHECK(established > 50);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    printf("    stateful fuzz: %u frames out, %u connections accepted, retransmits=%u ooo=%u rst_rx=%u\n", frames,
           established, g_counters.tcp_retransmits, g_counters.tcp_ooo_dropped, g_counters.tcp_rst_rx);
}

int main(void)
{
    RUN(test_passive_handshake);
    RUN(test_isn_differs);
    RUN(test_v6_handshake_and_data);
    RUN(test_mss_clamp_and_segmentation);
    RUN(test_each_send_its_own_segment);
    RUN(test_receive_and_delayed_ack);
    RUN(test_out_of_order_held);
    RUN(test_new_data_ahead_of_retransmissions);
    RUN(test_out_of_order_overlaps_and_fin);
    RUN(test_out_of_order_limits);
    RUN(test_retransmit_backoff_giveup);
    RUN(test_retransmit_then_ack_resets_rto);
    RUN(test_inflight_limit_and_newreno);
    RUN(test_fast_retransmit);
    RUN(test_fin_passive_close);
    RUN(test_fin_active_close_time_wait);
    RUN(test_simultaneous_close);
    RUN(test_fin_wait_2_timeout);
    RUN(test_rst_received);
    RUN(test_abort_sends_rst);
    RUN(test_closed_port_rst);
    RUN(test_backlog);
    RUN(test_active_open);
    RUN(test_active_open_v6_and_syn_giveup);
    RUN(test_zero_window_persist);
    RUN(test_small_peer_window);
    RUN(test_receive_window_follows_pool);
    RUN(test_send_pool_exhaustion);
    RUN(test_options_parsing);
    RUN(test_listen_api);
    RUN(test_time_wait_reuse);
    RUN(test_never_over_mtu);
    RUN(test_window_update_after_pool_frees);
    RUN(test_window_update_after_ack_and_close);
    RUN(test_synack_window_nearly_full_pool);
    RUN(test_tx_buffers_follow_peer_window);
    RUN(test_buffers_back_after_every_close);
    RUN(test_stateful_fuzz);
    return test_summary("tcp");
}
