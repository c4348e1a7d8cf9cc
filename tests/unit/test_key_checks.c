/* Published keys and keys of very low variety. */
#include <string.h>

#include "ms_key_checks.h"
#include "unit_tests.h"

#define SAMPLE(k) ms_key_is_sample(k, strlen(k))
#define LOW(k) ms_key_low_variety(k, strlen(k))

START_TEST(samples_recognised)
{
    ck_assert(SAMPLE("3f6c0e2d1b4a59687f8e9d0c1b2a39485f6e7d8c9b0a1f2e3d4c5b6a79881726"));
    ck_assert(SAMPLE("a secret key of at least 32 bytes ................"));
    ck_assert(SAMPLE("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    ck_assert(SAMPLE("NEWKEY................................"));
    /* only the exact bytes */
    ck_assert(!SAMPLE("3f6c0e2d1b4a59687f8e9d0c1b2a39485f6e7d8c9b0a1f2e3d4c5b6a7988172"));
    ck_assert(!SAMPLE("3f6c0e2d1b4a59687f8e9d0c1b2a39485f6e7d8c9b0a1f2e3d4c5b6a798817260"));
    ck_assert(!ms_key_is_sample("a secret key of at least 32 bytes ................",
                                20));
    ck_assert(!SAMPLE("e2e-test-key-0123456789abcdef-0123456789abcd"));
}
END_TEST

START_TEST(low_variety)
{
    ck_assert(LOW("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"));
    ck_assert(LOW("abababababababababababababababab"));
    ck_assert(LOW("abcdefgabcdefgabcdefgabcdefgabcdefg"));           /* 7 bytes */
    ck_assert(LOW("0123456789abcdef0123456789abcdef"));              /* unit 16 */
    ck_assert(LOW("0123456789abcdef0123456789abcdef0123456789"));    /* unit 16, cut */
    ck_assert(LOW("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
}
END_TEST

START_TEST(enough_variety)
{
    ck_assert(!LOW("e2e-test-key-0123456789abcdef-0123456789abcd"));
    ck_assert(!LOW("3f6c0e2d1b4a59687f8e9d0c1b2a39485f6e7d8c9b0a1f2e3d4c5b6a79881726"));
    /* a unit of 17 repeated is not caught; 8 different bytes are enough */
    ck_assert(!LOW("0123456789abcdefg0123456789abcdefg"));
    ck_assert(!LOW("abcdefghabcdefghabcdefghabcdefghX"));
    ck_assert(!LOW("__insecure_9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f__"));
}
END_TEST

Suite *key_checks_suite(void)
{
    Suite *s = suite_create("key_checks");
    TCase *tc = tcase_create("key_checks");

    tcase_add_test(tc, samples_recognised);
    tcase_add_test(tc, low_variety);
    tcase_add_test(tc, enough_variety);
    suite_add_tcase(s, tc);
    return s;
}
