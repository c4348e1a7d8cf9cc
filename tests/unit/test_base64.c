/* Base64 (lib/ms_base64.c): the writer and the lenient reader, and the
 * vector paths of both against plain references. */
#include <stdlib.h>
#include <string.h>

#include "coder_refs.h"
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

/* --- against plain references -------------------------------------------
 * The decoder has vector paths (16 and 32 characters a turn) and unrolled
 * table loops, the encoder vector paths (12 and 24 bytes a turn, the last
 * block moved back over the one before) and a pair-table loop; the
 * references are written for clarity, and every input must give the same
 * verdict and the same bytes. Each test runs at every SIMD level (_i). */

/* Crystal's Base64.decode, as ms_base64.h describes it. */
static int ref_lenient(const unsigned char *s, apr_size_t len,
                       unsigned char *out, apr_size_t *n)
{
    apr_size_t end = len, i = 0, k;
    int v[4];

    *n = 0;
    while (end > 0 && (s[end - 1] == '=' || s[end - 1] == '\r'
                       || s[end - 1] == '\n'))
        end--;
    for (;;) {
        while (i < end && (s[i] == '\r' || s[i] == '\n'))
            i++;
        if (end - i < 4)
            break;
        for (k = 0; k < 4; k++)
            if ((v[k] = ut_ref_b64_value(s[i + k], 0, 0)) < 0)
                return 0;
        out[(*n)++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        out[(*n)++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
        out[(*n)++] = (unsigned char)(v[2] << 6 | v[3]);
        i += 4;
    }
    if (end - i == 1)
        return 0;
    for (k = 0; k < end - i; k++)
        if ((v[k] = ut_ref_b64_value(s[i + k], 0, 0)) < 0)
            return 0;
    if (end - i >= 2)
        out[(*n)++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
    if (end - i == 3)
        out[(*n)++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
    return 1;
}

static void compare_lenient(const unsigned char *s, apr_size_t len,
                            apr_pool_t *p)
{
    unsigned char want[UT_MAXIN], *got = NULL;
    apr_size_t wn, gn = 0;
    int ok = ref_lenient(s, len, want, &wn);
    apr_status_t rv = ms_base64_decode_lenient((const char *)s, len, p,
                                               &got, &gn);

    ck_assert_msg((rv == APR_SUCCESS) == ok, "lenient verdict on \"%.*s\" (%d)",
                  (int)len, (const char *)s, (int)len);
    if (ok) {
        ck_assert_uint_eq(gn, wn);
        ck_assert_msg(memcmp(got, want, wn) == 0, "lenient bytes of \"%.*s\"",
                      (int)len, (const char *)s);
        ck_assert_int_eq(got[gn], '\0');
    }
}

UT_CODER_TEST(decoder_matches_reference_random, ut_decoder_random_inputs, compare_lenient)

UT_CODER_TEST(decoder_every_byte_everywhere, ut_decoder_every_byte, compare_lenient)

START_TEST(lenient_long_inputs)
{
    unsigned char in[1000], *out;
    apr_size_t n, elen, len;
    char *e;
    int i;

    ms_simd_limit(2 - _i);  /* AVX2, SSSE3, then the scalar loops alone */
    /* every vector-block count and remainder up to 1000 bytes */
    for (i = 0; i < 1000; i++)
        in[i] = (unsigned char)(i * 7 + 3);
    for (len = 0; len <= 1000; len++) {
        e = ms_base64_encode(in, len, ut_pool, &elen);
        ck_assert_int_eq(ms_base64_decode_lenient(e, elen, ut_pool, &out, &n),
                         APR_SUCCESS);
        ck_assert_uint_eq(n, len);
        ck_assert_int_eq(memcmp(out, in, len), 0);
        ck_assert_int_eq(out[n], '\0');
    }
    ms_simd_limit(2);
}
END_TEST

/* The encoder on data[0..len) (its own buffer) against the reference,
 * and back through the decoder. */
static void compare_encoder(const unsigned char *data, apr_size_t len,
                            apr_pool_t *p, int exact)
{
    unsigned char *in = malloc(len ? len : 1), *back = NULL;
    char *want = malloc(2 * len + 8), *got;
    apr_size_t n = 12345, bn = 0;

    (void)exact;
    UT_EXPECT(in != NULL && want != NULL, "out of memory");
    memcpy(in, data, len);
    ut_ref_b64_encode(in, len, ut_std_alpha, 1, want);
    got = ms_base64_encode(in, len, p, &n);
    UT_EXPECT(got != NULL, "base64 of %d bytes: NULL", (int)len);
    UT_EXPECT(strcmp(got, want) == 0, "base64 of %d bytes: %s, want %s",
              (int)len, got, want);
    UT_EXPECT(n == strlen(want), "base64 of %d bytes: outlen %d", (int)len,
              (int)n);
    UT_EXPECT(ms_base64_decode_lenient(got, n, p, &back, &bn) == APR_SUCCESS
              && bn == len && memcmp(back, in, len) == 0,
              "base64 round trip, %d bytes", (int)len);
    free(want);
    free(in);
}

UT_CODER_TEST(encoder_matches_reference_random, ut_encoder_random_inputs, compare_encoder)

UT_CODER_TEST(encoder_every_byte_everywhere, ut_encoder_every_byte, compare_encoder)

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

    tc = ut_coder_tcase();
    UT_ADD_CODER_TEST(tc, decoder_matches_reference_random);
    UT_ADD_CODER_TEST(tc, decoder_every_byte_everywhere);
    UT_ADD_CODER_TEST(tc, lenient_long_inputs);
    UT_ADD_CODER_TEST(tc, encoder_matches_reference_random);
    UT_ADD_CODER_TEST(tc, encoder_every_byte_everywhere);
    suite_add_tcase(s, tc);
    return s;
}
