/* Packet pool: exhaustion, reserve, low-water mark, bad frees; the net driver's use of it; who holds
 * the buffers while the whole board (TCP, FTP server, agent) serves a host. */
#include "pool.h"

#include "board.h"
#include "counters.h"
#include "fake_port.h"
#include "net.h"
#include "tcp_core.h"
#include "test.h"
#include "wire.h"

/* ---- a scripted host for the whole-board test ----
 * A few TCP connections from the host to the board's real stack and applications (board_init /
 * board_poll), lossless, with the hilftp host's habits: it advertises H_WND (two segments), acknowledges
 * every second segment at once and others after H_DELACK ms (or with its next data), honours the board's
 * window, and probes a zero window every H_PROBE ms. Time moves in 1 ms steps. */
#define H_MAX 10
#define H_MSS 1460
#define H_WND (2 * H_MSS)
#define H_DELACK 200
#define H_PROBE 200

typedef struct {
    bool used, est, fin_in, rst_in, fin_out;
    uint16_t hp, bp;
    uint32_t snd_nxt; /* host's next sequence number */
    uint32_t rcv_nxt; /* next byte expected from the board */
    uint32_t adv_edge; /* board's window right edge (its ack + wnd) */
    uint32_t snd_una;
    uint16_t bwnd, syn_wnd; /* board's latest window; the one on its SYN-ACK */
    unsigned pending;       /* board segments not yet acknowledged */
    bool delack;
    uint32_t delack_at, probe_at;
    char q[1024];           /* host data waiting for the board's window */
    size_t q_len;
    size_t q_seg;           /* bytes of q that make the next segment */
    char rx[24576];
    size_t rx_len;
    unsigned win0;          /* board segments with window 0 */
    unsigned updates;       /* pure ACKs from the board that only opened the window */
    unsigned probes;        /* zero-window probes the host had to send */
} hc_t;

static hc_t H[H_MAX];
static uint16_t h_next_port = 40000;

static void h_seg(const hc_t *h, uint32_t seq, uint32_t ack, uint8_t flags, const void *data, size_t n, uint16_t mss)
{
    uint8_t buf[1600];
    uint8_t opt[4] = {2, 4, (uint8_t)(mss >> 8), (uint8_t)mss};
    size_t len = w_build_tcp(buf, 4, h->hp, h->bp, seq, ack, flags, H_WND, opt, mss ? 4 : 0, data, n);
    w_inject(buf, len);
}

static hc_t *h_find(uint16_t hp, uint16_t bp)
{
    for (int i = 0; i < H_MAX; i++)
        if (H[i].used && H[i].hp == hp && H[i].bp == bp) return &H[i];
    return NULL;
}

static void h_ack(hc_t *h)
{
    h_seg(h, h->snd_nxt, h->rcv_nxt, TF_ACK, NULL, 0, 0);
    h->pending = 0;
    h->delack = false;
}

/* Sends the next queued message as one segment when the board's window has room for it. */
static void h_try_send(hc_t *h)
{
    while (h->est && h->q_len > 0) {
        size_t n = h->q_seg;
        if ((int32_t)(h->adv_edge - (h->snd_nxt + (uint32_t)n)) < 0) {
            if (h->probe_at == 0) h->probe_at = fake_now + H_PROBE;
            return;
        }
        h->probe_at = 0;
        h_seg(h, h->snd_nxt, h->rcv_nxt, TF_ACK | TF_PSH, h->q, n, 0);
        h->snd_nxt += (uint32_t)n;
        h->pending = 0;
        h->delack = false;
        memmove(h->q, h->q + n, h->q_len - n);
        h->q_len -= n;
        /* next message: up to and including the next LF */
        char *lf = memchr(h->q, '\n', h->q_len);
        h->q_seg = lf ? (size_t)(lf - h->q) + 1 : h->q_len;
    }
}

