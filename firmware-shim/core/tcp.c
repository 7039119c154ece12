/* tcp.c - a small static-memory TCP (RFC 9293 subset) for the firmware shim.
 *
 * Design:
 * - a static table of TCP_MAX_SOCKETS control blocks; tcp_id = index.
 * - receive: an accepted data segment stays in the pool buffer it arrived in (meta.off/len frame its
 *   payload) on the socket's rx queue until the application releases it. A segment beyond a hole is answered
 *   with an immediate duplicate ACK and, when it lies inside the advertised window, held in its buffer on the
 *   socket's out-of-order queue (at most TCP_MAX_OOO buffers, never the pool's last POOL_RESERVE) until the
 *   hole is filled (RFC 9293 3.10.7.4: "SHOULD be held"). Without that a sender in loss recovery that sends
 *   new data ahead of its retransmissions (Linux does) would lose that new data at every recovery, and a
 *   NewReno sender cannot leave recovery until something above its recovery point is acknowledged: it
 *   would be left with ever longer retransmission timeouts (Karn: no RTT sample from retransmitted data).
 * - send: each tcp_send call copies its bytes into pool buffers of at most one MSS each (payload only; the
 *   headers are built into a scratch buffer at every (re)transmission), so segments never mix two calls.
 *   At most TCP_MAX_INFLIGHT buffers are queued per socket; a buffer is freed when its bytes are acked.
 * - receive window = min(TCP_WINDOW - unread bytes, (free pool buffers - POOL_RESERVE) * MSS); see
 *   rcv_window() for what counts as free. It may shrink under pool pressure (data already promised is
 *   still accepted) and is reopened by a window update ACK as soon as it could grow by one SWS step
 *   (min(MSS, TCP_WINDOW / 2), RFC 1122 4.2.3.3): from tcp_release/tcp_recv for the reading
 *   connection, and from tcp_poll for every connection left below one step when pool buffers come
 *   back anywhere (pool_free_generation()).
 * - send: once a socket has data queued, it fills more pool buffers only for what its peer's window can
 *   take now (tx_bufs_allowed); the rest waits in the application.
 * - loss: retransmission timer (TCP_RTO_MS, doubled per retry up to TCP_RTO_MAX_MS, abort after
 *   TCP_MAX_RETRIES) and fast retransmit on the third duplicate ACK both resend only the oldest
 *   unacknowledged segment; each partial ACK then resends the next hole (NewReno, RFC 6582).
 * - timers: persist (zero-window probes of one byte), delayed ACK (every 2nd segment at once),
 *   TIME-WAIT (TCP_TIME_WAIT_MS).
 */
#include "tcp_core.h"

#include <string.h>

