/* The lifetime policy: touch intervals, expiry capped by the maximum
 * lifetime, and unknown times where a limit applies. */
#include "ms_lifetime.h"
#include "unit_tests.h"

#define SEC(n) apr_time_from_sec(APR_INT64_C(n))
#define NOW SEC(1893456000)                  /* 2030-01-01 */

START_TEST(touch_interval_defaults)
{
    ms_lifetime_policy off = { 0, 0, -1 }, p300 = { 300, 0, -1 },
                       p3600 = { 3600, 0, -1 }, p5 = { 5, 0, -1 },
                       set = { 3600, 0, 7 };

    ck_assert_int_eq(ms_lifetime_touch_interval(&off), 0);
    ck_assert_int_eq(ms_lifetime_touch_interval(&p300), 30);
    ck_assert_int_eq(ms_lifetime_touch_interval(&p3600), 60);
    ck_assert_int_eq(ms_lifetime_touch_interval(&p5), 1);
    ck_assert_int_eq(ms_lifetime_touch_interval(&set), 7);
    ck_assert(!ms_lifetime_touch_due(&off, NOW, NOW + SEC(100000)));
    ck_assert(!ms_lifetime_touch_due(&p300, NOW, NOW + SEC(29)));
    ck_assert(ms_lifetime_touch_due(&p300, NOW, NOW + SEC(30)));
}
END_TEST

START_TEST(expiry_capped_by_max_lifetime)
{
    ms_lifetime_policy pol = { 600, 3600, -1 }, none = { 0, 0, -1 };

    ck_assert_int_eq(ms_lifetime_expires(&none, NOW, NOW, 1209600),
                     NOW + SEC(1209600));
    ck_assert_int_eq(ms_lifetime_expires(&pol, NOW, NOW + SEC(100), 1209600),
                     NOW + SEC(3600));
    ck_assert_int_eq(ms_lifetime_expires(&pol, NOW, NOW + SEC(100), 60),
                     NOW + SEC(160));
}
END_TEST

/* A Marten cookie or a store record without times: no limit can be counted
 * from an unknown time, so where one applies the session is not trusted. */
START_TEST(unknown_times_are_not_trusted_where_a_limit_applies)
{
    ms_lifetime_policy none = { 0, 0, -1 }, idle = { 600, 0, -1 },
                       life = { 0, 3600, -1 };

    ck_assert_int_eq(ms_lifetime_check(&none, 0, 0, NOW), MS_LIFETIME_OK);
    ck_assert_int_eq(ms_lifetime_check(&idle, NOW, 0, NOW), MS_LIFETIME_UNKNOWN);
    ck_assert_int_eq(ms_lifetime_check(&idle, 0, NOW, NOW), MS_LIFETIME_OK);
    ck_assert_int_eq(ms_lifetime_check(&life, 0, NOW, NOW), MS_LIFETIME_UNKNOWN);
    ck_assert_int_eq(ms_lifetime_check(&life, NOW, 0, NOW), MS_LIFETIME_OK);
    ck_assert_str_eq(ms_lifetime_status_str(MS_LIFETIME_UNKNOWN),
                     "no authenticated start or last-seen time to count a limit from");
}
END_TEST

Suite *lifetime_suite(void)
{
    Suite *s = suite_create("lifetime");
    TCase *tc = tcase_create("lifetime");

    tcase_add_test(tc, touch_interval_defaults);
    tcase_add_test(tc, expiry_capped_by_max_lifetime);
    tcase_add_test(tc, unknown_times_are_not_trusted_where_a_limit_applies);
    suite_add_tcase(s, tc);
    return s;
}