static void h_frame(const uint8_t *f, size_t n)
{
    wseg_t s;
    if (!w_parse_tcp(f, n, &s)) return;
    hc_t *h = h_find(s.dport, s.sport);
    if (h == NULL) return;
    if (s.flags & TF_RST) {
        h->rst_in = true;
        h->est = false;
        return;
    }
    uint32_t edge = s.ack + s.wnd;
    if ((s.flags & TF_SYN) && (s.flags & TF_ACK)) {
        h->rcv_nxt = s.seq + 1;
        h->syn_wnd = s.wnd;
        h->est = true;
        h->adv_edge = edge;
        h->bwnd = s.wnd;
        if (s.wnd == 0) h->win0++;
        h_ack(h);
        h_try_send(h);
        return;
    }
    if (s.flags & TF_ACK) {
        bool opened = (int32_t)(edge - h->adv_edge) > 0;
        if (s.plen == 0 && !(s.flags & TF_FIN) && opened && s.seq == h->rcv_nxt && s.ack == h->snd_nxt)
            h->updates++;
        if ((int32_t)(edge - h->adv_edge) > 0 || s.ack == h->snd_nxt) h->adv_edge = edge;
        h->snd_una = s.ack;
        h->bwnd = s.wnd;
        if (s.wnd == 0) h->win0++;
    }
    if (s.plen > 0 && s.seq == h->rcv_nxt) {
        size_t room = sizeof h->rx - 1 - h->rx_len;
        size_t k = s.plen < room ? s.plen : room;
        memcpy(h->rx + h->rx_len, s.payload, k);
        h->rx_len += k;
        h->rx[h->rx_len] = '\0';
        h->rcv_nxt += (uint32_t)s.plen;
        if (++h->pending >= 2) h_ack(h);
        else if (!h->delack) {
            h->delack = true;
            h->delack_at = fake_now + H_DELACK;
        }
    }
    if ((s.flags & TF_FIN) && s.seq + s.plen == h->rcv_nxt) {
        h->rcv_nxt++;
        h->fin_in = true;
        h_ack(h);
    }
    h_try_send(h);
}

/* Every frame the board sent since the last call goes to its host connection (copied first: the host's
 * answers make the board send more). */
static void h_deliver(void)
{
    static uint8_t fr[FAKE_MAX_FRAMES][FAKE_FRAME_CAP];
    static size_t len[FAKE_MAX_FRAMES];
    for (int guard = 0; guard < 64 && fake_frame_count() > 0; guard++) {
        size_t k = fake_frame_count();
        for (size_t i = 0; i < k; i++) {
            const uint8_t *f = fake_frame(i, &len[i]);
            memcpy(fr[i], f, len[i]);
        }
        fake_clear_frames();
        for (size_t i = 0; i < k; i++) h_frame(fr[i], len[i]);
    }
}

/* Lowest free count seen, and who held the buffers then. */
static size_t h_low = POOL_COUNT;
static char h_low_who[512];

static size_t h_account(char *out, size_t cap, unsigned *sum)
{
    size_t o = 0;
    unsigned total = 0;
    out[0] = '\0';
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
        unsigned rx, tx;
        tcp_pool_usage(i, &rx, &tx);
        if (rx + tx == 0) continue;
        total += rx + tx;
        uint16_t lp, rp;
        tcp_endpoints(i, NULL, &lp, NULL, &rp);
        int w = snprintf(out + o, cap - o, " [%u<-%u st%d rx%u tx%u]", lp, rp, tcp_state(i), rx, tx);
        if (w > 0 && (size_t)w < cap - o) o += (size_t)w;
    }
    if (sum) *sum = total;
    return o;
}

/* Between frames every buffer in use belongs to a TCP queue (the driver holds one only while a frame
 * arrives): counted when not. The most TX buffers one socket held, and on which local port. */
static unsigned h_unaccounted;
static unsigned h_max_tx;
static uint16_t h_max_tx_port;

static void h_check_low(void)
{
    char who[512];
    unsigned sum;
    h_account(who, sizeof who, &sum);
    if (POOL_COUNT - pool_free_count() != sum) {
        if (h_unaccounted++ == 0)
            fprintf(stderr, "    t=%u: %zu buffers in use, %u in TCP queues:%s\n", fake_now,
                    (size_t)(POOL_COUNT - pool_free_count()), sum, who);
    }
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
        unsigned rx, tx;
        tcp_pool_usage(i, &rx, &tx);
        if (tx > h_max_tx) {
            h_max_tx = tx;
            tcp_endpoints(i, NULL, &h_max_tx_port, NULL, NULL);
        }
    }
    if (pool_free_count() < h_low) {
        h_low = pool_free_count();
        memcpy(h_low_who, who, sizeof h_low_who);
    }
}