#include "config.h"
#include "counters.h"
#include "ip.h"
#include "net.h"
#include "pool.h"
#include "port.h"

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LE(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GE(a, b) SEQ_LE(b, a)
#define TIME_DUE(now, t) ((int32_t)((uint32_t)(now) - (uint32_t)(t)) >= 0)

/* Out-of-order buffers a connection may hold: a window's worth of full segments needs at most
 * TCP_WINDOW / MSS of them; the cap guards the pool against a peer sending many small pieces. */
#ifndef TCP_MAX_OOO
#define TCP_MAX_OOO TCP_MAX_INFLIGHT
#endif
/* pkt_meta_t.flags of a held out-of-order segment: it carried the peer's FIN. */
#define PKT_FIN 0x01

/* MSS we advertise and the most we send, per family: the profile's TCP_MSS is the IPv4 figure. */
#define MSS_CAP(hdrs) ((NET_MAX_DGRAM - (hdrs)) < 0 ? 0 : (NET_MAX_DGRAM - (hdrs)))
#define V4_MSS_MAX ((TCP_MSS) < MSS_CAP(40) ? (TCP_MSS) : MSS_CAP(40))
#define V6_MSS_MAX ((TCP_MSS - 20) < MSS_CAP(60) ? (TCP_MSS - 20) : MSS_CAP(60))

typedef struct {
    uint8_t used;
    uint8_t state;
    uint8_t family;
    uint8_t app_closed;  /* the app called tcp_close: free the slot once CLOSED */
    uint8_t reset_seen;
    uint8_t accepted;    /* handed to the app (by tcp_accept, or created by connect/listen) */
    uint8_t fin_queued;  /* FIN wanted after the queued data; its sequence number is fin_seq */
    uint8_t fin_rcvd;
    uint8_t ack_now;
    uint8_t ack_pending; /* in-order data segments not yet acknowledged */
    uint8_t backlog;     /* listeners */
    uint8_t retries;
    uint8_t probes;
    uint8_t dupacks;
    uint8_t cwnd;        /* segments we may have in flight (1 after a timeout, grows per ACK) */
    uint8_t in_recovery; /* a loss is being repaired: every partial ACK up to `recover` resends the next hole */
    uint32_t recover;
    uint8_t rtx_on, persist_on, delack_on, tw_on;
    int16_t parent;      /* listener of a passive child not yet accepted, -1 */
    uint16_t lport, rport;
    uint8_t raddr[16];
    uint16_t snd_mss, rcv_mss;
    uint32_t iss, irs;
    uint32_t snd_una, snd_nxt, snd_max, snd_end, fin_seq;
    uint32_t snd_wnd, snd_wl1, snd_wl2;
    uint32_t rcv_nxt;
    uint32_t rcv_adv;  /* furthest right edge ever advertised: data up to it is accepted */
    uint32_t rcv_edge; /* right edge of the latest advertisement (may be left of rcv_adv) */
    pkt_t txq_head, txq_tail;
    uint8_t txq_count;
    pkt_t rxq_head, rxq_tail;
    uint32_t rxq_bytes;
    pkt_t oooq_head; /* held out-of-order segments, ascending, not overlapping, all beyond rcv_nxt */
    uint16_t ooo_count;
    uint32_t rto, rtx_at, persist_ivl, persist_at, delack_at, tw_at;
    uint32_t stamp; /* creation order */
} tcb_t;

static tcb_t g_tcb[TCP_MAX_SOCKETS];
/* The buffer of the segment tcp_input is working on while it is not queued on a socket: it goes back
 * to the pool as soon as tcp_input returns, so windows advertised meanwhile count it as free. */
static pkt_t g_in_pkt = PKT_NONE;
/* pool_free_generation() when tcp_poll last looked for windows to reopen. */
static uint32_t g_pool_gen;
static uint32_t g_stamp;
static uint32_t g_rng;
static uint16_t g_next_eph;
static int g_next_slot;

/* ---------------------------------------------------------------- helpers */

static uint32_t rng_next(void)
{
    /* xorshift32, stirred with the clock at every draw */
    uint32_t x = g_rng ^ (port_now_ms() * 2654435761u);
    if (x == 0) x = 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    g_rng = x;
    return x;
}

static tcb_t *get(tcp_id s)
{
    if (s < 0 || s >= TCP_MAX_SOCKETS || !g_tcb[s].used) return NULL;
    return &g_tcb[s];
}

static tcp_id id_of(const tcb_t *c)
{
    return (tcp_id)(c - g_tcb);
}

static uint16_t mss_max(uint8_t family)
{
    return (uint16_t)(family == 6 ? V6_MSS_MAX : V4_MSS_MAX);
}

static uint32_t now(void)
{
    return port_now_ms();
}

static void free_queue(pkt_t *head, pkt_t *tail)
{
    pkt_t p = *head;
    while (p != PKT_NONE) {
        pkt_t n = pool_meta(p)->next;
        pool_free(p);
        p = n;
    }
    *head = *tail = PKT_NONE;
}

static void free_ooo(tcb_t *c)
{
    pkt_t tail = PKT_NONE;
    free_queue(&c->oooq_head, &tail);
    c->ooo_count = 0;
}

static void release_slot(tcb_t *c)
{
    free_queue(&c->txq_head, &c->txq_tail);
    free_queue(&c->rxq_head, &c->rxq_tail);
    free_ooo(c);
    memset(c, 0, sizeof *c);
    c->state = TCP_CLOSED;
    c->parent = -1;
    c->txq_head = c->txq_tail = c->rxq_head = c->rxq_tail = c->oooq_head = PKT_NONE;
    net_touch();
}

static void stop_timers(tcb_t *c)
{
    c->rtx_on = c->persist_on = c->delack_on = c->tw_on = 0;
}

/* The connection is over. Slots nobody will tcp_free (closed by the app, or never accepted) go now. */
static void enter_closed(tcb_t *c, bool error)
{
    c->state = TCP_CLOSED;
    if (error) c->reset_seen = 1;
    stop_timers(c);
    free_queue(&c->txq_head, &c->txq_tail);
    c->txq_count = 0;
    free_ooo(c);
    if (error) {
        free_queue(&c->rxq_head, &c->rxq_tail);
        c->rxq_bytes = 0;
    }
    if (c->app_closed || !c->accepted) release_slot(c);
    net_touch();
}

static tcb_t *alloc_slot(void)
{
    for (int k = 0; k < TCP_MAX_SOCKETS; k++) {
        int i = (g_next_slot + k) % TCP_MAX_SOCKETS;
        if (!g_tcb[i].used) {
            g_next_slot = (i + 1) % TCP_MAX_SOCKETS;
            tcb_t *c = &g_tcb[i];
            release_slot(c);
            c->used = 1;
            c->stamp = ++g_stamp;
            c->cwnd = TCP_MAX_INFLIGHT > 255 ? 255 : TCP_MAX_INFLIGHT;
            c->rto = TCP_RTO_MS;
            return c;
        }
    }
    /* table full: the oldest TIME-WAIT slot makes room */
    tcb_t *old = NULL;
    for (int i = 0; i < TCP_MAX_SOCKETS; i++)
        if (g_tcb[i].state == TCP_TIME_WAIT && (old == NULL || SEQ_LT(g_tcb[i].stamp, old->stamp))) old = &g_tcb[i];
    if (old != NULL) {
        release_slot(old);
        return alloc_slot();
    }
    COUNT(tcp_no_pcb);
    return NULL;
}

/* ---------------------------------------------------------------- output */

static void emit(uint8_t family, const uint8_t *raddr, uint16_t lport, uint16_t rport, uint32_t seq,
                 uint32_t ack, uint8_t flags, uint16_t wnd, uint16_t mss_opt, const uint8_t *payload, size_t plen)
{
    uint8_t h[TCP_HDR_LEN + 4];
    size_t hl = TCP_HDR_LEN + (mss_opt ? 4u : 0u);
    ip_addr_t local;
    if (!ip_local_addr(family, &local)) return;
    wr16(h, lport);
    wr16(h + 2, rport);
    wr32(h + 4, seq);
    wr32(h + 8, ack);
    h[12] = (uint8_t)((hl / 4u) << 4);
    h[13] = flags;
    wr16(h + 14, wnd);
    wr16(h + 16, 0);
    wr16(h + 18, 0);
    if (mss_opt) {
        h[20] = 2;
        h[21] = 4;
        wr16(h + 22, mss_opt);
    }
    uint32_t acc = ip_pseudo_sum(family, local.addr, raddr, IP_PROTO_TCP, hl + plen);
    acc = ip_sum(acc, h, hl);
    acc = ip_sum(acc, payload, plen);
    wr16(h + 16, ip_sum_finish(acc));
    if (ip_send(family, IP_PROTO_TCP, raddr, h, hl, payload, plen)) {
        COUNT(tcp_tx_segments);
        if (flags & F_RST) COUNT(tcp_rst_tx);
    }
}

/* Receiver silly-window avoidance step: min(one MSS, half the receive buffer) (RFC 1122 4.2.3.3). No
 * window below it is offered, and a window update goes out only when the window grew by it. */
static uint32_t sws_step(const tcb_t *c)
{
    uint32_t step = c->rcv_mss < TCP_WINDOW / 2 ? c->rcv_mss : TCP_WINDOW / 2;
    return step == 0 ? 1 : step;
}

/* c's buffers whose data has been sent, up to sent_end. */
static uint32_t sent_bufs(const tcb_t *c, uint32_t sent_end)
{
    uint32_t n = 0;
    for (pkt_t p = c->txq_head; p != PKT_NONE; p = pool_meta(p)->next) {
        const pkt_meta_t *m = pool_meta(p);
        if (SEQ_GT(m->seq + (uint32_t)(m->len - m->off), sent_end)) break;
        n++;
    }
    return n;
}

/* Receive window to advertise now, in a segment that carries (or follows) our data up to sent_end.
 * Pool buffers counted as free for it:
 * - the free ones, and the buffer of the segment being processed when tcp_input will free it;
 * - c's own buffers of data sent up to sent_end: the peer can only use this window after receiving
 *   this segment, so its data comes with an ACK that frees them first (a request/response peer is
 *   never held up by our unacknowledged reply; a lost reply costs at most a dropped frame that is
 *   retransmitted);
 * - c's held out-of-order buffers: their data lies inside the window offered from rcv_nxt, so they are
 *   part of what the window promises, not taken from it;
 * minus POOL_RESERVE, which is kept for the driver and never promised, with one exception: a SYN or
 *   SYN-ACK offers one segment as long as two buffers are free (one for that segment, one left for the
 *   driver), so that a new connection never starts with a zero window it would then have to reopen.
 * Then capped by TCP_WINDOW minus the unread bytes, and 0 below one SWS step. It may shrink when the
 * pool runs low (other sockets hold buffers); data already promised (up to rcv_adv) is still accepted. */
static uint32_t rcv_window_for(tcb_t *c, uint32_t sent_end, bool syn)
{
    uint32_t w = c->rxq_bytes < TCP_WINDOW ? TCP_WINDOW - c->rxq_bytes : 0;
    size_t fr = pool_free_count() + (g_in_pkt != PKT_NONE ? 1u : 0u) + sent_bufs(c, sent_end) + c->ooo_count;
    uint32_t bufs = fr > POOL_RESERVE ? (uint32_t)(fr - POOL_RESERVE) : 0;
    if (syn && bufs == 0 && fr >= 2) bufs = 1;
    uint32_t by_pool = bufs * c->rcv_mss;
    if (by_pool < w) w = by_pool;
    if (w < sws_step(c)) w = 0;
    if (w > 0xffff) w = 0xffff;
    return w;
}

static uint32_t rcv_window(tcb_t *c)
{
    return rcv_window_for(c, c->snd_max, false);
}

static void send_ctl(tcb_t *c, uint32_t seq, uint8_t flags, const uint8_t *payload, size_t plen)
{
    uint32_t sent_end = seq + (uint32_t)plen;
    if (SEQ_LT(sent_end, c->snd_max)) sent_end = c->snd_max;
    uint32_t w = rcv_window_for(c, sent_end, (flags & F_SYN) != 0);
    uint16_t mss = (flags & F_SYN) ? c->rcv_mss : 0;
    if (flags & F_ACK) {
        c->rcv_edge = c->rcv_nxt + w;
        if (SEQ_GT(c->rcv_edge, c->rcv_adv)) c->rcv_adv = c->rcv_edge;
        c->ack_now = 0;
        c->ack_pending = 0;
        c->delack_on = 0;
    }
    emit(c->family, c->raddr, c->lport, c->rport, seq, (flags & F_ACK) ? c->rcv_nxt : 0, flags, (uint16_t)w, mss,
         payload, plen);
}

static void send_ack(tcb_t *c)
{
    send_ctl(c, c->snd_nxt, F_ACK, NULL, 0);
}

static void send_syn(tcb_t *c)
{
    send_ctl(c, c->iss, c->state == TCP_SYN_SENT ? F_SYN : (F_SYN | F_ACK), NULL, 0);
}

static void start_rtx(tcb_t *c)
{
    if (!c->rtx_on) {
        c->rtx_on = 1;
        c->rtx_at = now() + c->rto;
    }
}

static bool can_send_data(const tcb_t *c)
{
    switch (c->state) {
    case TCP_ESTABLISHED:
    case TCP_CLOSE_WAIT:
    case TCP_FIN_WAIT_1:
    case TCP_CLOSING:
    case TCP_LAST_ACK:
        return true;
    default:
        return false;
    }
}

/* Sends what the windows allow: queued data segments from snd_nxt, then the FIN. */
static void output(tcb_t *c)
{
    if (!can_send_data(c)) return;
    for (;;) {
        /* the buffer holding snd_nxt, and how many buffers are (partly) in flight before it */
        pkt_t p = c->txq_head;
        unsigned inflight = 0;
        while (p != PKT_NONE) {
            pkt_meta_t *m = pool_meta(p);
            uint32_t end = m->seq + (uint32_t)(m->len - m->off);
            if (SEQ_LT(c->snd_nxt, end)) break;
            inflight++;
            p = m->next;
        }
        if (p == PKT_NONE) {
            if (c->fin_queued && c->snd_nxt == c->fin_seq) {
                send_ctl(c, c->fin_seq, F_FIN | F_ACK, NULL, 0);
                c->snd_nxt = c->fin_seq + 1;
                if (SEQ_GT(c->snd_nxt, c->snd_max)) c->snd_max = c->snd_nxt;
                start_rtx(c);
            }
            return;
        }
        pkt_meta_t *m = pool_meta(p);
        bool fresh = c->snd_nxt == m->seq;
        unsigned limit = c->cwnd < TCP_MAX_INFLIGHT ? c->cwnd : TCP_MAX_INFLIGHT;
        if (fresh && inflight >= limit) return;
        uint32_t wnd_end = c->snd_una + c->snd_wnd;
        if (!SEQ_LT(c->snd_nxt, wnd_end)) {
            /* window full or zero: the persist timer probes when nothing is in flight */
            if (c->snd_nxt == c->snd_una && !c->rtx_on && !c->persist_on) {
                c->persist_on = 1;
                c->persist_ivl = c->rto;
                c->persist_at = now() + c->persist_ivl;
                c->probes = 0;
            }
            return;
        }
        uint32_t remain = m->seq + (uint32_t)(m->len - m->off) - c->snd_nxt;
        uint32_t usable = wnd_end - c->snd_nxt;
        uint32_t n = remain;
        if (n > usable) n = usable;
        if (n > c->snd_mss) n = c->snd_mss;
        /* sender silly-window avoidance: a piece of a segment only when nothing else is in flight */
        if (n < remain && c->snd_nxt != c->snd_una) return;
        const uint8_t *data = pool_data(p) + m->off + (c->snd_nxt - m->seq);
        c->persist_on = 0;
        send_ctl(c, c->snd_nxt, F_ACK | F_PSH, data, n);
        c->snd_nxt += n;
        if (SEQ_GT(c->snd_nxt, c->snd_max)) c->snd_max = c->snd_nxt;
        start_rtx(c);
    }
}

/* Retransmits the oldest unacknowledged segment (or the FIN) without touching snd_nxt. */
static void retransmit_first(tcb_t *c)
{
    pkt_t p = c->txq_head;
    if (p != PKT_NONE) {
        pkt_meta_t *m = pool_meta(p);
        uint32_t n = (uint32_t)(m->len - m->off);
        uint32_t sent = c->snd_max - m->seq;
        if (n > sent) n = sent;
        if (n > c->snd_mss) n = c->snd_mss;
        if (n == 0) return;
        send_ctl(c, m->seq, F_ACK | F_PSH, pool_data(p) + m->off, n);
        if (SEQ_GT(m->seq + n, c->snd_nxt)) c->snd_nxt = m->seq + n;
    } else if (c->fin_queued && SEQ_GT(c->snd_max, c->fin_seq)) {
        send_ctl(c, c->fin_seq, F_FIN | F_ACK, NULL, 0);
    }
}

/* ---------------------------------------------------------------- API */

void tcp_init(void)
{
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
        g_tcb[i].txq_head = g_tcb[i].txq_tail = g_tcb[i].rxq_head = g_tcb[i].rxq_tail = g_tcb[i].oooq_head = PKT_NONE;
        g_tcb[i].used = 0;
        release_slot(&g_tcb[i]);
    }
    g_stamp = 0;
    g_next_slot = 0;
    g_in_pkt = PKT_NONE;
    g_pool_gen = pool_free_generation();
    g_rng ^= port_now_ms() ^ 0x5bd1e995u;
    g_next_eph = (uint16_t)(TCP_EPHEMERAL_FIRST + rng_next() % 4096u);
}

