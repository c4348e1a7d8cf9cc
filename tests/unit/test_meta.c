/* The reserved times member of server-side payloads. */
#include <string.h>

#include "ms_meta.h"
#include "unit_tests.h"

#define SEC(n) apr_time_from_sec(APR_INT64_C(n))

START_TEST(wrap_and_unwrap)
{
    apr_time_t i, s;
    char *w = ms_meta_wrap("{\"a\":\"1\"}", SEC(100), SEC(200), ut_pool);

    ck_assert_str_eq(w, "{\"\\u0000ms\":\"100,200\",\"a\":\"1\"}");
    ck_assert_str_eq(ms_meta_unwrap(w, ut_pool, &i, &s), "{\"a\":\"1\"}");
    ck_assert_int_eq(i, SEC(100));
    ck_assert_int_eq(s, SEC(200));
    w = ms_meta_wrap("{}", SEC(5), SEC(5), ut_pool);
    ck_assert_str_eq(w, "{\"\\u0000ms\":\"5,5\"}");
    ck_assert_str_eq(ms_meta_unwrap(w, ut_pool, &i, &s), "{}");
}
END_TEST

START_TEST(plain_payload_has_unknown_times)
{
    apr_time_t i = 1, s = 1;
    const char *p = "{\"a\":\"1\"}";

    ck_assert_ptr_eq(ms_meta_unwrap(p, ut_pool, &i, &s), p);
    ck_assert_int_eq(i, 0);
    ck_assert_int_eq(s, 0);
}
END_TEST

START_TEST(malformed_member_refused)
{
    apr_time_t i, s;

    ck_assert_ptr_null(ms_meta_unwrap("{\"\\u0000ms\":\"1\",\"a\":\"1\"}", ut_pool,
                                      &i, &s));
    ck_assert_ptr_null(ms_meta_unwrap("{\"\\u0000ms\":\"9,5\"}", ut_pool, &i, &s));
    ck_assert_ptr_null(ms_meta_unwrap("{\"\\u0000ms\":\"1,2\"x", ut_pool, &i, &s));
    ck_assert_ptr_null(ms_meta_unwrap("{\"\\u0000ms\":\",2\"}", ut_pool, &i, &s));
}
END_TEST

Suite *meta_suite(void)
{
    Suite *s = suite_create("meta");
    TCase *tc = tcase_create("meta");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, wrap_and_unwrap);
    tcase_add_test(tc, plain_payload_has_unknown_times);
    tcase_add_test(tc, malformed_member_refused);
    suite_add_tcase(s, tc);
    return s;
}
