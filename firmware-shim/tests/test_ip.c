/* IPv4/IPv6 input: echo replies, checksum and address checks, malformed input, and a deterministic fuzz
 * run over mutated frames (nothing may crash, leak a pool buffer or send a frame over the MTU). */
#include "counters.h"
#include "fake_port.h"
#include "ip.h"
#include "net.h"
#include "pool.h"
#include "tcp.h"
#include "test.h"
#include "wire.h"

static void setup(void)
{
    fake_reset();
    net_init();
    fake_clear_frames();
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void test_echo_v4(void)
{
    setup();
    uint8_t d[1500];
    uint8_t data[100];
    for (int i = 0; i < 100; i++) data[i] = (uint8_t)(i ^ 0xC0);
    size_t n = w_build_echo(d, 4, 0x77, 5, data, sizeof data);
    w_inject(d, n);
    CHECK_EQ(fake_frame_count(), 1);
    size_t rl;
    const uint8_t *r = fake_frame(0, &rl);
    CHECK_EQ(rl, n);
    CHECK_EQ(r[0], 0x45);
    CHECK_EQ(w_csum(r, 20, 0), 0);
    CHECK_MEM(r + 12, W_BOARD4, 4);
    CHECK_MEM(r + 16, W_HOST4, 4);
    CHECK_EQ(r[9], 1);
    CHECK_EQ(r[20], 0); /* echo reply */
    CHECK_EQ(be16(r + 24), 0x77);
    CHECK_EQ(be16(r + 26), 5);
    CHECK_EQ(w_csum(r + 20, rl - 20, 0), 0);
    CHECK_MEM(r + 28, data, sizeof data);
    CHECK_EQ(g_counters.icmp_echo_replies, 1);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_echo_v4_with_options_and_padding(void)
{
    setup();
    uint8_t d[200];
    size_t n = w_build_echo(d, 4, 1, 2, (const uint8_t *)"abcd", 4);
    /* insert 4 bytes of IP options (NOP NOP NOP EOL) and 3 bytes of link padding */
    uint8_t e[200];
    memcpy(e, d, 20);
    e[0] = 0x46;
    memcpy(e + 20, "\x01\x01\x01\x00", 4);
    memcpy(e + 24, d + 20, n - 20);
    e[2] = 0;
    e[3] = (uint8_t)(n + 4);
    e[10] = e[11] = 0;
    uint16_t c = w_csum(e, 24, 0);
    e[10] = (uint8_t)(c >> 8);
    e[11] = (uint8_t)c;
    memset(e + n + 4, 0xee, 3);
    w_inject(e, n + 7);
    CHECK_EQ(fake_frame_count(), 1);
    size_t rl;
    const uint8_t *r = fake_frame(0, &rl);
    CHECK_EQ(rl, n); /* reply without options or padding */
    CHECK_EQ(r[0], 0x45);
    CHECK_EQ(w_csum(r, 20, 0), 0);
    CHECK_EQ(w_csum(r + 20, rl - 20, 0), 0);
    CHECK_MEM(r + 28, "abcd", 4);
}

static void test_echo_v6(void)
{
    setup();
    uint8_t d[1500];
    uint8_t data[1452 - 8];
    memset(data, 0xDB, sizeof data);
    size_t n = w_build_echo(d, 6, 9, 1, data, sizeof data);
    CHECK_EQ(n, 1492);
    w_inject(d, n);
    CHECK_EQ(fake_frame_count(), 1);
    size_t rl;
    const uint8_t *r = fake_frame(0, &rl);
    CHECK_EQ(rl, n);
    CHECK_EQ(r[0] >> 4, 6);
    CHECK_EQ(r[6], 58);
    CHECK_MEM(r + 8, W_BOARD6, 16);
    CHECK_MEM(r + 24, W_HOST6, 16);
    CHECK_EQ(r[40], 129);
    /* checksum over the pseudo-header */
    uint32_t ps = 0;
    for (int i = 8; i < 40; i += 2) ps += (uint32_t)(r[i] << 8 | r[i + 1]);
    ps += 58 + (uint32_t)(rl - 40);
    CHECK_EQ(w_csum(r + 40, rl - 40, ps), 0);
    CHECK_MEM(r + 48, data, sizeof data);
}

static void test_echo_v6_ext_header(void)
{
    setup();
    uint8_t d[300], e[300];
    size_t n = w_build_echo(d, 6, 1, 1, (const uint8_t *)"xy", 2);
    /* hop-by-hop header (8 bytes, PadN) in front of ICMPv6 */
    memcpy(e, d, 40);
    e[6] = 0;
    e[40] = 58;
    e[41] = 0;
    e[42] = 1;
    e[43] = 4;
    memset(e + 44, 0, 4);
    memcpy(e + 48, d + 40, n - 40);
    e[4] = 0;
    e[5] = (uint8_t)(n - 40 + 8);
    w_inject(e, n + 8);
    CHECK_EQ(fake_frame_count(), 1);
    size_t rl;
    const uint8_t *r = fake_frame(0, &rl);
    CHECK_EQ(rl, n);
    CHECK_EQ(r[6], 58);
    CHECK_EQ(r[40], 129);
}

static void test_bad_checksums_dropped(void)
{
    setup();
    uint8_t d[200];
    size_t n = w_build_echo(d, 4, 1, 1, (const uint8_t *)"abc", 3);
    d[10] ^= 1; /* IP header checksum */
    w_inject(d, n);
    CHECK_EQ(g_counters.ip_bad_checksum, 1);
    n = w_build_echo(d, 4, 1, 1, (const uint8_t *)"abc", 3);
    d[n - 1] ^= 0x40; /* ICMP data */
    w_inject(d, n);
    CHECK_EQ(g_counters.icmp_bad_checksum, 1);
    n = w_build_echo(d, 6, 1, 1, (const uint8_t *)"abc", 3);
    d[n - 1] ^= 0x40;
    w_inject(d, n);
    CHECK_EQ(g_counters.icmp_bad_checksum, 2);
    n = w_build_tcp(d, 4, 1000, 21, 1, 0, TF_SYN, 1000, NULL, 0, NULL, 0);
    d[n - 3] ^= 0x10;
    w_inject(d, n);
    CHECK_EQ(g_counters.tcp_bad_checksum, 1);
    n = w_build_tcp(d, 6, 1000, 21, 1, 0, TF_SYN, 1000, NULL, 0, (const uint8_t *)"z", 1);
    d[n - 1] ^= 0x10;
    w_inject(d, n);
    CHECK_EQ(g_counters.tcp_bad_checksum, 2);
    CHECK_EQ(fake_frame_count(), 0);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_not_for_us_fragments_unknown(void)
{
    setup();
    uint8_t d[200];
    size_t n = w_build_echo(d, 4, 1, 1, (const uint8_t *)"abc", 3);
    d[19] = 99;
    w_fix_checksums(d, n);
    w_inject(d, n);
    CHECK_EQ(g_counters.ip_not_for_us, 1);
    n = w_build_echo(d, 4, 1, 1, (const uint8_t *)"abc", 3);
    d[6] = 0x20; /* MF */
    w_fix_checksums(d, n);
    w_inject(d, n);
    CHECK_EQ(g_counters.ip_fragments, 1);
    n = w_build_echo(d, 4, 1, 1, (const uint8_t *)"abc", 3);
    d[9] = 17; /* UDP */
    w_fix_checksums(d, n);
    w_inject(d, n);
    CHECK_EQ(g_counters.ip_unknown_proto, 1);
    n = w_build_echo(d, 6, 1, 1, (const uint8_t *)"abc", 3);
    d[39] = 7;
    w_inject(d, n);
    CHECK_EQ(g_counters.ip_not_for_us, 2);
    n = w_build_echo(d, 6, 1, 1, (const uint8_t *)"abc", 3);
    d[6] = 44; /* fragment header */
    w_inject(d, n);
    CHECK_EQ(g_counters.ip_fragments, 2);
    CHECK_EQ(fake_frame_count(), 0);
}

static void test_malformed(void)
{
    setup();
    uint8_t d[200];
    size_t n = w_build_echo(d, 4, 1, 1, (const uint8_t *)"abc", 3);
    uint32_t before = g_counters.ip_malformed;
    w_inject(d, 10); /* truncated header */
    d[0] = 0x44;     /* IHL 4 */
    w_inject(d, n);
    n = w_build_echo(d, 4, 1, 1, (const uint8_t *)"abc", 3);
    d[3] = (uint8_t)(n + 1); /* total length beyond the frame */
    w_fix_checksums(d, n);
    w_inject(d, n);
    d[0] = 0x55; /* version 5 */
    w_inject(d, n);
    n = w_build_echo(d, 6, 1, 1, (const uint8_t *)"abc", 3);
    d[5] = (uint8_t)(d[5] + 1); /* payload length beyond the frame */
    w_inject(d, n);
    w_inject(d, 39); /* truncated v6 header */
    n = w_build_echo(d, 4, 1, 1, NULL, 0);
    d[3] = 24; /* ICMP shorter than 8 */
    w_fix_checksums(d, n);
    w_inject(d, 24);
    n = w_build_tcp(d, 4, 1000, 21, 1, 0, TF_SYN, 1000, NULL, 0, NULL, 0);
    d[32] = 0x30; /* TCP data offset 12 */
    w_fix_checksums(d, n);
    w_inject(d, n);
    d[32] = 0xF0; /* data offset 60 > segment */
    w_fix_checksums(d, n);
    w_inject(d, n);
    CHECK_EQ(g_counters.ip_malformed - before, 7);
    CHECK_EQ(g_counters.tcp_malformed, 2);
    CHECK_EQ(fake_frame_count(), 0);
    CHECK_EQ(pool_free_count(), POOL_COUNT);
}

static void test_never_over_mtu(void)
{
    setup();
    /* a frame over the pool buffer is dropped by the driver */
    uint8_t d[1600];
    memset(d, 0x45, sizeof d);
    w_inject(d, sizeof d);
    CHECK_EQ(g_counters.slip_oversize, 1);
    /* net_output refuses anything over the MTU */
    uint8_t big[NET_MTU + 1];
    memset(big, 0, sizeof big);
    net_output(big, 20, big + 20, NET_MTU - 19);
    CHECK_EQ(g_counters.tx_too_big, 1);
    CHECK_EQ(fake_frame_count(), 0);
}

static uint32_t g_x = 0x12345678;
static uint32_t rnd(void) { return t_xorshift(&g_x); }

/* Valid seeds for mutation: echo v4/v6, TCP SYN/ACK/data/FIN with options, to an open and a closed port. */
static size_t seed_frame(uint8_t *d, unsigned k)
{
    static const uint8_t opts[] = {2, 4, 5, 180, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 0, 0};
    int fam = (k & 1) ? 6 : 4;
    switch ((k >> 1) % 6) {
    case 0: return w_build_echo(d, fam, 1, 2, (const uint8_t *)"fuzzfuzz", 8);
    case 1: return w_build_tcp(d, fam, 40000, 21, rnd(), 0, TF_SYN, 8192, opts, sizeof opts, NULL, 0);
    case 2: return w_build_tcp(d, fam, 40000, 21, rnd(), rnd(), TF_ACK | TF_PSH, 8192, NULL, 0,
                               (const uint8_t *)"USER hil\r\n", 10);
    case 3: return w_build_tcp(d, fam, 40001, 9, rnd(), 0, TF_SYN, 8192, NULL, 0, NULL, 0);
    case 4: return w_build_tcp(d, fam, 40000, 21, rnd(), rnd(), TF_FIN | TF_ACK, 100, NULL, 0, NULL, 0);
    default: return w_build_tcp(d, fam, 40000, 21, rnd(), rnd(), (uint8_t)rnd(), (uint16_t)rnd(), opts, 8,
                                (const uint8_t *)"x", 1);
    }
}

static void test_fuzz(void)
{
    setup();
    tcp_id l = tcp_listen(21, 4);
    CHECK(l >= 0);
    uint8_t d[1600];
    size_t max_out = 0;
    for (int it = 0; it < 60000; it++) {
        size_t n = seed_frame(d, rnd());
        unsigned mode = rnd() % 6;
        int flips = 1 + (int)(rnd() % 6);
        for (int f = 0; f < flips; f++) {
            size_t at = rnd() % n;
            switch (mode) {
            case 0: d[at] ^= (uint8_t)(1u << (rnd() % 8)); break;      /* bit flips */
            case 1: d[at] = (uint8_t)rnd(); break;                       /* byte noise */
            case 2: n = at + 1; break;                                   /* truncation */
            case 3: d[rnd() % (n < 64 ? n : 64)] = (uint8_t)rnd(); break; /* header noise */
            default: break;
            }
        }
        if (mode >= 3) w_fix_checksums(d, n); /* get past the checksums into the parsers */
        if (mode == 5 && n < sizeof d - 40) {  /* random trailing garbage */
            size_t extra = rnd() % 40;
            for (size_t i = 0; i < extra; i++) d[n + i] = (uint8_t)rnd();
            n += extra;
        }
        w_inject(d, n);
        /* random raw SLIP noise now and then */
        if ((it & 63) == 0) {
            uint8_t noise[64];
            for (size_t i = 0; i < sizeof noise; i++) noise[i] = (uint8_t)rnd();
            net_input_bytes(noise, sizeof noise);
        }
        if ((it & 255) == 0) {
            fake_now += 700;
            net_poll(fake_now);
            while (tcp_accept(l) >= 0) {
            }
        }
        if (fake_max_frame_len() > max_out) max_out = fake_max_frame_len();
        fake_clear_frames();
    }
    CHECK(max_out <= NET_MTU);
    /* drain: everything the fuzz opened times out, and every buffer comes back */
    tcp_abort(l);
    for (int i = 0; i < TCP_MAX_SOCKETS; i++) tcp_abort(i);
    const uint8_t end = 0xC0;
    net_input_bytes(&end, 1);
    for (int i = 0; i < 200; i++) {
        fake_now += 1000;
        net_poll(fake_now);
    }
    CHECK_EQ(pool_free_count(), POOL_COUNT);
    printf("    fuzz: rx=%u malformed=%u ipsum=%u tcpsum=%u tcp_bad=%u rst_tx=%u oversize=%u badesc=%u\n",
           g_counters.rx_frames, g_counters.ip_malformed, g_counters.ip_bad_checksum,
           g_counters.tcp_bad_checksum, g_counters.tcp_malformed, g_counters.tcp_rst_tx, g_counters.slip_oversize,
           g_counters.slip_bad_escape);
}

int main(void)
{
    RUN(test_echo_v4);
    RUN(test_echo_v4_with_options_and_padding);
    RUN(test_echo_v6);
    RUN(test_echo_v6_ext_header);
    RUN(test_bad_checksums_dropped);
    RUN(test_not_for_us_fragments_unknown);
    RUN(test_malformed);
    RUN(test_never_over_mtu);
    RUN(test_fuzz);
    return test_summary("ip");
}
