/* Hex (lib/ms_hex.c): the decoder and the lowercase encoder, their vector
 * paths against plain references. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coder_refs.h"
#include "ms_hex.h"
#include "unit_tests.h"

static int ref_hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int ref_hex(const unsigned char *x, apr_size_t len, unsigned char *out)
{
    apr_size_t i;

    if (len % 2)
        return 0;
    for (i = 0; i < len; i += 2) {
        int h = ref_hex_digit(x[i]), l = ref_hex_digit(x[i + 1]);
        if (h < 0 || l < 0)
            return 0;
        out[i / 2] = (unsigned char)(h << 4 | l);
    }
    return 1;
}

static void compare_hex(const unsigned char *x, apr_size_t len)
{
    unsigned char want[UT_MAXIN], got[UT_MAXIN];
    int ok = ref_hex(x, len, want);

    ck_assert_msg(ms_hex_decode((const char *)x, len, got) == ok,
                  "hex verdict on \"%.*s\" (%d)", (int)len, (const char *)x,
                  (int)len);
    if (ok)
        ck_assert_msg(memcmp(got, want, len / 2) == 0, "hex bytes of \"%.*s\"",
                      (int)len, (const char *)x);
}

START_TEST(hex_matches_reference)
{
    static const char digits[] = "0123456789abcdefABCDEF";
    unsigned char x[UT_MAXIN];
    apr_size_t len, i;
    int c, round;

    ms_simd_limit(2 - _i);  /* AVX2, SSSE3, then the scalar loops alone */
    ut_rng_seed(777);
    /* every byte value at every position of 32- and 48-character inputs */
    for (len = 32; len <= 48; len += 16)
        for (i = 0; i < len; i++)
            for (c = 0; c < 256; c++) {
                apr_size_t k;
                for (k = 0; k < len; k++)
                    x[k] = (unsigned char)digits[ut_rnd(22)];
                x[i] = (unsigned char)c;
                compare_hex(x, len);
            }
    /* random lengths, odd ones included, either case, the odd bad byte */
    for (round = 0; round < 20000; round++) {
        len = ut_random_text(x, round % 2 ? digits : "0123456789abcdef", 200);
        if (round % 3 == 0 && len > 0)
            x[ut_rnd((apr_uint32_t)len)] = (unsigned char)ut_rnd(256);
        compare_hex(x, len);
    }
    ck_assert_int_eq(ms_hex_decode("", 0, x), 1);
    ck_assert_int_eq(ms_hex_decode("abc", 3, x), 0);
    ck_assert_int_eq(ms_hex_decode("0aFf", 4, x), 1);
    ck_assert_mem_eq(x, "\x0a\xff", 2);
    ms_simd_limit(2);
}
END_TEST

START_TEST(hex_encode_lower)
{
    unsigned char in[200] = { 0 };
    char out[401], want[401];
    apr_size_t len, k;

    ms_simd_limit(2 - _i);  /* AVX2, SSSE3, then the scalar loops alone */
    ut_rng_seed(4242);
    for (len = 0; len <= 200; len++) {
        for (k = 0; k < len; k++)
            in[k] = (unsigned char)ut_rnd(256);
        for (k = 0; k < len; k++)
            sprintf(want + 2 * k, "%02x", in[k]);
        want[2 * len] = '\0';
        memset(out, 'Z', sizeof out);
        ms_hex_encode_lower(in, len, out);
        ck_assert_str_eq(out, want);
        if (len < 200)
            ck_assert_int_eq(out[2 * len + 1], 'Z');     /* nothing past the NUL */
    }
    ms_simd_limit(2);
}
END_TEST

/* The encoder into the caller's buffer of exactly 2 * len + 1 (guarded
 * unless exact), against printf and back through the decoder. */
static void compare_encoder(const unsigned char *data, apr_size_t len,
                            apr_pool_t *p, int exact)
{
    unsigned char *in = malloc(len ? len : 1), *back;
    char *want = malloc(2 * len + 8), *got;
    apr_size_t k;

    UT_EXPECT(in != NULL && want != NULL, "out of memory");
    memcpy(in, data, len);
    for (k = 0; k < len; k++)
        snprintf(want + 2 * k, 3, "%02x", in[k]);
    want[2 * len] = '\0';
    got = ut_guarded(2 * len + 1, exact);
    ms_hex_encode_lower(in, len, got);
    UT_EXPECT(strcmp(got, want) == 0, "hex of %d bytes: %s, want %s",
              (int)len, got, want);
    back = apr_palloc(p, len + 1);
    UT_EXPECT(ms_hex_decode(got, 2 * len, back) == 1
              && memcmp(back, in, len) == 0, "hex round trip, %d bytes",
              (int)len);
    ut_unguard(got, 2 * len + 1, exact, "ms_hex_encode_lower", len);
    free(want);
    free(in);
}

UT_CODER_TEST(encoder_matches_reference_random, ut_encoder_random_inputs, compare_encoder)

UT_CODER_TEST(encoder_every_byte_everywhere, ut_encoder_every_byte, compare_encoder)

Suite *hex_suite(void)
{
    Suite *s = suite_create("hex");
    TCase *tc = ut_coder_tcase();

    UT_ADD_CODER_TEST(tc, hex_matches_reference);
    UT_ADD_CODER_TEST(tc, hex_encode_lower);
    UT_ADD_CODER_TEST(tc, encoder_matches_reference_random);
    UT_ADD_CODER_TEST(tc, encoder_every_byte_everywhere);
    suite_add_tcase(s, tc);
    return s;
}