static void h_step(void)
{
    fake_now++;
    board_poll(fake_now);
    h_check_low();
    h_deliver();
    for (int i = 0; i < H_MAX; i++) {
        hc_t *h = &H[i];
        if (!h->used) continue;
        if (h->delack && (int32_t)(fake_now - h->delack_at) >= 0) h_ack(h);
        if (h->probe_at && (int32_t)(fake_now - h->probe_at) >= 0) {
            h->probes++;
            h->probe_at = fake_now + H_PROBE;
            /* a probe the board answers with its window: an ACK below rcv_nxt */
            h_seg(h, h->snd_nxt - 1, h->rcv_nxt, TF_ACK, NULL, 0, 0);
        }
    }
    h_check_low();
    h_deliver();
}

static void h_run(uint32_t ms)
{
    for (uint32_t i = 0; i < ms; i++) h_step();
}

static hc_t *h_connect(uint16_t bp)
{
    for (int i = 0; i < H_MAX; i++) {
        if (H[i].used) continue;
        hc_t *h = &H[i];
        memset(h, 0, sizeof *h);
        h->used = true;
        h->hp = h_next_port++;
        h->bp = bp;
        h->snd_nxt = 1000u * (uint32_t)h->hp;
        h_seg(h, h->snd_nxt, 0, TF_SYN, NULL, 0, H_MSS);
        h->snd_nxt++;
        h_deliver();
        return h;
    }
    return NULL;
}

static void h_say(hc_t *h, const char *text)
{
    size_t n = strlen(text);
    if (h->q_len + n > sizeof h->q) return;
    if (h->q_len == 0) {
        const char *lf = memchr(text, '\n', n);
        h->q_seg = lf ? (size_t)(lf - text) + 1 : n;
    }
    memcpy(h->q + h->q_len, text, n);
    h->q_len += n;
    h_try_send(h);
    h_deliver();
}

static void h_close(hc_t *h)
{
    h_seg(h, h->snd_nxt, h->rcv_nxt, TF_ACK | TF_FIN, NULL, 0, 0);
    h->snd_nxt++;
    h->fin_out = true;
    h_deliver();
}


/* Runs until `text` is in the connection's received bytes (then drops what came before and with it);
 * false after `ms` ms. */
static bool h_wait(hc_t *h, const char *text, uint32_t ms)
{
    for (uint32_t i = 0; i <= ms; i++) {
        char *at = strstr(h->rx, text);
        if (at != NULL) {
            size_t cut = (size_t)(at - h->rx) + strlen(text);
            memmove(h->rx, h->rx + cut, h->rx_len - cut + 1);
            h->rx_len -= cut;
            return true;
        }
        h_step();
    }
    return false;
}

static void test_alloc_all(void)
{
    pool_init();
    pkt_t got[POOL_COUNT];
    for (int i = 0; i < POOL_COUNT; i++) {
        got[i] = pool_alloc(0);
        CHECK(got[i] != PKT_NONE);
        CHECK(pool_valid(got[i]));
    }
    CHECK_EQ(pool_free_count(), 0);
    CHECK_EQ(pool_low_water(), 0);
    CHECK(pool_alloc(0) == PKT_NONE);
    CHECK_EQ(pool_alloc_failures(), 1);
    for (int i = 0; i < POOL_COUNT; i++) pool_free(got[i]);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    CHECK_EQ(pool_low_water(), 0);
    pool_reset_stats();
    CHECK_EQ(pool_low_water(), POOL_COUNT);
    CHECK_EQ(pool_alloc_failures(), 0);
}

static void test_reserve(void)
{
    pool_init();
    int n = 0;
    while (pool_alloc(3) != PKT_NONE) n++;
    CHECK_EQ(n, POOL_COUNT - 3);
    CHECK_EQ(pool_free_count(), 3);
    CHECK(pool_alloc(0) != PKT_NONE);
}

static void test_bad_free(void)
{
    pool_init();
    pkt_t p = pool_alloc(0);
    pool_free(p);
    pool_free(p);            /* double free: ignored */
    pool_free(-1);
    pool_free(POOL_COUNT);   /* out of range: ignored */
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    /* the list is intact: all can be allocated once */
    int n = 0;
    while (pool_alloc(0) != PKT_NONE) n++;
    CHECK_EQ(n, POOL_COUNT);
}

