#include "test.h"

int t_checks, t_failures, t_tests, t_failed_tests;

int test_summary(const char *name)
{
    printf("%s: %d tests, %d checks, %d failed checks, %d failed tests\n", name, t_tests, t_checks, t_failures,
           t_failed_tests);
    return t_failures == 0 ? 0 : 1;
}