static bool port_in_use(uint16_t port)
{
    for (int i = 0; i < TCP_MAX_SOCKETS; i++)
        if (g_tcb[i].used && g_tcb[i].lport == port) return true;
    return false;
}

tcp_id tcp_listen(uint16_t port, uint8_t backlog)
{
    if (port == 0) return -1;
    for (int i = 0; i < TCP_MAX_SOCKETS; i++)
        if (g_tcb[i].used && g_tcb[i].state == TCP_LISTEN && g_tcb[i].lport == port) return -1;
    tcb_t *c = alloc_slot();
    if (c == NULL) return -1;
    c->state = TCP_LISTEN;
    c->lport = port;
    c->backlog = backlog == 0 ? 1 : backlog;
    c->accepted = 1;
    return id_of(c);
}

tcp_id tcp_accept(tcp_id listener)
{
    tcb_t *l = get(listener);
    if (l == NULL || l->state != TCP_LISTEN) return -1;
    tcb_t *best = NULL;
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
        tcb_t *c = &g_tcb[i];
        if (!c->used || c->parent != listener || c->accepted) continue;
        if (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT) continue;
        if (best == NULL || SEQ_LT(c->stamp, best->stamp)) best = c;
    }
    if (best == NULL) return -1;
    best->accepted = 1;
    best->parent = -1;
    net_touch();
    return id_of(best);
}

