/* Packet pool: exhaustion, reserve, low-water mark, bad frees; the net driver's use of it. */
#include "pool.h"

#include "counters.h"
#include "fake_port.h"
#include "net.h"
#include "test.h"

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

int main(void)
{
    RUN(test_alloc_all);
    RUN(test_reserve);
    RUN(test_bad_free);
    RUN(test_driver_drops_frames_when_empty);
    RUN(test_counters_format);
    return test_summary("pool");
}
