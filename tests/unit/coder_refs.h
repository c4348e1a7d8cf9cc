/* What the base64, base64url and hex tests share: plain reference coders
 * to hold the fast ones against, a replayable random source, the inputs
 * every decoder and encoder is fed, and guarded buffers. */
#ifndef MS_CODER_REFS_H
#define MS_CODER_REFS_H

#include <apr_pools.h>

#include "ms_base64.h"                  /* ms_simd_limit */
#include "unit_tests.h"

extern const char ut_std_alpha[];       /* base64 */
extern const char ut_url_alpha[];       /* base64url */
extern const char ut_mixed_alpha[];     /* both */

/* A fixed-seed xorshift, so that a failure can be replayed. */
void ut_rng_seed(apr_uint64_t seed);
apr_uint32_t ut_rnd(apr_uint32_t n);    /* in [0, n) */

/* up to maxlen random characters of alpha into s; the length */
apr_size_t ut_random_text(unsigned char *s, const char *alpha, apr_size_t maxlen);

/* The value of a base64 character (-1: none). url_only refuses '+' and
 * '/', std_only '-' and '_'. */
int ut_ref_b64_value(unsigned char c, int url_only, int std_only);

/* len bytes at in as base64 text in alpha, '='-padded when pad. */
void ut_ref_b64_encode(const unsigned char *in, apr_size_t len,
                       const char *alpha, int pad, char *out);

/* The longest text the decoder inputs below hand out. */
#define UT_MAXIN 256

/* A check of one decoder on s[0..len) against its reference. */
typedef void ut_decode_check(const unsigned char *s, apr_size_t len,
                             apr_pool_t *p);

/* 30,000 random texts of up to 200 characters in each alphabet: clean,
 * with one byte of any value, with CR/LF (often at group starts), with
 * padding in and out of place, with bad bytes here and there. */
void ut_decoder_random_inputs(ut_decode_check *check);

/* Every byte value at every place of texts of 16, 32, 48, 64 and 76
 * characters (vector blocks and a scalar tail), in either alphabet. */
void ut_decoder_every_byte(ut_decode_check *check);

/* A check of one encoder on data[0..len); exact: the output buffer has
 * exactly the size needed, else canaries around it. */
typedef void ut_encode_check(const unsigned char *data, apr_size_t len,
                             apr_pool_t *p, int exact);

/* Every length 0..600, random bytes, six times each (three exact). */
void ut_encoder_random_inputs(ut_encode_check *check);

/* Each byte value at each place of inputs around the block sizes. */
void ut_encoder_every_byte(ut_encode_check *check);

/* A loop test over 0..2 (add it with tcase_add_loop_test(tc, name, 0, 3))
 * that runs driver(check) with AVX2, SSSE3, then the scalar loops alone. */
#define UT_CODER_TEST(name, driver, check) \
    START_TEST(name) \
    { \
        ms_simd_limit(2 - _i); \
        driver(check); \
        ms_simd_limit(2); \
    } \
    END_TEST

#define UT_ADD_CODER_TEST(tc, name) tcase_add_loop_test((tc), name, 0, 3)

/* The test case for a coder's UT_CODER_TESTs: ut_pool set up, a minute
 * allowed (a sanitizer build is slow). */
TCase *ut_coder_tcase(void);

/* ck_assert talks to the test runner on every call, even when it passes;
 * the coder tests make millions of checks, so they call check only to
 * fail. */
#define UT_EXPECT(cond, ...) do { \
        if (!(cond)) \
            ck_abort_msg(__VA_ARGS__); \
    } while (0)

/* A malloc'd buffer of n bytes with guard bytes each side, or (exact) one
 * of exactly n bytes, so that a sanitizer build sees any access past it;
 * ut_unguard checks the guards (what and len name the culprit) and frees
 * it. */
char *ut_guarded(apr_size_t n, int exact);
void ut_unguard(char *b, apr_size_t n, int exact, const char *what,
                apr_size_t len);

#endif