tcp_id tcp_connect(uint8_t family, const ip_addr_t *remote, uint16_t rport, uint16_t lport)
{
    if (remote == NULL || rport == 0 || !ip_family_enabled(family)) return -1;
    if (lport == 0) {
        for (int k = 0; k < 16384 && lport == 0; k++) {
            uint16_t cand = g_next_eph;
            g_next_eph = (uint16_t)(g_next_eph + 1u);
            if (g_next_eph < TCP_EPHEMERAL_FIRST) g_next_eph = (uint16_t)TCP_EPHEMERAL_FIRST;
            if (cand >= TCP_EPHEMERAL_FIRST && !port_in_use(cand)) lport = cand;
        }
        if (lport == 0) return -1;
    }
    tcb_t *c = alloc_slot();
    if (c == NULL) return -1;
    c->family = family;
    memcpy(c->raddr, remote->addr, family == 6 ? 16 : 4);
    c->lport = lport;
    c->rport = rport;
    c->accepted = 1;
    c->rcv_mss = mss_max(family);
    c->snd_mss = family == 6 ? 1220 : 536;
    if (c->snd_mss > c->rcv_mss) c->snd_mss = c->rcv_mss;
    c->iss = rng_next();
    c->snd_una = c->iss;
    c->snd_nxt = c->snd_max = c->snd_end = c->iss + 1;
    c->state = TCP_SYN_SENT;
    send_syn(c);
    start_rtx(c);
    net_touch();
    return id_of(c);
}

int tcp_state(tcp_id s)
{
    tcb_t *c = get(s);
    return c == NULL ? TCP_CLOSED : c->state;
}

bool tcp_reset_seen(tcp_id s)
{
    tcb_t *c = get(s);
    return c != NULL && c->reset_seen;
}

bool tcp_peek(tcp_id s, const uint8_t **data, size_t *len)
{
    tcb_t *c = get(s);
    if (c == NULL || c->rxq_head == PKT_NONE) return false;
    pkt_meta_t *m = pool_meta(c->rxq_head);
    *data = pool_data(c->rxq_head) + m->off;
    *len = (size_t)(m->len - m->off);
    return true;
}

/* The window the peer last heard of (right edge of our latest advertisement minus rcv_nxt). */
static uint32_t adv_window(const tcb_t *c)
{
    return SEQ_GT(c->rcv_edge, c->rcv_nxt) ? c->rcv_edge - c->rcv_nxt : 0;
}

/* States in which the peer may still send us data. */
static bool receiving(const tcb_t *c)
{
    return c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 || c->state == TCP_FIN_WAIT_2;
}

/* Window update (RFC 1122 4.2.3.3, RFC 9293 3.8.6.2.2): an ACK when the window we could offer is at
 * least one SWS step larger than the one the peer last heard of; smaller openings wait. */
static void window_update(tcb_t *c)
{
    if (receiving(c) && rcv_window(c) >= adv_window(c) + sws_step(c)) send_ack(c);
}

static void rx_pop(tcb_t *c)
{
    pkt_t p = c->rxq_head;
    pkt_meta_t *m = pool_meta(p);
    c->rxq_bytes -= (uint32_t)(m->len - m->off);
    c->rxq_head = m->next;
    if (c->rxq_head == PKT_NONE) c->rxq_tail = PKT_NONE;
    pool_free(p);
}

void tcp_release(tcp_id s)
{
    tcb_t *c = get(s);
    if (c == NULL || c->rxq_head == PKT_NONE) return;
    rx_pop(c);
    net_touch();
    window_update(c);
}

size_t tcp_recv(tcp_id s, uint8_t *buf, size_t cap)
{
    tcb_t *c = get(s);
    if (c == NULL) return 0;
    size_t got = 0;
    bool freed = false;
    while (got < cap && c->rxq_head != PKT_NONE) {
        pkt_meta_t *m = pool_meta(c->rxq_head);
        size_t n = (size_t)(m->len - m->off);
        if (n > cap - got) n = cap - got;
        memcpy(buf + got, pool_data(c->rxq_head) + m->off, n);
        got += n;
        m->off = (uint16_t)(m->off + n);
        c->rxq_bytes -= (uint32_t)n;
        if (m->off == m->len) {
            pkt_t p = c->rxq_head;
            c->rxq_head = m->next;
            if (c->rxq_head == PKT_NONE) c->rxq_tail = PKT_NONE;
            pool_free(p);
            freed = true;
        }
    }
    if (got > 0) net_touch();
    if (freed || got > 0) window_update(c);
    return got;
}

bool tcp_eof(tcp_id s)
{
    tcb_t *c = get(s);
    if (c == NULL) return true;
    if (c->rxq_head != PKT_NONE) return false;
    return c->fin_rcvd || (c->state == TCP_CLOSED);
}

static bool app_can_send(const tcb_t *c)
{
    return (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT) && !c->fin_queued;
}

/* Pool buffers (of up to one MSS each) tcp_send may fill now: TCP_MAX_INFLIGHT per socket and the pool
 * above POOL_RESERVE; and once data is queued, no more than the peer's window can take (rounded up to
 * whole buffers): data it cannot take yet would only sit in the pool, which other connections need,
 * instead of in the application (a RETR streams from the RAM fs one MSS per call). A socket with
 * nothing queued takes a whole call regardless of the window, so that a message of several segments
 * is never refused for a small or zero window (the persist timer probes with its first byte). */
static size_t tx_bufs_allowed(const tcb_t *c)
{
    size_t slots = TCP_MAX_INFLIGHT > c->txq_count ? (size_t)(TCP_MAX_INFLIGHT - c->txq_count) : 0;
    size_t fr = pool_free_count();
    size_t bufs = fr > POOL_RESERVE ? fr - POOL_RESERVE : 0;
    if (bufs < slots) slots = bufs;
    if (c->txq_head == PKT_NONE) return slots;
    uint32_t queued = c->snd_end - c->snd_una;
    size_t by_wnd = 0;
    if (queued < c->snd_wnd) by_wnd = (size_t)((c->snd_wnd - queued + c->snd_mss - 1u) / c->snd_mss);
    return by_wnd < slots ? by_wnd : slots;
}

size_t tcp_send_space(tcp_id s)
{
    tcb_t *c = get(s);
    if (c == NULL || !app_can_send(c)) return 0;
    return tx_bufs_allowed(c) * c->snd_mss;
}

size_t tcp_send(tcp_id s, const uint8_t *data, size_t len)
{
    tcb_t *c = get(s);
    if (c == NULL || !app_can_send(c) || len == 0) return 0;
    size_t done = 0;
    for (size_t allowed = tx_bufs_allowed(c); done < len && allowed > 0; allowed--) {
        pkt_t p = pool_alloc(POOL_RESERVE);
        if (p == PKT_NONE) break;
        size_t n = len - done;
        if (n > c->snd_mss) n = c->snd_mss;
        if (n > POOL_PAYLOAD) n = POOL_PAYLOAD;
        memcpy(pool_data(p), data + done, n);
        pkt_meta_t *m = pool_meta(p);
        m->off = 0;
        m->len = (uint16_t)n;
        m->seq = c->snd_end;
        m->next = PKT_NONE;
        if (c->txq_tail == PKT_NONE) c->txq_head = p;
        else pool_meta(c->txq_tail)->next = p;
        c->txq_tail = p;
        c->txq_count++;
        c->snd_end += (uint32_t)n;
        done += n;
    }
    if (done > 0) {
        net_touch();
        output(c);
    }
    return done;
}

bool tcp_all_acked(tcp_id s)
{
    tcb_t *c = get(s);
    if (c == NULL) return true;
    return c->txq_head == PKT_NONE && c->snd_una == c->snd_max;
}

static void send_rst_for(tcb_t *c)
{
    emit(c->family, c->raddr, c->lport, c->rport, c->snd_nxt, c->rcv_nxt, F_RST | F_ACK, 0, 0, NULL, 0);
}

static bool synchronized(const tcb_t *c)
{
    return c->state >= TCP_SYN_RCVD && c->state != TCP_TIME_WAIT;
}

