/* Base64, base64url and hex: the writers and the readers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ms_base64.h"
#include "ms_base64url.h"
#include "ms_hex.h"
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

/* --- the decoders against plain references ------------------------------
 * The decoders have vector paths (16 and 32 characters a turn) and
 * unrolled table loops; these references are written for clarity, one
 * character at a time, and every random input must give the same verdict
 * and the same bytes. */

static const char std_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char mixed_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";

/* A fixed-seed xorshift, so that a failure can be replayed. */
static apr_uint64_t rng_state;

static apr_uint32_t rnd(apr_uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (apr_uint32_t)((rng_state >> 11) % n);
}

static int ref_value(unsigned char c, int url_only, int std_only)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' && !url_only) return 62;
    if (c == '/' && !url_only) return 63;
    if (c == '-' && !std_only) return 62;
    if (c == '_' && !std_only) return 63;
    return -1;
}

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
            if ((v[k] = ref_value(s[i + k], 0, 0)) < 0)
                return 0;
        out[(*n)++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        out[(*n)++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
        out[(*n)++] = (unsigned char)(v[2] << 6 | v[3]);
        i += 4;
    }
    if (end - i == 1)
        return 0;
    for (k = 0; k < end - i; k++)
        if ((v[k] = ref_value(s[i + k], 0, 0)) < 0)
            return 0;
    if (end - i >= 2)
        out[(*n)++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
    if (end - i == 3)
        out[(*n)++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
    return 1;
}

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
        int v = ref_value(s[i], 1, 0);
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

#define MAXIN 256

/* Both base64 decoders on s, each against its reference. */
static void compare_b64(const unsigned char *s, apr_size_t len, apr_pool_t *p)
{
    unsigned char want[MAXIN], *got = NULL;
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
    ok = ref_url(s, len, want, &wn);
    rv = ms_base64url_decode((const char *)s, len, p, &got, &gn);
    ck_assert_msg((rv == APR_SUCCESS) == ok, "url verdict on \"%.*s\" (%d)",
                  (int)len, (const char *)s, (int)len);
    if (ok) {
        ck_assert_uint_eq(gn, wn);
        ck_assert_msg(memcmp(got, want, wn) == 0, "url bytes of \"%.*s\"",
                      (int)len, (const char *)s);
    }
}

static apr_size_t random_text(unsigned char *s, const char *alpha,
                              apr_size_t maxlen)
{
    apr_size_t len = rnd((apr_uint32_t)maxlen + 1), i, a = strlen(alpha);

    for (i = 0; i < len; i++)
        s[i] = (unsigned char)alpha[rnd((apr_uint32_t)a)];
    return len;
}

START_TEST(decoders_match_reference_random)
{
    static const char *const alphas[] = { std_alpha, url_alpha, mixed_alpha };
    unsigned char s[MAXIN];
    apr_pool_t *p;
    apr_size_t len, i;
    int round, k;

    ms_simd_limit(2 - _i);  /* AVX2, SSSE3, then the scalar loops alone */
    rng_state = 0x9E3779B97F4A7C15ull;
    apr_pool_create(&p, ut_pool);
    for (round = 0; round < 30000; round++) {
        const char *alpha = alphas[round % 3];

        apr_pool_clear(p);
        len = random_text(s, alpha, 200);
        switch (round / 3 % 5) {
        case 0:                     /* (a), (b): alphabet only */
            break;
        case 1:                     /* (c): one byte, any value */
            if (len > 0)
                s[rnd((apr_uint32_t)len)] = (unsigned char)rnd(256);
            break;
        case 2:                     /* (d): CR/LF, often at group starts */
            for (k = (int)rnd(3) + 1; k > 0 && len + 1 < MAXIN; k--) {
                apr_size_t at = rnd((apr_uint32_t)len + 1);
                if (rnd(2))
                    at -= at % 4;
                memmove(s + at + 1, s + at, len - at);
                s[at] = rnd(2) ? '\r' : '\n';
                len++;
            }
            break;
        case 3:                     /* (e): padding, trailing or not */
            for (k = (int)rnd(4); k > 0 && len < 200; k--)
                s[len++] = '=';
            if (rnd(3) == 0 && len < 200)
                s[len++] = rnd(2) ? '\n' : '\r';
            if (rnd(4) == 0 && len > 0)
                s[rnd((apr_uint32_t)len)] = '=';
            break;
        default:                    /* bad bytes here and there */
            for (i = 0; i < len; i++)
                if (rnd(40) == 0)
                    s[i] = (unsigned char)rnd(256);
            break;
        }
        compare_b64(s, len, p);
    }
    ms_simd_limit(2);
}
END_TEST

START_TEST(decoders_every_byte_everywhere)
{
    unsigned char s[80];
    apr_pool_t *p;
    apr_size_t len, i;
    int c, a;

    ms_simd_limit(2 - _i);  /* AVX2, SSSE3, then the scalar loops alone */
    rng_state = 12345;
    apr_pool_create(&p, ut_pool);
    /* 48 characters are one 32- and one 16-character block, 64 two 32s,
     * 76 that and a scalar tail */
    for (a = 0; a < 2; a++) {
        static const apr_size_t lens[] = { 16, 32, 48, 64, 76 };
        for (len = 0; len < 5; len++)
            for (i = 0; i < lens[len]; i++)
                for (c = 0; c < 256; c++) {
                    apr_size_t k;
                    for (k = 0; k < lens[len]; k++)
                        s[k] = (unsigned char)(a ? url_alpha : std_alpha)[rnd(64)];
                    s[i] = (unsigned char)c;
                    apr_pool_clear(p);
                    compare_b64(s, lens[len], p);
                }
    }
    ms_simd_limit(2);
}
END_TEST

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

static void compare_hex(const unsigned char *x, apr_size_t len)
{
    unsigned char want[MAXIN], got[MAXIN];
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
    unsigned char x[MAXIN];
    apr_size_t len, i;
    int c, round;

    ms_simd_limit(2 - _i);  /* AVX2, SSSE3, then the scalar loops alone */
    rng_state = 777;
    /* every byte value at every position of 32- and 48-character inputs */
    for (len = 32; len <= 48; len += 16)
        for (i = 0; i < len; i++)
            for (c = 0; c < 256; c++) {
                apr_size_t k;
                for (k = 0; k < len; k++)
                    x[k] = (unsigned char)digits[rnd(22)];
                x[i] = (unsigned char)c;
                compare_hex(x, len);
            }
    /* random lengths, odd ones included, either case, the odd bad byte */
    for (round = 0; round < 20000; round++) {
        len = random_text(x, round % 2 ? digits : "0123456789abcdef", 200);
        if (round % 3 == 0 && len > 0)
            x[rnd((apr_uint32_t)len)] = (unsigned char)rnd(256);
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
    rng_state = 4242;
    for (len = 0; len <= 200; len++) {
        for (k = 0; k < len; k++)
            in[k] = (unsigned char)rnd(256);
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

/* --- the encoders against plain references -------------------------------
 * The encoders have vector paths (12 and 24 bytes a turn for base64, 16
 * and 32 for hex, the last block moved back over the one before) and a
 * pair-table loop; every input must give the references' text. Inputs
 * and outputs are malloc'd to their exact sizes, so that a sanitizer
 * build sees any read or write past them; canaries around the outputs
 * catch stray writes without one. */

static void ref_b64_encode(const unsigned char *in, apr_size_t len,
                           const char *alpha, int pad, char *out)
{
    apr_uint32_t acc = 0;
    apr_size_t i, n = 0;
    int bits = 0;

    for (i = 0; i < len; i++) {
        acc = acc << 8 | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[n++] = alpha[(acc >> bits) & 63];
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0)
        out[n++] = alpha[(acc << (6 - bits)) & 63];
    while (pad && n % 4 != 0)
        out[n++] = '=';
    out[n] = '\0';
}

static void ref_hex_encode(const unsigned char *in, apr_size_t len, char *out)
{
    static const char d[] = "0123456789abcdef";
    apr_size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * len] = '\0';
}

#define CANARY 8

/* ck_assert talks to the test runner on every call, even when it passes;
 * the encoder tests make millions of checks, so they call check only to
 * fail. */
#define EXPECT(cond, ...) do { \
        if (!(cond)) \
            ck_abort_msg(__VA_ARGS__); \
    } while (0)

/* A buffer of n bytes with CANARY guard bytes each side, or (exact) one
 * of exactly n bytes. */
static char *guarded(apr_size_t n, int exact)
{
    char *b = malloc(n + (exact ? 0 : 2 * CANARY));

    EXPECT(b != NULL, "out of memory");
    if (exact)
        return b;
    memset(b, 0xA5, n + 2 * CANARY);
    return b + CANARY;
}

static void unguard(char *b, apr_size_t n, int exact, const char *what,
                    apr_size_t len)
{
    apr_size_t k;

    if (!exact) {
        for (k = 0; k < CANARY; k++) {
            EXPECT((unsigned char)b[-1 - (long)k] == 0xA5,
                   "%s wrote before its buffer (len %d)", what, (int)len);
            EXPECT((unsigned char)b[n + k] == 0xA5,
                   "%s wrote past its buffer (len %d)", what, (int)len);
        }
        b -= CANARY;
    }
    free(b);
}

/* Each encoder on data[0..len) against its reference, and back through
 * the decoders. */
static void compare_encoders(const unsigned char *data, apr_size_t len,
                             apr_pool_t *p, int exact)
{
    unsigned char *in = malloc(len ? len : 1), *back = NULL;
    char *want = malloc(2 * len + 8), *got;
    apr_size_t n = 12345, bn = 0, ulen;

    EXPECT(in != NULL && want != NULL, "out of memory");
    memcpy(in, data, len);

    /* base64, '=' padding: own buffer */
    ref_b64_encode(in, len, std_alpha, 1, want);
    got = ms_base64_encode(in, len, p, &n);
    EXPECT(got != NULL, "base64 of %d bytes: NULL", (int)len);
    EXPECT(strcmp(got, want) == 0, "base64 of %d bytes: %s, want %s",
           (int)len, got, want);
    EXPECT(n == strlen(want), "base64 of %d bytes: outlen %d", (int)len,
           (int)n);
    EXPECT(ms_base64_decode_lenient(got, n, p, &back, &bn) == APR_SUCCESS
           && bn == len && memcmp(back, in, len) == 0,
           "base64 round trip, %d bytes", (int)len);

    /* base64url, no padding: the caller's buffer of exactly length + 1 */
    ref_b64_encode(in, len, url_alpha, 0, want);
    ulen = ms_base64url_encoded_length(len);
    EXPECT(ulen == strlen(want), "base64url length of %d bytes: %d",
           (int)len, (int)ulen);
    got = guarded(ulen + 1, exact);
    ms_base64url_encode(in, len, got);
    EXPECT(strcmp(got, want) == 0, "base64url of %d bytes: %s, want %s",
           (int)len, got, want);
    EXPECT(ms_base64url_decode(got, ulen, p, &back, &bn) == APR_SUCCESS
           && bn == len && memcmp(back, in, len) == 0,
           "base64url round trip, %d bytes", (int)len);
    unguard(got, ulen + 1, exact, "ms_base64url_encode", len);

    /* hex: the caller's buffer of exactly 2 * len + 1 */
    ref_hex_encode(in, len, want);
    got = guarded(2 * len + 1, exact);
    ms_hex_encode_lower(in, len, got);
    EXPECT(strcmp(got, want) == 0, "hex of %d bytes: %s, want %s",
           (int)len, got, want);
    back = apr_palloc(p, len + 1);
    EXPECT(ms_hex_decode(got, 2 * len, back) == 1
           && memcmp(back, in, len) == 0, "hex round trip, %d bytes",
           (int)len);
    unguard(got, 2 * len + 1, exact, "ms_hex_encode_lower", len);

    free(want);
    free(in);
}

START_TEST(encoders_match_reference_random)
{
    unsigned char data[601];
    apr_pool_t *p;
    apr_size_t len, k;
    int round;

    ms_simd_limit(2 - _i);  /* AVX2, SSSE3, then the scalar loops alone */
    rng_state = 0xC0FFEE1234567ull;
    apr_pool_create(&p, ut_pool);
    /* every length 0..600 (every block count and remainder), random bytes
     * of any value; each both with canaries and with exact buffers */
    for (len = 0; len <= 600; len++)
        for (round = 0; round < 6; round++) {
            for (k = 0; k < len; k++)
                data[k] = (unsigned char)rnd(256);
            apr_pool_clear(p);
            compare_encoders(data, len, p, round & 1);
        }
    ms_simd_limit(2);
}
END_TEST

START_TEST(encoders_every_byte_everywhere)
{
    static const apr_size_t lens[] = { 1, 2, 3, 12, 15, 16, 17, 18, 23, 24,
                                       25, 26, 27, 31, 32, 33, 36, 47, 48,
                                       50, 63, 64, 71, 72, 73 };
    unsigned char data[80];
    apr_pool_t *p;
    apr_size_t i, k, l;
    int c;

    ms_simd_limit(2 - _i);  /* AVX2, SSSE3, then the scalar loops alone */
    rng_state = 31337;
    apr_pool_create(&p, ut_pool);
    /* each byte value at each position of inputs around the block sizes
     * (so each 6-bit value at each place of a group and of a vector) */
    for (l = 0; l < sizeof lens / sizeof lens[0]; l++)
        for (i = 0; i < lens[l]; i++)
            for (c = 0; c < 256; c++) {
                for (k = 0; k < lens[l]; k++)
                    data[k] = (unsigned char)rnd(256);
                data[i] = (unsigned char)c;
                apr_pool_clear(p);
                compare_encoders(data, lens[l], p, 0);
            }
    ms_simd_limit(2);
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

    /* the fast decoders against references, and hex (no suite of its own) */
    tc = tcase_create("decoders");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_loop_test(tc, decoders_match_reference_random, 0, 3);
    tcase_add_loop_test(tc, decoders_every_byte_everywhere, 0, 3);
    tcase_add_loop_test(tc, lenient_long_inputs, 0, 3);
    tcase_add_loop_test(tc, hex_matches_reference, 0, 3);
    tcase_add_loop_test(tc, hex_encode_lower, 0, 3);
    tcase_add_loop_test(tc, encoders_match_reference_random, 0, 3);
    tcase_add_loop_test(tc, encoders_every_byte_everywhere, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}
