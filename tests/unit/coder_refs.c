/* Shared by the coder tests (see coder_refs.h). */
#include <stdlib.h>
#include <string.h>

#include "coder_refs.h"

const char ut_std_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const char ut_url_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const char ut_mixed_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";

static apr_uint64_t rng_state;

void ut_rng_seed(apr_uint64_t seed)
{
    rng_state = seed;
}

apr_uint32_t ut_rnd(apr_uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (apr_uint32_t)((rng_state >> 11) % n);
}

apr_size_t ut_random_text(unsigned char *s, const char *alpha, apr_size_t maxlen)
{
    apr_size_t len = ut_rnd((apr_uint32_t)maxlen + 1), i, a = strlen(alpha);

    for (i = 0; i < len; i++)
        s[i] = (unsigned char)alpha[ut_rnd((apr_uint32_t)a)];
    return len;
}

int ut_ref_b64_value(unsigned char c, int url_only, int std_only)
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

void ut_ref_b64_encode(const unsigned char *in, apr_size_t len,
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

void ut_decoder_random_inputs(ut_decode_check *check)
{
    static const char *const alphas[] = { ut_std_alpha, ut_url_alpha,
                                          ut_mixed_alpha };
    unsigned char s[UT_MAXIN];
    apr_pool_t *p;
    apr_size_t len, i;
    int round, k;

    ut_rng_seed(0x9E3779B97F4A7C15ull);
    apr_pool_create(&p, ut_pool);
    for (round = 0; round < 30000; round++) {
        const char *alpha = alphas[round % 3];

        apr_pool_clear(p);
        len = ut_random_text(s, alpha, 200);
        switch (round / 3 % 5) {
        case 0:                     /* alphabet only */
            break;
        case 1:                     /* one byte, any value */
            if (len > 0)
                s[ut_rnd((apr_uint32_t)len)] = (unsigned char)ut_rnd(256);
            break;
        case 2:                     /* CR/LF, often at group starts */
            for (k = (int)ut_rnd(3) + 1; k > 0 && len + 1 < UT_MAXIN; k--) {
                apr_size_t at = ut_rnd((apr_uint32_t)len + 1);
                if (ut_rnd(2))
                    at -= at % 4;
                memmove(s + at + 1, s + at, len - at);
                s[at] = ut_rnd(2) ? '\r' : '\n';
                len++;
            }
            break;
        case 3:                     /* padding, trailing or not */
            for (k = (int)ut_rnd(4); k > 0 && len < 200; k--)
                s[len++] = '=';
            if (ut_rnd(3) == 0 && len < 200)
                s[len++] = ut_rnd(2) ? '\n' : '\r';
            if (ut_rnd(4) == 0 && len > 0)
                s[ut_rnd((apr_uint32_t)len)] = '=';
            break;
        default:                    /* bad bytes here and there */
            for (i = 0; i < len; i++)
                if (ut_rnd(40) == 0)
                    s[i] = (unsigned char)ut_rnd(256);
            break;
        }
        check(s, len, p);
    }
}

void ut_decoder_every_byte(ut_decode_check *check)
{
    /* 48 characters are one 32- and one 16-character block, 64 two 32s,
     * 76 that and a scalar tail */
    static const apr_size_t lens[] = { 16, 32, 48, 64, 76 };
    unsigned char s[80];
    apr_pool_t *p;
    apr_size_t len, i, k;
    int c, a;

    ut_rng_seed(12345);
    apr_pool_create(&p, ut_pool);
    for (a = 0; a < 2; a++)
        for (len = 0; len < 5; len++)
            for (i = 0; i < lens[len]; i++)
                for (c = 0; c < 256; c++) {
                    for (k = 0; k < lens[len]; k++)
                        s[k] = (unsigned char)(a ? ut_url_alpha
                                                 : ut_std_alpha)[ut_rnd(64)];
                    s[i] = (unsigned char)c;
                    apr_pool_clear(p);
                    check(s, lens[len], p);
                }
}

void ut_encoder_random_inputs(ut_encode_check *check)
{
    unsigned char data[601];
    apr_pool_t *p;
    apr_size_t len, k;
    int round;

    ut_rng_seed(0xC0FFEE1234567ull);
    apr_pool_create(&p, ut_pool);
    /* every block count and remainder, bytes of any value */
    for (len = 0; len <= 600; len++)
        for (round = 0; round < 6; round++) {
            for (k = 0; k < len; k++)
                data[k] = (unsigned char)ut_rnd(256);
            apr_pool_clear(p);
            check(data, len, p, round & 1);
        }
}

void ut_encoder_every_byte(ut_encode_check *check)
{
    static const apr_size_t lens[] = { 1, 2, 3, 12, 15, 16, 17, 18, 23, 24,
                                       25, 26, 27, 31, 32, 33, 36, 47, 48,
                                       50, 63, 64, 71, 72, 73 };
    unsigned char data[80];
    apr_pool_t *p;
    apr_size_t i, k, l;
    int c;

    ut_rng_seed(31337);
    apr_pool_create(&p, ut_pool);
    /* so each 6-bit value at each place of a group and of a vector */
    for (l = 0; l < sizeof lens / sizeof lens[0]; l++)
        for (i = 0; i < lens[l]; i++)
            for (c = 0; c < 256; c++) {
                for (k = 0; k < lens[l]; k++)
                    data[k] = (unsigned char)ut_rnd(256);
                data[i] = (unsigned char)c;
                apr_pool_clear(p);
                check(data, lens[l], p, 0);
            }
}

TCase *ut_coder_tcase(void)
{
    TCase *tc = tcase_create("references");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    return tc;
}

#define CANARY 8

char *ut_guarded(apr_size_t n, int exact)
{
    char *b = malloc(n + (exact ? 0 : 2 * CANARY));

    UT_EXPECT(b != NULL, "out of memory");
    if (exact)
        return b;
    memset(b, 0xA5, n + 2 * CANARY);
    return b + CANARY;
}

void ut_unguard(char *b, apr_size_t n, int exact, const char *what,
                apr_size_t len)
{
    apr_size_t k;

    if (!exact) {
        for (k = 0; k < CANARY; k++) {
            UT_EXPECT((unsigned char)b[-1 - (long)k] == 0xA5,
                      "%s wrote before its buffer (len %d)", what, (int)len);
            UT_EXPECT((unsigned char)b[n + k] == 0xA5,
                      "%s wrote past its buffer (len %d)", what, (int)len);
        }
        b -= CANARY;
    }
    free(b);
}
