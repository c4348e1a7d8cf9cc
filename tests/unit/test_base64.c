/* Base64: apr-backed writer, Crystal-compatible lenient reader. */
#include <string.h>

#include "ms_base64.h"
#include "unit_tests.h"

/* Decode s and compare with want (want NULL: must fail). */
static void check_decode(const char *s, const char *want, apr_size_t wantlen)
{
    unsigned char *out = NULL;
    apr_size_t n = 12345;
    apr_status_t rv = ms_base64_decode_lenient(s, strlen(s), ut_pool, &out, &n);

    if (want == NULL) {
        ck_assert_msg(rv != APR_SUCCESS, "\"%s\" should be rejected", s);
        return;
    }
    ck_assert_msg(rv == APR_SUCCESS, "\"%s\" should decode", s);
    ck_assert_uint_eq(n, wantlen);
    ck_assert_mem_eq(out, want, wantlen);
    ck_assert_int_eq(out[n], '\0');
}

START_TEST(encode_rfc4648)
{
    static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
                                       "Zm9vYmE=", "Zm9vYmFy" };
    apr_size_t n;
    int i;

    for (i = 0; i < 7; i++) {
        char *e = ms_base64_encode(in[i], strlen(in[i]), ut_pool, &n);
        ck_assert_str_eq(e, out[i]);
        ck_assert_uint_eq(n, strlen(out[i]));
    }
    /* standard alphabet, no line breaks even when long */
    ck_assert_str_eq(ms_base64_encode("\xfb\xff\xbf", 3, ut_pool, NULL), "+/+/");
    ck_assert_ptr_null(strchr(ms_base64_encode(
        "0123456789012345678901234567890123456789012345678901234567890123456789"
        "0123456789012345678901234567890123456789", 110, ut_pool, NULL), '\n'));
}
END_TEST

START_TEST(decode_standard)
{
    check_decode("", "", 0);
    check_decode("Zg==", "f", 1);
    check_decode("Zm8=", "fo", 2);
    check_decode("Zm9v", "foo", 3);
    check_decode("Zm9vYmFy", "foobar", 6);
    check_decode("+/+/", "\xfb\xff\xbf", 3);
}
END_TEST

START_TEST(decode_url_safe_and_mixed)
{
    check_decode("-_-_", "\xfb\xff\xbf", 3);
    check_decode("+_-/", "\xfb\xff\xbf", 3);
    check_decode("-_+/", "\xfb\xff\xbf", 3);
}
END_TEST

START_TEST(decode_unpadded_and_extra_padding)
{
    check_decode("Zg", "f", 1);
    check_decode("Zm8", "fo", 2);
    check_decode("Zg=", "f", 1);
    check_decode("Zg===", "f", 1);
    check_decode("Zm9v====", "foo", 3);
    check_decode("====", "", 0);
}
END_TEST

START_TEST(decode_line_breaks)
{
    check_decode("Zm9v\r\nYmFy", "foobar", 6);
    check_decode("Zm9v\nYmFy\n", "foobar", 6);
    check_decode("\r\n\nZm9vYmFy", "foobar", 6);
    check_decode("Zm9vYg==\r\n", "foob", 4);
    check_decode("Zm9vYg=\n=\r", "foob", 4);
    check_decode("Zm9v\nYg", "foob", 4);
    /* only between groups: a break inside a group is a bad byte */
    check_decode("Zm\n9v", NULL, 0);
    check_decode("Zm9vY\nmFy", NULL, 0);
}
END_TEST

START_TEST(decode_unused_bits_ignored)
{
    check_decode("Zh==", "f", 1);   /* 'h' leaves low bits set */
    check_decode("Zm9=", "fo", 2);
    check_decode("Zm_", "fo", 2);
}
END_TEST

START_TEST(decode_rejects_bad_input)
{
    check_decode("Zm9v YmFy", NULL, 0);      /* space */
    check_decode(" Zm9v", NULL, 0);
    check_decode("Zm9v\t", NULL, 0);
    check_decode("Zg==Zg==", NULL, 0);       /* '=' inside */
    check_decode("Zm9*", NULL, 0);
    check_decode("Zm9v.", NULL, 0);
    check_decode("Zm9v\xc3\xa9", NULL, 0);   /* non-ASCII */
    check_decode("Z", NULL, 0);              /* one dangling character */
    check_decode("Zm9vY", NULL, 0);
    check_decode("Zm9vY=", NULL, 0);
    check_decode("Zm9vY\n", NULL, 0);
}
END_TEST

START_TEST(decode_embedded_nul_rejected)
{
    unsigned char *out;
    apr_size_t n;

    ck_assert_int_ne(ms_base64_decode_lenient("Zm\0v", 4, ut_pool, &out, &n),
                     APR_SUCCESS);
    /* the given length counts, not the NUL */
    ck_assert_int_eq(ms_base64_decode_lenient("Zm9vYmFy", 4, ut_pool, &out, &n),
                     APR_SUCCESS);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(out, "foo", 3);
}
END_TEST

START_TEST(roundtrip_all_bytes)
{
    unsigned char in[256], *out;
    apr_size_t n, elen, len;
    char *e;
    int i;

    for (i = 0; i < 256; i++)
        in[i] = (unsigned char)i;
    for (len = 0; len <= 256; len += 1) {
        e = ms_base64_encode(in + (256 - len), len, ut_pool, &elen);
        ck_assert_uint_eq(elen, (len + 2) / 3 * 4);
        ck_assert_int_eq(ms_base64_decode_lenient(e, elen, ut_pool, &out, &n),
                         APR_SUCCESS);
        ck_assert_uint_eq(n, len);
        ck_assert_int_eq(memcmp(out, in + (256 - len), len), 0);
    }
}
END_TEST

Suite *base64_suite(void)
{
    Suite *s = suite_create("base64");
    TCase *tc = tcase_create("base64");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, encode_rfc4648);
    tcase_add_test(tc, decode_standard);
    tcase_add_test(tc, decode_url_safe_and_mixed);
    tcase_add_test(tc, decode_unpadded_and_extra_padding);
    tcase_add_test(tc, decode_line_breaks);
    tcase_add_test(tc, decode_unused_bits_ignored);
    tcase_add_test(tc, decode_rejects_bad_input);
    tcase_add_test(tc, decode_embedded_nul_rejected);
    tcase_add_test(tc, roundtrip_all_bytes);
    suite_add_tcase(s, tc);
    return s;
}
