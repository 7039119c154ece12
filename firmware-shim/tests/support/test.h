/* test.h - tiny assertion helpers for the firmware-shim C unit tests.
 *
 * A test program: #include "test.h", write `static void test_x(void) { CHECK(...); }`, and
 *   int main(void) { RUN(test_x); ...; return test_summary("slip"); }
 * CHECK failures are reported and counted (the test goes on); exit status != 0 when any failed.
 * The fake port (fake_port.h) provides port_* with a settable clock and a captured UART. */
#ifndef HILFTP_TEST_H
#define HILFTP_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int t_checks, t_failures, t_tests, t_failed_tests;

#define CHECK(c)                                                                 \
    do {                                                                         \
        t_checks++;                                                              \
        if (!(c)) {                                                              \
            t_failures++;                                                        \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); \
        }                                                                        \
    } while (0)

#define CHECK_EQ(a, b)                                                                              \
    do {                                                                                            \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                       \
        t_checks++;                                                                                 \
        if (va_ != vb_) {                                                                           \
            t_failures++;                                                                           \
            fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", __FILE__, __LINE__, #a, \
                    #b, va_, vb_);                                                                  \
        }                                                                                           \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

#define RUN(fn)                                                         \
    do {                                                                \
        int before_ = t_failures;                                       \
        t_tests++;                                                      \
        fn();                                                           \
        if (t_failures != before_) t_failed_tests++;                    \
        printf("  %-4s %s\n", t_failures == before_ ? "ok" : "FAIL", #fn); \
    } while (0)

/* Prints "NAME: T tests, C checks, F failed" and returns the exit status. */
int test_summary(const char *name);

/* strcmp(got, want) == 0; on a difference both are printed. For CHECK(t_same(...)). */
bool t_same(const char *got, const char *want);

/* xorshift32 (13, 17, 5): one step of *x (not 0), returned. The tests' deterministic random numbers. */
uint32_t t_xorshift(uint32_t *x);

#endif