void tcp_abort(tcp_id s)
{
    tcb_t *c = get(s);
    if (c == NULL) return;
    if (c->state == TCP_LISTEN) {
        for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
            tcb_t *k = &g_tcb[i];
            if (k->used && k->parent == s && !k->accepted) {
                if (synchronized(k)) send_rst_for(k);
                release_slot(k);
            }
        }
    } else if (synchronized(c)) {
        send_rst_for(c);
    }
    release_slot(c);
}

void tcp_close(tcp_id s)
{
    tcb_t *c = get(s);
    if (c == NULL) return;
    c->app_closed = 1;
    /* unread data is dropped; later data is acknowledged and discarded */
    free_queue(&c->rxq_head, &c->rxq_tail);
    c->rxq_bytes = 0;
    free_ooo(c);
    switch (c->state) {
    case TCP_LISTEN:
    case TCP_SYN_SENT:
    case TCP_SYN_RCVD:
        tcp_abort(s);
        return;
    case TCP_CLOSED:
        release_slot(c);
        return;
    case TCP_ESTABLISHED:
    case TCP_CLOSE_WAIT:
        c->fin_queued = 1;
        c->fin_seq = c->snd_end;
        c->state = c->state == TCP_ESTABLISHED ? TCP_FIN_WAIT_1 : TCP_LAST_ACK;
        output(c);
        net_touch();
        return;
    default:
        return; /* already closing */
    }
}

void tcp_free(tcp_id s)
{
    tcb_t *c = get(s);
    if (c == NULL) return;
    if (c->state == TCP_CLOSED) release_slot(c);
    else if (c->state == TCP_TIME_WAIT || c->app_closed) c->app_closed = 1; /* goes by itself */
    else tcp_abort(s);
}

void tcp_endpoints(tcp_id s, ip_addr_t *local, uint16_t *lport, ip_addr_t *remote, uint16_t *rport)
{
    tcb_t *c = get(s);
    ip_addr_t zero;
    memset(&zero, 0, sizeof zero);
    if (local) *local = zero;
    if (remote) *remote = zero;
    if (lport) *lport = 0;
    if (rport) *rport = 0;
    if (c == NULL) return;
    if (local && c->family != 0) ip_local_addr(c->family, local);
    if (remote && c->family != 0) {
        remote->family = c->family;
        memcpy(remote->addr, c->raddr, c->family == 6 ? 16 : 4);
    }
    if (lport) *lport = c->lport;
    if (rport) *rport = c->rport;
}

/* ---------------------------------------------------------------- input */

typedef struct {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd;
    uint16_t mss; /* 0 = no option */
    uint8_t *payload;
    size_t plen;
} seg_t;

static bool parse(uint8_t *b, size_t len, seg_t *s)
{
    if (len < TCP_HDR_LEN) return false;
    size_t doff = (size_t)(b[12] >> 4) * 4u;
    if (doff < TCP_HDR_LEN || doff > len) return false;
    s->sport = rd16(b);
    s->dport = rd16(b + 2);
    s->seq = rd32(b + 4);
    s->ack = rd32(b + 8);
    s->flags = b[13];
    s->wnd = rd16(b + 14);
    s->mss = 0;
    s->payload = b + doff;
    s->plen = len - doff;
    /* options: MSS is used, everything else skipped; a malformed list ends the walk */
    size_t i = TCP_HDR_LEN;
    while (i < doff) {
        uint8_t kind = b[i];
        if (kind == 0) break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= doff) break;
        size_t ol = b[i + 1];
        if (ol < 2 || i + ol > doff) break;
        if (kind == 2 && ol == 4) s->mss = rd16(b + i + 2);
        i += ol;
    }
    return true;
}

static void rst_reply(uint8_t family, const uint8_t *raddr, const seg_t *s)
{
    if (s->flags & F_RST) return;
    if (s->flags & F_ACK) {
        emit(family, raddr, s->dport, s->sport, s->ack, 0, F_RST, 0, 0, NULL, 0);
    } else {
        uint32_t seglen = (uint32_t)s->plen + ((s->flags & F_SYN) ? 1u : 0u) + ((s->flags & F_FIN) ? 1u : 0u);
        emit(family, raddr, s->dport, s->sport, 0, s->seq + seglen, F_RST | F_ACK, 0, 0, NULL, 0);
    }
}

static void take_mss(tcb_t *c, uint16_t mss)
{
    uint16_t peer = mss != 0 ? mss : (uint16_t)(c->family == 6 ? 1220 : 536);
    c->snd_mss = peer < c->rcv_mss ? peer : c->rcv_mss;
    if (c->snd_mss < 1) c->snd_mss = 1;
}

static void listen_input(tcb_t *l, const ip_addr_t *src, const seg_t *s)
{
    if (s->flags & F_RST) return;
    if (s->flags & F_ACK) {
        rst_reply(src->family, src->addr, s);
        return;
    }
    if (!(s->flags & F_SYN)) return;
    unsigned pending = 0;
    for (int i = 0; i < TCP_MAX_SOCKETS; i++)
        if (g_tcb[i].used && g_tcb[i].parent == id_of(l) && !g_tcb[i].accepted) pending++;
    if (pending >= l->backlog) {
        COUNT(tcp_backlog_drops);
        return; /* the client retries its SYN */
    }
    tcb_t *c = alloc_slot();
    if (c == NULL) return;
    c->family = src->family;
    memcpy(c->raddr, src->addr, src->family == 6 ? 16 : 4);
    c->lport = s->dport;
    c->rport = s->sport;
    c->parent = (int16_t)id_of(l);
    c->accepted = 0;
    c->rcv_mss = mss_max(c->family);
    take_mss(c, s->mss);
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    c->rcv_adv = c->rcv_edge = c->rcv_nxt;
    c->iss = rng_next();
    c->snd_una = c->iss;
    c->snd_nxt = c->snd_max = c->snd_end = c->iss + 1;
    c->snd_wnd = s->wnd;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = c->iss;
    c->state = TCP_SYN_RCVD;
    send_syn(c);
    start_rtx(c);
}

static void syn_sent_input(tcb_t *c, const seg_t *s)
{
    bool ack_ok = false;
    if (s->flags & F_ACK) {
        if (SEQ_LE(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max)) {
            if (!(s->flags & F_RST)) emit(c->family, c->raddr, c->lport, c->rport, s->ack, 0, F_RST, 0, 0, NULL, 0);
            return;
        }
        ack_ok = true;
    }
    if (s->flags & F_RST) {
        if (ack_ok) {
            COUNT(tcp_rst_rx);
            enter_closed(c, true); /* connection refused */
        }
        return;
    }
    if (!(s->flags & F_SYN)) return;
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    c->rcv_adv = c->rcv_edge = c->rcv_nxt;
    take_mss(c, s->mss);
    c->snd_wnd = s->wnd;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = s->ack;
    if (ack_ok) {
        c->snd_una = s->ack;
        c->state = TCP_ESTABLISHED;
        c->rtx_on = 0;
        c->retries = 0;
        c->rto = TCP_RTO_MS;
        send_ack(c);
        net_touch();
    } else {
        c->state = TCP_SYN_RCVD; /* simultaneous open */
        send_syn(c);
    }
}

static void enter_time_wait(tcb_t *c)
{
    c->state = TCP_TIME_WAIT;
    stop_timers(c);
    free_queue(&c->txq_head, &c->txq_tail);
    c->txq_count = 0;
    free_ooo(c);
    c->tw_on = 1;
    c->tw_at = now() + TCP_TIME_WAIT_MS;
    c->app_closed = 1; /* only a closed socket gets here */
    net_touch();
}

