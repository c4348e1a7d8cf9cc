/* Strict base64url (lib/ms_base64url.c), as the sealed format uses it:
 * no padding, no stray bits, and the vector paths against references. */
#include <stdlib.h>
#include <string.h>

#include "coder_refs.h"
#include "ms_base64url.h"
#include "unit_tests.h"

START_TEST(base64url_strict)
{
    unsigned char *out;
    apr_size_t n;
    char buf[16];

    ms_base64url_encode((const unsigned char *)"\xfb\xff", 2, buf);
    ck_assert_str_eq(buf, "-_8");
    ck_assert_int_eq(ms_base64url_decode("-_8", 3, ut_pool, &out, &n), APR_SUCCESS);
    ck_assert_uint_eq(n, 2);
    ck_assert_mem_eq(out, "\xfb\xff", 2);
    ck_assert_int_eq(ms_base64url_decode("-_9", 3, ut_pool, &out, &n), APR_EINVAL);
    ck_assert_int_eq(ms_base64url_decode("+/8", 3, ut_pool, &out, &n), APR_EINVAL);
    ck_assert_int_eq(ms_base64url_decode("-_8=", 4, ut_pool, &out, &n), APR_EINVAL);
    ck_assert_int_eq(ms_base64url_decode("QUJD", 4, ut_pool, &out, &n), APR_SUCCESS);
    ck_assert_int_eq(ms_base64url_decode("QUJDR", 5, ut_pool, &out, &n), APR_EINVAL);
    ck_assert_int_eq(ms_base64url_decode("", 0, ut_pool, &out, &n), APR_SUCCESS);
    ck_assert_uint_eq(n, 0);
}
END_TEST

/* --- against plain references (see test_base64.c) ---------------------- */

/* Strict base64url: a bit accumulator, the leftover bits must be zero. */
static int ref_url(const unsigned char *s, apr_size_t len,
                   unsigned char *out, apr_size_t *n)
{
    apr_uint32_t acc = 0;
    apr_size_t i;
    int bits = 0;

    *n = 0;
    if (len % 4 == 1)
        return 0;
    for (i = 0; i < len; i++) {
        int v = ut_ref_b64_value(s[i], 1, 0);
        if (v < 0)
            return 0;
        acc = acc << 6 | (apr_uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[(*n)++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return acc == 0;
}

static void compare_url(const unsigned char *s, apr_size_t len, apr_pool_t *p)
{
    unsigned char want[UT_MAXIN], *got = NULL;
    apr_size_t wn, gn = 0;
    int ok = ref_url(s, len, want, &wn);
    apr_status_t rv = ms_base64url_decode((const char *)s, len, p, &got, &gn);

    ck_assert_msg((rv == APR_SUCCESS) == ok, "url verdict on \"%.*s\" (%d)",
                  (int)len, (const char *)s, (int)len);
    if (ok) {
        ck_assert_uint_eq(gn, wn);
        ck_assert_msg(memcmp(got, want, wn) == 0, "url bytes of \"%.*s\"",
                      (int)len, (const char *)s);
    }
}

UT_CODER_TEST(decoder_matches_reference_random, ut_decoder_random_inputs, compare_url)

UT_CODER_TEST(decoder_every_byte_everywhere, ut_decoder_every_byte, compare_url)

/* The encoder into the caller's buffer of exactly length + 1 (guarded
 * unless exact), against the reference and back through the decoder. */
static void compare_encoder(const unsigned char *data, apr_size_t len,
                            apr_pool_t *p, int exact)
{
    unsigned char *in = malloc(len ? len : 1), *back = NULL;
    char *want = malloc(2 * len + 8), *got;
    apr_size_t bn = 0, ulen;

    UT_EXPECT(in != NULL && want != NULL, "out of memory");
    memcpy(in, data, len);
    ut_ref_b64_encode(in, len, ut_url_alpha, 0, want);
    ulen = ms_base64url_encoded_length(len);
    UT_EXPECT(ulen == strlen(want), "base64url length of %d bytes: %d",
              (int)len, (int)ulen);
    got = ut_guarded(ulen + 1, exact);
    ms_base64url_encode(in, len, got);
    UT_EXPECT(strcmp(got, want) == 0, "base64url of %d bytes: %s, want %s",
              (int)len, got, want);
    UT_EXPECT(ms_base64url_decode(got, ulen, p, &back, &bn) == APR_SUCCESS
              && bn == len && memcmp(back, in, len) == 0,
              "base64url round trip, %d bytes", (int)len);
    ut_unguard(got, ulen + 1, exact, "ms_base64url_encode", len);
    free(want);
    free(in);
}

UT_CODER_TEST(encoder_matches_reference_random, ut_encoder_random_inputs, compare_encoder)

UT_CODER_TEST(encoder_every_byte_everywhere, ut_encoder_every_byte, compare_encoder)

Suite *base64url_suite(void)
{
    Suite *s = suite_create("base64url");
    TCase *tc = tcase_create("base64url");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, base64url_strict);
    suite_add_tcase(s, tc);

    tc = ut_coder_tcase();
    UT_ADD_CODER_TEST(tc, decoder_matches_reference_random);
    UT_ADD_CODER_TEST(tc, decoder_every_byte_everywhere);
    UT_ADD_CODER_TEST(tc, encoder_matches_reference_random);
    UT_ADD_CODER_TEST(tc, encoder_every_byte_everywhere);
    suite_add_tcase(s, tc);
    return s;
}
