/* Outage counting for the log: first failure, one summary per interval,
 * recovery. */
#include <string.h>

#include "ms_outage.h"
#include "unit_tests.h"

#define T0 1700000000u

START_TEST(first_failure_then_quiet)
{
    ms_outage o;
    apr_uint32_t n = 99, since = 99, total, began;

    memset(&o, 0, sizeof(o));
    ck_assert_int_eq(ms_outage_recover(&o, &total, &began), 0);
    ck_assert_int_eq(ms_outage_fail(&o, T0, 60, &n, &since), MS_OUTAGE_FIRST);
    ck_assert_int_eq(ms_outage_fail(&o, T0, 60, &n, &since), MS_OUTAGE_QUIET);
    ck_assert_int_eq(ms_outage_fail(&o, T0 + 59, 60, &n, &since), MS_OUTAGE_QUIET);
    /* nothing handed out for quiet failures */
    ck_assert_uint_eq(n, 99);
    ck_assert_uint_eq(since, 99);
}
END_TEST

START_TEST(one_summary_per_interval)
{
    ms_outage o;
    apr_uint32_t n = 0, since = 0, i;

    memset(&o, 0, sizeof(o));
    ck_assert_int_eq(ms_outage_fail(&o, T0, 60, &n, &since), MS_OUTAGE_FIRST);
    for (i = 1; i <= 29; i++) {            /* 29 more in the first minute */
        ck_assert_int_eq(ms_outage_fail(&o, T0 + i, 60, &n, &since),
                         MS_OUTAGE_QUIET);
    }
    /* the 31st request, a minute after the first line: the summary counts
     * everything since that line, this request included */
    ck_assert_int_eq(ms_outage_fail(&o, T0 + 60, 60, &n, &since),
                     MS_OUTAGE_SUMMARY);
    ck_assert_uint_eq(n, 30);
    ck_assert_uint_eq(since, T0);
    /* the next summary is a minute after this one, not after the first */
    ck_assert_int_eq(ms_outage_fail(&o, T0 + 61, 60, &n, &since), MS_OUTAGE_QUIET);
    ck_assert_int_eq(ms_outage_fail(&o, T0 + 119, 60, &n, &since), MS_OUTAGE_QUIET);
    ck_assert_int_eq(ms_outage_fail(&o, T0 + 200, 60, &n, &since),
                     MS_OUTAGE_SUMMARY);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(since, T0 + 60);
}
END_TEST

START_TEST(recovery_once_with_total)
{
    ms_outage o;
    apr_uint32_t n, since, total = 0, began = 0, i;

    memset(&o, 0, sizeof(o));
    for (i = 0; i < 30; i++) {
        ms_outage_fail(&o, T0 + i * 5, 60, &n, &since);
    }
    ck_assert_int_eq(ms_outage_recover(&o, &total, &began), 1);
    ck_assert_uint_eq(total, 30);
    ck_assert_uint_eq(began, T0);
    /* only the first success after the outage reports it */
    ck_assert_int_eq(ms_outage_recover(&o, &total, &began), 0);
    /* a new outage starts afresh */
    ck_assert_int_eq(ms_outage_fail(&o, T0 + 500, 60, &n, &since), MS_OUTAGE_FIRST);
    ck_assert_int_eq(ms_outage_fail(&o, T0 + 501, 60, &n, &since), MS_OUTAGE_QUIET);
    ck_assert_int_eq(ms_outage_recover(&o, &total, &began), 1);
    ck_assert_uint_eq(total, 2);
    ck_assert_uint_eq(began, T0 + 500);
}
END_TEST

START_TEST(clock_behind_gives_no_summary)
{
    ms_outage o;
    apr_uint32_t n = 0, since = 0;

    memset(&o, 0, sizeof(o));
    ck_assert_int_eq(ms_outage_fail(&o, T0 + 100, 60, &n, &since), MS_OUTAGE_FIRST);
    /* another process whose clock reads earlier: no wrap-around summary */
    ck_assert_int_eq(ms_outage_fail(&o, T0, 60, &n, &since), MS_OUTAGE_QUIET);
    ck_assert_int_eq(ms_outage_fail(&o, T0 + 160, 60, &n, &since),
                     MS_OUTAGE_SUMMARY);
    ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(default_interval_is_a_minute)
{
    ck_assert_int_eq(MS_OUTAGE_INTERVAL, 60);
}
END_TEST

Suite *outage_suite(void)
{
    Suite *s = suite_create("outage");
    TCase *tc = tcase_create("outage");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, first_failure_then_quiet);
    tcase_add_test(tc, one_summary_per_interval);
    tcase_add_test(tc, recovery_once_with_total);
    tcase_add_test(tc, clock_behind_gives_no_summary);
    tcase_add_test(tc, default_interval_is_a_minute);
    suite_add_tcase(s, tc);
    return s;
}