/* ACK field processing for synchronized states. False = stop processing this segment. */
static bool process_ack(tcb_t *c, const seg_t *s)
{
    if (c->state == TCP_SYN_RCVD) {
        if (SEQ_LE(s->ack, c->snd_una) || SEQ_GT(s->ack, c->snd_max)) {
            emit(c->family, c->raddr, c->lport, c->rport, s->ack, 0, F_RST, 0, 0, NULL, 0);
            return false;
        }
        c->state = TCP_ESTABLISHED;
        c->snd_una = s->ack;
        c->snd_wnd = s->wnd;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        c->rtx_on = 0;
        c->retries = 0;
        c->rto = TCP_RTO_MS;
        net_touch();
        return true;
    }
    if (SEQ_GT(s->ack, c->snd_max)) {
        send_ack(c); /* acks something never sent */
        return false;
    }
    bool fin_acked = false;
    if (SEQ_GT(s->ack, c->snd_una)) {
        /* free what is fully acknowledged, trim a partly acknowledged buffer */
        while (c->txq_head != PKT_NONE) {
            pkt_meta_t *m = pool_meta(c->txq_head);
            uint32_t end = m->seq + (uint32_t)(m->len - m->off);
            if (SEQ_LE(end, s->ack)) {
                pkt_t p = c->txq_head;
                c->txq_head = m->next;
                if (c->txq_head == PKT_NONE) c->txq_tail = PKT_NONE;
                c->txq_count--;
                pool_free(p);
            } else {
                if (SEQ_GT(s->ack, m->seq)) {
                    m->off = (uint16_t)(m->off + (s->ack - m->seq));
                    m->seq = s->ack;
                }
                break;
            }
        }
        c->snd_una = s->ack;
        if (SEQ_LT(c->snd_nxt, c->snd_una)) c->snd_nxt = c->snd_una;
        c->retries = 0;
        c->probes = 0;
        c->dupacks = 0;
        c->rto = TCP_RTO_MS;
        if (c->cwnd < TCP_MAX_INFLIGHT && c->cwnd < 255) c->cwnd++;
        if (c->snd_una == c->snd_max) c->rtx_on = 0;
        else {
            c->rtx_on = 1;
            c->rtx_at = now() + c->rto;
        }
        if (c->in_recovery) {
            if (SEQ_GE(c->snd_una, c->recover)) {
                c->in_recovery = 0;
            } else if (c->snd_una != c->snd_max) {
                /* partial ACK (RFC 6582): the peer has the retransmission, the next hole is missing */
                COUNT(tcp_retransmits);
                retransmit_first(c);
            }
        }
        if (c->fin_queued && SEQ_GT(c->snd_una, c->fin_seq)) fin_acked = true;
        net_touch();
    } else if (s->ack == c->snd_una && s->plen == 0 && !(s->flags & (F_SYN | F_FIN)) && s->wnd == c->snd_wnd &&
               s->wnd != 0 && c->snd_una != c->snd_max) {
        /* duplicate-ACK threshold 3 (RFC 5681), or 2 with at most 4 segments out: a small window after a
         * loss cannot produce a third duplicate when the peer's first ACK after the hole also covered
         * its delayed ACK (early retransmit in the spirit of RFC 5827; a SLIP link does not reorder) */
        unsigned out = 0;
        for (pkt_t p = c->txq_head; p != PKT_NONE && out < 8; p = pool_meta(p)->next)
            if (SEQ_LT(pool_meta(p)->seq, c->snd_max)) out++;
        unsigned thresh = out <= 4 ? 2u : 3u;
        if (++c->dupacks == thresh && !c->in_recovery) {
            COUNT(tcp_fast_retransmits);
            COUNT(tcp_retransmits);
            c->cwnd = (uint8_t)(c->cwnd > 2 ? c->cwnd / 2 : 1);
            c->in_recovery = 1;
            c->recover = c->snd_max;
            retransmit_first(c);
        }
    }
    /* window update (RFC 9293 3.10.7.4) */
    if (SEQ_LT(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && SEQ_LE(c->snd_wl2, s->ack))) {
        c->snd_wnd = s->wnd;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        if (c->snd_wnd > 0 && c->persist_on) c->persist_on = 0;
    }
    if (fin_acked) {
        switch (c->state) {
        case TCP_FIN_WAIT_1:
            c->state = TCP_FIN_WAIT_2;
            /* do not wait for ever on a peer that never closes its side */
            c->tw_on = 1;
            c->tw_at = now() + TCP_FIN_WAIT_2_MS;
            break;
        case TCP_CLOSING:
            enter_time_wait(c);
            return false;
        case TCP_LAST_ACK:
            enter_closed(c, false);
            return false;
        default:
            break;
        }
    }
    return true;
}

/* A data segment starting beyond rcv_nxt (payload/plen, at seq): holds it, in the buffer it arrived in, on the
 * out-of-order queue when it lies inside the advertised window and the limits allow. Parts already held are
 * trimmed off; a FIN is kept only with the segment's untrimmed end. True when the buffer was kept. */
static bool ooo_keep(tcb_t *c, pkt_t pkt, uint32_t seq, uint8_t *payload, size_t plen, bool fin)
{
    if (plen == 0 || c->app_closed || c->fin_rcvd || !receiving(c)) return false;
    if (c->ooo_count >= TCP_MAX_OOO || pool_free_count() <= POOL_RESERVE) return false;
    if (!SEQ_LT(seq, c->rcv_adv)) return false;
    if (plen > c->rcv_adv - seq) { /* only what the window promised */
        plen = c->rcv_adv - seq;
        fin = false;
    }
    pkt_t prev = PKT_NONE, next = c->oooq_head;
    while (next != PKT_NONE && SEQ_LE(pool_meta(next)->seq, seq)) {
        prev = next;
        next = pool_meta(next)->next;
    }
    if (prev != PKT_NONE) {
        const pkt_meta_t *pm = pool_meta(prev);
        uint32_t pend = pm->seq + (uint32_t)(pm->len - pm->off);
        if (SEQ_GE(pend, seq + (uint32_t)plen)) return false; /* held already */
        if (SEQ_GT(pend, seq)) {
            payload += pend - seq;
            plen -= pend - seq;
            seq = pend;
        }
    }
    if (next != PKT_NONE && SEQ_LT(pool_meta(next)->seq, seq + (uint32_t)plen)) {
        plen = pool_meta(next)->seq - seq; /* the rest is held (or comes again) */
        fin = false;
        if (plen == 0) return false;
    }
    pkt_meta_t *m = pool_meta(pkt);
    m->off = (uint16_t)(payload - pool_data(pkt));
    m->len = (uint16_t)(m->off + plen);
    m->seq = seq;
    m->flags = fin ? PKT_FIN : 0;
    m->next = next;
    if (prev == PKT_NONE) c->oooq_head = pkt;
    else pool_meta(prev)->next = pkt;
    c->ooo_count++;
    g_in_pkt = PKT_NONE; /* held now: no longer counted as free */
    return true;
}

/* After in-order data: moves the held segments rcv_nxt has reached to the rx queue (what rcv_nxt already
 * covers is dropped). True when one of them carried a FIN that now sits at rcv_nxt; whatever is held
 * beyond a FIN is discarded. */
