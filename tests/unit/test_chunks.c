/* Splitting a cookie value over several cookies, and reading the count. */
#include <string.h>

#include <apr_strings.h>

#include "ms_chunks.h"
#include "unit_tests.h"

static const char *at(apr_array_header_t *a, int i)
{
    return APR_ARRAY_IDX(a, i, const char *);
}

START_TEST(one_chunk_has_no_prefix)
{
    apr_size_t caps[3] = { 10, 10, 10 };
    apr_array_header_t *a = ms_chunks_split("abcdefghij", 10, caps, 3, ut_pool);

    ck_assert_int_eq(a->nelts, 1);
    ck_assert_str_eq(at(a, 0), "abcdefghij");
}
END_TEST

START_TEST(split_counts_the_prefix)
{
    apr_size_t caps[3] = { 10, 10, 10 };
    apr_array_header_t *a = ms_chunks_split("abcdefghijk", 11, caps, 3, ut_pool);

    ck_assert_int_eq(a->nelts, 2);
    ck_assert_str_eq(at(a, 0), "2:abcdefgh");
    ck_assert_str_eq(at(a, 1), "ijk");
    a = ms_chunks_split("abcdefghijklmnopqrstu", 21, caps, 3, ut_pool);
    ck_assert_int_eq(a->nelts, 3);
    ck_assert_str_eq(at(a, 0), "3:abcdefgh");
    ck_assert_str_eq(at(a, 1), "ijklmnopqr");
    ck_assert_str_eq(at(a, 2), "stu");
}
END_TEST

START_TEST(too_long_does_not_split)
{
    apr_size_t caps[2] = { 10, 10 };

    ck_assert_ptr_null(ms_chunks_split("abcdefghijklmnopqrstu", 19, caps, 2,
                                       ut_pool));
    ck_assert_ptr_nonnull(ms_chunks_split("abcdefghijklmnopqrstu", 18, caps, 2,
                                          ut_pool));
    ck_assert_ptr_null(ms_chunks_split("", 0, caps, 2, ut_pool));
}
END_TEST

START_TEST(count_parsing)
{
    const char *rest;

    ck_assert_int_eq(ms_chunks_count("S1.abc", 3, &rest), 1);
    ck_assert_str_eq(rest, "S1.abc");
    ck_assert_int_eq(ms_chunks_count("eyJ--ab", 3, &rest), 1);
    ck_assert_int_eq(ms_chunks_count("2:S1.a", 3, &rest), 2);
    ck_assert_str_eq(rest, "S1.a");
    ck_assert_int_eq(ms_chunks_count("3:x", 3, &rest), 3);
    ck_assert_int_eq(ms_chunks_count("4:x", 3, &rest), 0);
    ck_assert_int_eq(ms_chunks_count("1:x", 3, &rest), 0);
    ck_assert_int_eq(ms_chunks_count("02:x", 3, &rest), 0);
    ck_assert_int_eq(ms_chunks_count("12:x", 16, &rest), 12);
    ck_assert_int_eq(ms_chunks_count("123", 16, &rest), 1);
}
END_TEST

Suite *chunks_suite(void)
{
    Suite *s = suite_create("chunks");
    TCase *tc = tcase_create("chunks");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, one_chunk_has_no_prefix);
    tcase_add_test(tc, split_counts_the_prefix);
    tcase_add_test(tc, too_long_does_not_split);
    tcase_add_test(tc, count_parsing);
    suite_add_tcase(s, tc);
    return s;
}
