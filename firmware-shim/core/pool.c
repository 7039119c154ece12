/* pool.c - static packet pool with a free list. */
#include "pool.h"

#include <string.h>

static uint8_t g_buf[POOL_COUNT][(POOL_PAYLOAD + 3u) & ~3u] __attribute__((aligned(4)));
static pkt_meta_t g_meta[POOL_COUNT];
static pkt_t g_free_head;
static size_t g_free_count;
static size_t g_low_water;
static uint32_t g_failures;
static uint32_t g_free_gen;

void pool_init(void)
{
    g_free_head = PKT_NONE;
    for (int i = POOL_COUNT - 1; i >= 0; i--) {
        memset(&g_meta[i], 0, sizeof g_meta[i]);
        g_meta[i].next = g_free_head;
        g_free_head = (pkt_t)i;
    }
    g_free_count = POOL_COUNT;
    g_low_water = POOL_COUNT;
    g_failures = 0;
}

pkt_t pool_alloc(size_t keep)
{
    if (g_free_head == PKT_NONE || g_free_count <= keep) {
        g_failures++;
        return PKT_NONE;
    }
    pkt_t p = g_free_head;
    g_free_head = g_meta[p].next;
    g_free_count--;
    if (g_free_count < g_low_water) g_low_water = g_free_count;
    g_meta[p].off = 0;
    g_meta[p].len = 0;
    g_meta[p].seq = 0;
    g_meta[p].next = PKT_NONE;
    g_meta[p].used = 1;
    g_meta[p].flags = 0;
    return p;
}

bool pool_valid(pkt_t p)
{
    return p >= 0 && p < POOL_COUNT && g_meta[p].used;
}

void pool_free(pkt_t p)
{
    if (!pool_valid(p)) return; /* double free or garbage: ignore rather than corrupt the list */
    g_meta[p].used = 0;
    g_meta[p].next = g_free_head;
    g_free_head = p;
    g_free_count++;
    g_free_gen++;
}

uint8_t *pool_data(pkt_t p)
{
    return g_buf[p];
}

pkt_meta_t *pool_meta(pkt_t p)
{
    return &g_meta[p];
}

size_t pool_free_count(void)
{
    return g_free_count;
}

uint32_t pool_free_generation(void)
{
    return g_free_gen;
}

size_t pool_low_water(void)
{
    return g_low_water;
}

uint32_t pool_alloc_failures(void)
{
    return g_failures;
}

void pool_reset_stats(void)
{
    g_low_water = g_free_count;
    g_failures = 0;
}