static bool ooo_drain(tcb_t *c)
{
    bool fin = false;
    while (c->oooq_head != PKT_NONE && !fin) {
        pkt_t p = c->oooq_head;
        pkt_meta_t *m = pool_meta(p);
        if (SEQ_GT(m->seq, c->rcv_nxt)) break;
        c->oooq_head = m->next;
        c->ooo_count--;
        uint32_t end = m->seq + (uint32_t)(m->len - m->off);
        fin = (m->flags & PKT_FIN) != 0 && SEQ_GE(end, c->rcv_nxt);
        if (!SEQ_GT(end, c->rcv_nxt)) {
            pool_free(p);
            continue;
        }
        m->off = (uint16_t)(m->off + (c->rcv_nxt - m->seq));
        m->seq = c->rcv_nxt;
        m->flags = 0;
        m->next = PKT_NONE;
        if (c->rxq_tail == PKT_NONE) c->rxq_head = p;
        else pool_meta(c->rxq_tail)->next = p;
        c->rxq_tail = p;
        c->rxq_bytes += end - c->rcv_nxt;
        c->rcv_nxt = end;
    }
    if (fin) free_ooo(c);
    return fin;
}

static bool segment_input(int16_t pkt, const ip_addr_t *src, uint8_t *seg, size_t len);

bool tcp_input(int16_t pkt, const ip_addr_t *src, const ip_addr_t *dst, uint8_t *seg, size_t len)
{
    (void)dst;
    g_in_pkt = (pkt_t)pkt;
    bool kept = segment_input(pkt, src, seg, len);
    g_in_pkt = PKT_NONE;
    return kept;
}

static bool segment_input(int16_t pkt, const ip_addr_t *src, uint8_t *seg, size_t len)
{
    seg_t s;
    if (!parse(seg, len, &s)) {
        COUNT(tcp_malformed);
        return false;
    }
    COUNT(tcp_rx_segments);
    if (s.flags & F_RST) COUNT(tcp_rst_rx);
    if (s.sport == 0 || s.dport == 0) {
        COUNT(tcp_malformed);
        return false;
    }
    size_t alen = src->family == 6 ? 16 : 4;
    tcb_t *c = NULL;
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
        tcb_t *k = &g_tcb[i];
        if (k->used && k->state != TCP_LISTEN && k->state != TCP_CLOSED && k->family == src->family &&
            k->lport == s.dport && k->rport == s.sport && memcmp(k->raddr, src->addr, alen) == 0) {
            c = k;
            break;
        }
    }
    if (c != NULL && c->state == TCP_TIME_WAIT && (s.flags & F_SYN) && !(s.flags & (F_ACK | F_RST)) &&
        SEQ_GT(s.seq, c->rcv_nxt)) {
        release_slot(c); /* a new incarnation of the connection */
        c = NULL;
    }
    if (c == NULL) {
        for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
            tcb_t *k = &g_tcb[i];
            if (k->used && k->state == TCP_LISTEN && k->lport == s.dport) {
                listen_input(k, src, &s);
                return false;
            }
        }
        if (!(s.flags & F_RST)) COUNT(tcp_no_socket);
        rst_reply(src->family, src->addr, &s);
        return false;
    }
    if (c->state == TCP_SYN_SENT) {
        syn_sent_input(c, &s);
        return false;
    }

    /* a retransmitted SYN while our SYN-ACK is unanswered: send the SYN-ACK again */
    if (c->state == TCP_SYN_RCVD && (s.flags & F_SYN) && !(s.flags & (F_ACK | F_RST)) && s.seq == c->irs) {
        send_syn(c);
        return false;
    }

    /* ---- synchronized states: acceptability ---- */
    uint32_t wnd = c->rcv_adv - c->rcv_nxt;
    if (SEQ_LT(c->rcv_adv, c->rcv_nxt)) wnd = 0;
    uint32_t seglen = (uint32_t)s.plen + ((s.flags & F_SYN) ? 1u : 0u) + ((s.flags & F_FIN) ? 1u : 0u);
    bool ok;
    if (seglen == 0) {
        ok = wnd == 0 ? s.seq == c->rcv_nxt : (SEQ_GE(s.seq, c->rcv_nxt) && SEQ_LT(s.seq, c->rcv_nxt + wnd));
    } else if (wnd == 0) {
        ok = false;
    } else {
        uint32_t last = s.seq + seglen - 1;
        ok = (SEQ_GE(s.seq, c->rcv_nxt) && SEQ_LT(s.seq, c->rcv_nxt + wnd)) ||
             (SEQ_GE(last, c->rcv_nxt) && SEQ_LT(last, c->rcv_nxt + wnd));
    }
    if (!ok) {
        if (s.flags & F_RST) return false;
        if (SEQ_GT(s.seq, c->rcv_nxt) && s.plen > 0) COUNT(tcp_ooo_dropped);
        /* valid ACKs still count (a zero window must not stop the peer's acknowledgements) */
        if ((s.flags & F_ACK) && c->state != TCP_SYN_RCVD && c->state != TCP_TIME_WAIT) {
            if (!process_ack(c, &s)) return false;
            output(c);
        }
        if (c->used && c->state != TCP_CLOSED) {
            COUNT(tcp_dup_acks_tx);
            send_ack(c);
        }
        return false;
    }

    /* ---- RST ---- */
    if (s.flags & F_RST) {
        if (c->state == TCP_TIME_WAIT) release_slot(c);
        else enter_closed(c, true);
        return false;
    }
    /* ---- SYN in a synchronized state ---- */
    if (s.flags & F_SYN) {
        send_ack(c); /* challenge ACK (RFC 5961) */
        return false;
    }
    if (!(s.flags & F_ACK)) return false;

    /* ---- TIME-WAIT: only a retransmitted FIN matters ---- */
    if (c->state == TCP_TIME_WAIT) {
        if (s.flags & F_FIN) {
            send_ack(c);
            c->tw_at = now() + TCP_TIME_WAIT_MS;
        }
        return false;
    }

    if (!process_ack(c, &s)) return false;

    /* ---- data ---- */
    bool kept = false;
    bool fin = (s.flags & F_FIN) != 0;
    uint32_t seq = s.seq;
    uint8_t *payload = s.payload;
    size_t plen = s.plen;
    if (SEQ_LT(seq, c->rcv_nxt)) { /* trim what we already have */
        uint32_t dup = c->rcv_nxt - seq;
        if (dup >= plen) {
            /* no new data; the FIN (at seq + plen) is new only when it sits exactly at rcv_nxt */
            if (fin && dup != plen) fin = false;
            payload += plen;
            plen = 0;
            c->ack_now = 1; /* a duplicate: acknowledge at once */
        } else {
            payload += dup;
            plen -= dup;
        }
        seq = c->rcv_nxt;
    }
    if (seq != c->rcv_nxt) {
        /* out of order: held if it fits, and an immediate duplicate ACK either way (RFC 5681 4.2) so that
         * the sender learns of the hole */
        bool held = ooo_keep(c, (pkt_t)pkt, seq, payload, plen, fin);
        if (!held && (plen > 0 || fin)) COUNT(tcp_ooo_dropped);
        COUNT(tcp_dup_acks_tx);
        send_ack(c);
        return held;
    }
    bool takes_data = c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 || c->state == TCP_FIN_WAIT_2;
    if (plen > 0 && takes_data) {
        uint32_t room = wnd;
        if (plen > room) {
            plen = room;
            fin = false;
        }
        if (plen > 0) {
            c->rcv_nxt += (uint32_t)plen;
            if (!c->app_closed) {
                pkt_meta_t *m = pool_meta((pkt_t)pkt);
                m->off = (uint16_t)(payload - pool_data((pkt_t)pkt));
                m->len = (uint16_t)(m->off + plen);
                m->next = PKT_NONE;
                if (c->rxq_tail == PKT_NONE) c->rxq_head = (pkt_t)pkt;
                else pool_meta(c->rxq_tail)->next = (pkt_t)pkt;
                c->rxq_tail = (pkt_t)pkt;
                c->rxq_bytes += (uint32_t)plen;
                kept = true;
                g_in_pkt = PKT_NONE; /* held now: no longer counted as free */
            }
            net_touch();
            c->ack_pending++;
            if (c->ack_pending >= 2 || TCP_DELAYED_ACK_MS == 0 || c->app_closed) c->ack_now = 1;
            else if (!c->delack_on) {
                c->delack_on = 1;
                c->delack_at = now() + TCP_DELAYED_ACK_MS;
            }
        }
    } else if (plen > 0) {
        plen = 0; /* after the peer's FIN: nothing more can come */
        fin = false;
        c->ack_now = 1;
    }
    bool fin_here = fin && seq + plen == c->rcv_nxt;
    if (c->oooq_head != PKT_NONE) {
        if (fin_here) {
            free_ooo(c); /* nothing lies beyond the FIN */
        } else if (plen > 0) {
            /* the segment filled (part of) a hole: ACK at once (RFC 5681 4.2), up to the held data it joins */
            fin_here = ooo_drain(c);
            c->ack_now = 1;
            net_touch();
        }
    }
    if (fin_here && !c->fin_rcvd) {
        c->rcv_nxt += 1;
        c->fin_rcvd = 1;
        c->ack_now = 1;
        net_touch();
        switch (c->state) {
        case TCP_SYN_RCVD:
        case TCP_ESTABLISHED:
            c->state = TCP_CLOSE_WAIT;
            break;
        case TCP_FIN_WAIT_1:
            c->state = TCP_CLOSING;
            break;
        case TCP_FIN_WAIT_2:
            send_ack(c);
            enter_time_wait(c);
            return kept;
        default:
            break;
        }
    } else if (fin && c->fin_rcvd) {
        c->ack_now = 1; /* retransmitted FIN */
    }

    output(c);
    if (c->ack_now) send_ack(c);
    return kept;
}

