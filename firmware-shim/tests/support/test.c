#include "test.h"

int t_checks, t_failures, t_tests, t_failed_tests;

int test_summary(const char *name)
{
    printf("%s: %d tests, %d checks, %d failed checks, %d failed tests\n", name, t_tests, t_checks, t_failures,
           t_failed_tests);
    return t_failures == 0 ? 0 : 1;
}

bool t_same(const char *got, const char *want)
{
    if (strcmp(got, want) == 0) return true;
    fprintf(stderr, "    got  [%s]\n    want [%s]\n", got, want);
    return false;
}

uint32_t t_xorshift(uint32_t *x)
{
    uint32_t v = *x;
    v ^= v << 13;
    v ^= v >> 17;
    v ^= v << 5;
    *x = v;
    return v;
}