static void test_driver_drops_frames_when_empty(void)
{
    fake_reset();
    net_init();
    pkt_t held[POOL_COUNT];
    for (int i = 0; i < POOL_COUNT; i++) held[i] = pool_alloc(0);
    const uint8_t frame[] = {0xC0, 0x45, 0, 0, 20, 0xC0};
    net_input_bytes(frame, sizeof frame);
    CHECK_EQ(g_counters.rx_no_buffer, 1);
    CHECK_EQ(g_counters.rx_frames, 0);
    for (int i = 0; i < POOL_COUNT; i++) pool_free(held[i]);
    net_input_bytes(frame, sizeof frame);
    CHECK_EQ(g_counters.rx_frames, 1);
    CHECK_EQ(g_counters.ip_malformed, 1);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_counters_format(void)
{
    fake_reset();
    net_init();
    g_counters.tcp_retransmits = 42;
    char buf[2048];
    size_t n = counters_format(buf, sizeof buf);
    CHECK(n == strlen(buf));
    CHECK(strstr(buf, "tcp_retransmits=42") != NULL);
    CHECK(strstr(buf, "pool_low_water=12") != NULL);
    char small[10];
    counters_format(small, sizeof small);
    CHECK_EQ(strlen(small), 9);
    counters_reset();
    CHECK_EQ(g_counters.tcp_retransmits, 0);
    CHECK(counters_count() > 20);
    CHECK(strcmp(counters_name(0), "rx_frames") == 0);
}

static void test_driver_frees_dropped_frames(void)
{
    fake_reset();
    net_init();
    /* a bad escape and an oversize frame: their buffers go back when they end, not with the next frame */
    const uint8_t bad[] = {0xC0, 0x45, 0xDB, 0x01, 0, 0xC0};
    net_input_bytes(bad, sizeof bad);
    CHECK_EQ(g_counters.slip_bad_escape, 1);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    static uint8_t big[POOL_PAYLOAD + 10];
    memset(big, 0x45, sizeof big);
    net_input_bytes(big, sizeof big);
    CHECK_EQ(pool_free_count(), POOL_COUNT - 1); /* a frame under way holds one */
    const uint8_t end = 0xC0;
    net_input_bytes(&end, 1);
    CHECK_EQ(g_counters.slip_oversize, 1);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    /* the next frame still gets a buffer */
    const uint8_t frame[] = {0xC0, 0x45, 0, 0, 20, 0xC0};
    net_input_bytes(frame, sizeof frame);
    CHECK_EQ(g_counters.rx_frames, 1);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_low_water_accounting(void)
{
    fake_reset();
    net_init();
    pkt_t a = pool_alloc(0), b = pool_alloc(0), c = pool_alloc(0);
    CHECK_EQ(pool_low_water(), POOL_COUNT - 3);
    uint32_t gen = pool_free_generation();
    pool_free(b);
    CHECK_EQ(pool_free_generation(), gen + 1);
    pool_free(b); /* ignored: no generation either */
    CHECK_EQ(pool_free_generation(), gen + 1);
    CHECK_EQ(pool_low_water(), POOL_COUNT - 3); /* a mark, not the current level */
    /* the counters report it; resetting them restarts it from the current level */
    char buf[2048];
    counters_format(buf, sizeof buf);
    char want[64];
    snprintf(want, sizeof want, "pool_low_water=%d ", POOL_COUNT - 3);
    CHECK(strstr(buf, want) != NULL);
    counters_reset();
    CHECK_EQ(pool_low_water(), POOL_COUNT - 2);
    b = pool_alloc(POOL_COUNT); /* refused by its keep: a failure, the mark does not move */
    CHECK(b == PKT_NONE);
    CHECK_EQ(pool_alloc_failures(), 1);
    CHECK_EQ(pool_low_water(), POOL_COUNT - 2);
    pool_free(a);
    pool_free(c);
    pool_reset_stats();
    CHECK_EQ(pool_low_water(), POOL_COUNT);
    CHECK_EQ(pool_alloc_failures(), 0);
}

/* The hil-test situation of issue 4 on the unit-test board: 4 FTP sessions logged in, the agent, a
 * 5th client waiting, then a RETR while the agent is asked for its counters. Every buffer in use must
 * belong to a TCP queue at every step (nothing leaked or forgotten), the RETR must hold no more TX
 * buffers than the host's window can take, no window may be left closed for the host to probe, and
 * everything comes back at the end. */
static void test_board_pool_owners(void)
{
    fake_reset();
    board_init();
    memset(H, 0, sizeof H);
    h_low = POOL_COUNT;
    h_unaccounted = h_max_tx = 0;
    h_run(10);
    hc_t *ag = h_connect(AGENT_PORT);
    h_say(ag, "HELLO\n");
    CHECK(h_wait(ag, "\n", 1000));
    h_say(ag, "MKFILE /f.bin 20000 1\n");
    CHECK(h_wait(ag, "OK bytes=20000", 1000));
    hc_t *f[5];
    for (int i = 0; i < 4; i++) {
        f[i] = h_connect(21);
        CHECK(h_wait(f[i], "220 ", 1000));
        h_say(f[i], "USER hil\r\n");
        CHECK(h_wait(f[i], "331 ", 1000));
        h_say(f[i], "PASS hil\r\n");
        CHECK(h_wait(f[i], "230 ", 1000));
    }
    /* the last replies wait for the host's delayed ACKs: one buffer each */
    h_say(ag, "COUNTERS\n");
    CHECK(h_wait(ag, "\n", 1000));
    f[4] = h_connect(21);
    h_run(5);
    CHECK(f[4]->est);
    CHECK(f[4]->syn_wnd > 0);
    for (int i = 0; i < 4; i++) {
        h_say(f[i], "NOOP\r\n");
        CHECK(h_wait(f[i], "200 ", 1000));
    }
    h_say(ag, "COUNTERS\n");
    CHECK(h_wait(ag, "\n", 1000));
    h_say(f[0], "QUIT\r\n");
    CHECK(h_wait(f[0], "221 ", 1000));
    h_close(f[0]);
    CHECK(h_wait(f[4], "220 ", 1000));
    CHECK(f[4]->bwnd > 0);
    h_say(f[4], "USER hil\r\n");
    CHECK(h_wait(f[4], "331 ", 50)); /* at once, no zero-window probe needed */
    h_say(f[4], "PASS hil\r\n");
    CHECK(h_wait(f[4], "230 ", 1000));
    /* a RETR (passive) with the agent asked for its counters meanwhile */
    h_say(f[1], "TYPE I\r\n");
    CHECK(h_wait(f[1], "200 ", 1000));
    h_say(f[1], "PASV\r\n");
    CHECK(h_wait(f[1], "(", 1000));
    unsigned a1, a2, a3, a4, p1 = 0, p2 = 0;
    CHECK_EQ(sscanf(f[1]->rx, "%u,%u,%u,%u,%u,%u)", &a1, &a2, &a3, &a4, &p1, &p2), 6);
    uint16_t dport = (uint16_t)(p1 * 256 + p2);
    hc_t *dc = h_connect(dport);
    h_run(2);
    h_say(f[1], "RETR f.bin\r\n");
    for (int k = 0; k < 5000 && !dc->fin_in; k++) {
        h_step();
        if (k % 20 == 0) h_say(ag, "COUNTERS\n");
    }
    CHECK(dc->fin_in);
    CHECK_EQ(dc->rx_len, 20000);
    h_close(dc);
    CHECK(h_wait(f[1], "250 ", 1000));
    CHECK(h_max_tx <= (H_WND + H_MSS - 1) / H_MSS); /* the data socket followed the host's window */
    /* everyone leaves */
    for (int i = 1; i < 5; i++) {
        h_say(f[i], "QUIT\r\n");
        CHECK(h_wait(f[i], "221 ", 1000));
        h_close(f[i]);
    }
    h_say(ag, "QUIT\n");
    CHECK(h_wait(ag, "OK bye", 1000));
    h_close(ag);
    h_run(TCP_TIME_WAIT_MS + 500);
    CHECK_EQ(h_unaccounted, 0);
    unsigned probes = 0, win0 = 0;
    for (int i = 0; i < H_MAX; i++) {
        probes += H[i].probes;
        win0 += H[i].win0;
    }
    CHECK_EQ(probes, 0);
    CHECK_EQ(pool_alloc_failures(), 0);
    CHECK_EQ(g_counters.rx_no_buffer, 0);
    CHECK(pool_low_water() > POOL_RESERVE);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) {
        unsigned rx, tx;
        tcp_pool_usage(i, &rx, &tx);
        CHECK_EQ(rx + tx, 0);
    }
    printf("    pool low-water %zu of %d (fewest free seen %zu:%s), most TX buffers on one socket %u (port %u), "
           "zero windows %u\n",
           pool_low_water(), POOL_COUNT, h_low, h_low_who, h_max_tx, h_max_tx_port, win0);
}

int main(void)
{
    RUN(test_alloc_all);
    RUN(test_reserve);
    RUN(test_bad_free);
    RUN(test_driver_drops_frames_when_empty);
    RUN(test_counters_format);
    RUN(test_driver_frees_dropped_frames);
    RUN(test_low_water_accounting);
    RUN(test_board_pool_owners);
    return test_summary("pool");
}