/* ---------------------------------------------------------------- timers */

static void rtx_timeout(tcb_t *c, uint32_t t)
{
    if (++c->retries > TCP_MAX_RETRIES) {
        COUNT(tcp_timeouts);
        if (c->state != TCP_SYN_SENT) send_rst_for(c);
        enter_closed(c, true);
        return;
    }
    COUNT(tcp_retransmits);
    c->rto = c->rto * 2u > TCP_RTO_MAX_MS ? TCP_RTO_MAX_MS : c->rto * 2u;
    if (c->rto < TCP_RTO_MS) c->rto = TCP_RTO_MS;
    c->rtx_on = 1;
    c->rtx_at = t + c->rto;
    if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD) {
        send_syn(c);
        return;
    }
    /* resend the oldest unacknowledged segment (or the FIN); later holes follow one per partial ACK, so a
     * peer that kept the segments after the loss is not sent them again */
    c->cwnd = 1;
    c->dupacks = 0;
    c->in_recovery = 1;
    c->recover = c->snd_max;
    retransmit_first(c);
}

static void persist_timeout(tcb_t *c, uint32_t t)
{
    if (c->snd_wnd > 0 || c->txq_head == PKT_NONE || c->snd_nxt != c->snd_una) {
        c->persist_on = 0;
        output(c);
        return;
    }
    if (++c->probes > TCP_MAX_RETRIES) {
        COUNT(tcp_timeouts);
        send_rst_for(c);
        enter_closed(c, true);
        return;
    }
    /* one byte of new data beyond the closed window (RFC 9293 3.8.6.1); snd_nxt stays */
    pkt_meta_t *m = pool_meta(c->txq_head);
    COUNT(tcp_window_probes);
    send_ctl(c, c->snd_una, F_ACK, pool_data(c->txq_head) + m->off + (c->snd_una - m->seq), 1);
    if (SEQ_GT(c->snd_una + 1, c->snd_max)) c->snd_max = c->snd_una + 1;
    c->persist_ivl = c->persist_ivl * 2u > TCP_PERSIST_MAX_MS ? TCP_PERSIST_MAX_MS : c->persist_ivl * 2u;
    if (c->persist_ivl == 0) c->persist_ivl = TCP_RTO_MS;
    c->persist_at = t + c->persist_ivl;
}

/* Buffers came back to the pool (a segment read, data acknowledged, a connection gone, a frame done
 * with): every connection whose last advertised window is below one SWS step, so that its peer may be
 * waiting (or probing), gets a window update as soon as the window could grow by a step. A half-open
 * connection gets its SYN-ACK again, with the new window. */
static bool window_to_reopen(tcb_t *c)
{
    if (!c->used) return false;
    uint32_t old = adv_window(c);
    uint32_t step = sws_step(c);
    if (old >= step) return false;
    if (c->state == TCP_SYN_RCVD) return rcv_window_for(c, c->snd_max, true) >= old + step;
    return receiving(c) && rcv_window(c) >= old + step;
}

static void reopen_windows(void)
{
    uint32_t gen = pool_free_generation();
    if (gen == g_pool_gen) return;
    g_pool_gen = gen;
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
        tcb_t *c = &g_tcb[i];
        if (!window_to_reopen(c)) continue;
        if (c->state == TCP_SYN_RCVD) send_syn(c);
        else send_ack(c);
    }
}

void tcp_poll(uint32_t now_ms)
{
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
        tcb_t *c = &g_tcb[i];
        if (!c->used) continue;
        if (c->tw_on && TIME_DUE(now_ms, c->tw_at)) {
            c->tw_on = 0;
            c->state = TCP_CLOSED;
            release_slot(c);
            continue;
        }
        if (c->delack_on && TIME_DUE(now_ms, c->delack_at)) {
            c->delack_on = 0;
            send_ack(c);
        }
        if (c->rtx_on && TIME_DUE(now_ms, c->rtx_at)) {
            rtx_timeout(c, now_ms);
            if (!c->used) continue;
        }
        if (c->persist_on && TIME_DUE(now_ms, c->persist_at)) persist_timeout(c, now_ms);
    }
    reopen_windows();
}

uint32_t tcp_next_timer(uint32_t now_ms)
{
    if (pool_free_generation() != g_pool_gen) /* buffers came back: a window to reopen at once? */
        for (int i = 0; i < TCP_MAX_SOCKETS; i++)
            if (window_to_reopen(&g_tcb[i])) return now_ms;
    uint32_t best = now_ms + 60000u;
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
        const tcb_t *c = &g_tcb[i];
        if (!c->used) continue;
        if (c->tw_on && SEQ_LT(c->tw_at, best)) best = c->tw_at;
        if (c->delack_on && SEQ_LT(c->delack_at, best)) best = c->delack_at;
        if (c->rtx_on && SEQ_LT(c->rtx_at, best)) best = c->rtx_at;
        if (c->persist_on && SEQ_LT(c->persist_at, best)) best = c->persist_at;
    }
    return best;
}

void tcp_pool_usage(tcp_id s, unsigned *rx, unsigned *tx)
{
    unsigned r = 0, t = 0;
    const tcb_t *c = get(s);
    if (c != NULL) {
        for (pkt_t p = c->rxq_head; p != PKT_NONE; p = pool_meta(p)->next) r++;
        r += c->ooo_count;
        for (pkt_t p = c->txq_head; p != PKT_NONE; p = pool_meta(p)->next) t++;
    }
    if (rx) *rx = r;
    if (tx) *tx = t;
}
