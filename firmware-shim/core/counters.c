/* counters.c */
#include "counters.h"

#include <stddef.h>
#include <string.h>

#include "pool.h"

counters_t g_counters;

static const char *const g_names[] = {
#define COUNTERS_NAME(n) #n,
    COUNTERS_LIST(COUNTERS_NAME)
#undef COUNTERS_NAME
};

static const uint16_t g_offsets[] = {
#define COUNTERS_OFFSET(n) (uint16_t)offsetof(counters_t, n),
    COUNTERS_LIST(COUNTERS_OFFSET)
#undef COUNTERS_OFFSET
};

#define N_COUNTERS (sizeof g_names / sizeof g_names[0])

void counters_reset(void)
{
    counters_t zero = {0};
    g_counters = zero;
    pool_reset_stats();
}

size_t counters_count(void)
{
    return N_COUNTERS;
}

const char *counters_name(size_t i)
{
    return i < N_COUNTERS ? g_names[i] : "";
}

uint32_t counters_value(size_t i)
{
    g_counters.pool_low_water = (uint32_t)pool_low_water();
    g_counters.pool_alloc_failures = pool_alloc_failures();
    if (i >= N_COUNTERS) return 0;
    uint32_t v;
    memcpy(&v, (const uint8_t *)&g_counters + g_offsets[i], sizeof v);
    return v;
}

static size_t put_str(char *buf, size_t cap, size_t at, const char *s)
{
    while (*s != '\0') {
        if (at + 1 < cap) buf[at] = *s;
        at++;
        s++;
    }
    return at;
}

size_t counters_format(char *buf, size_t cap)
{
    size_t at = 0;
    for (size_t i = 0; i < N_COUNTERS; i++) {
        char num[11];
        int k = 10;
        uint32_t v = counters_value(i);
        num[k] = '\0';
        do {
            num[--k] = (char)('0' + v % 10u);
            v /= 10u;
        } while (v != 0 && k > 0);
        if (i > 0) at = put_str(buf, cap, at, " ");
        at = put_str(buf, cap, at, g_names[i]);
        at = put_str(buf, cap, at, "=");
        at = put_str(buf, cap, at, &num[k]);
    }
    if (cap > 0) buf[at < cap ? at : cap - 1] = '\0';
    return at < cap ? at : (cap > 0 ? cap - 1 : 0);
}
