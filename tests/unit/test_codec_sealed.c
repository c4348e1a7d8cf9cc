/* The sealed format: pinned vectors (made by the independent Python codec,
 * tests/e2e/sealed_codec.py, with fixed nonces), tampering, key ids and
 * rotation, expiry, and the lifetime limits read from sealed times. */
#include <string.h>

#include <apr_strings.h>

#include "ms_base64url.h"
#include "ms_codec_sealed.h"
#include "ms_keyring.h"
#include "ms_lifetime.h"
#include "unit_tests.h"

#define K1 "0123456789abcdef0123456789abcdef"
#define K_NEW "new-secret-key-new-secret-key-new-secret-key"
#define K_OLD "old-secret-key-old-secret-key-old-secret-key"
#define SEC(n) apr_time_from_sec(APR_INT64_C(n))
#define NOW SEC(1893456000)                  /* 2030-01-01 */

/* Vector 1: K1, {"user_id":"42"}, issued 1893456000, seen 1893456100,
 * expires 4070908800, nonce 00 01 .. 0b. */
#define V1 "S1.AVJRBLEAAAAAcNvYgAAAAABw29jkAAAAAPKlI4AAAQIDBAUGBwgJCgtuC4KD235E" \
           "EfEz_AEdAbA0xgxmF4NqXGhjcZCTO42nuA"
#define V1_KID "\x52\x51\x04\xb1"
/* Vector 2: K_NEW, {}, issued = seen = 1893456000, expires 1893457000,
 * nonce a5 x 12. */
#define V2 "S1.AdJoURYAAAAAcNvYgAAAAABw29iAAAAAAHDb3GilpaWlpaWlpaWlpaURDoGJGVWs" \
           "xy08XDPatWSuMCY"

static ms_sealed_times times3(apr_time_t i, apr_time_t s, apr_time_t e)
{
    ms_sealed_times t;
    t.issued = i;
    t.seen = s;
    t.expires = e;
    return t;
}

static char *seal(const ms_keyring *kr, const char *plain, ms_sealed_times t,
                  const unsigned char *nonce)
{
    char *cookie = NULL;

    ck_assert_int_eq(ms_sealed_encode(kr, plain, strlen(plain), &t, nonce,
                                      ut_pool, &cookie), APR_SUCCESS);
    ck_assert_uint_eq(strlen(cookie), ms_sealed_encoded_length(strlen(plain)));
    return cookie;
}

static ms_sealed_status open_at(const ms_keyring *kr, const char *cookie,
                                apr_time_t now, char **plain,
                                ms_sealed_times *t, int *idx)
{
    char *dummy;
    apr_size_t len = 0;
    ms_sealed_status st = ms_sealed_decode(kr, cookie, strlen(cookie), now,
                                           ut_pool, plain ? plain : &dummy,
                                           &len, t, idx);
    if (st == MS_SEALED_OK && plain)
        ck_assert_uint_eq(strlen(*plain), len);
    return st;
}

/* --- vectors ------------------------------------------------------------- */

START_TEST(vector1_encodes_byte_exact)
{
    unsigned char nonce[12];
    int i;

    for (i = 0; i < 12; i++)
        nonce[i] = (unsigned char)i;
    ck_assert_str_eq(seal(ut_ring(K1), "{\"user_id\":\"42\"}",
                          times3(SEC(1893456000), SEC(1893456100),
                                 SEC(4070908800)), nonce), V1);
    ck_assert_mem_eq(ms_keyring_sealed_kid(ut_ring(K1), 0), V1_KID, 4);
}
END_TEST

START_TEST(vector1_decodes)
{
    char *plain = NULL;
    ms_sealed_times t;
    int idx = -1;

    ck_assert_int_eq(open_at(ut_ring(K1), V1, NOW, &plain, &t, &idx), MS_SEALED_OK);
    ck_assert_str_eq(plain, "{\"user_id\":\"42\"}");
    ck_assert_int_eq(t.issued, SEC(1893456000));
    ck_assert_int_eq(t.seen, SEC(1893456100));
    ck_assert_int_eq(t.expires, SEC(4070908800));
    ck_assert_int_eq(idx, 0);
}
END_TEST

START_TEST(vector2_encodes_and_decodes)
{
    unsigned char nonce[12];
    char *plain = NULL;
    ms_sealed_times t;

    memset(nonce, 0xa5, sizeof(nonce));
    ck_assert_str_eq(seal(ut_ring(K_NEW), "{}", times3(NOW, NOW, SEC(1893457000)),
                          nonce), V2);
    ck_assert_int_eq(open_at(ut_ring(K_NEW), V2, NOW, &plain, &t, NULL),
                     MS_SEALED_OK);
    ck_assert_str_eq(plain, "{}");
    ck_assert_int_eq(open_at(ut_ring(K_NEW), V2, SEC(1893457000), NULL, NULL, NULL),
                     MS_SEALED_EXPIRED);
}
END_TEST

START_TEST(random_nonce_every_time)
{
    ms_keyring *kr = ut_ring(K1);
    ms_sealed_times t = times3(NOW, NOW, SEC(4070908800));
    char *a = seal(kr, "{\"a\":\"1\"}", t, NULL);
    char *b = seal(kr, "{\"a\":\"1\"}", t, NULL);
    char *pa = NULL, *pb = NULL;

    ck_assert_str_ne(a, b);
    ck_assert_int_eq(open_at(kr, a, NOW, &pa, NULL, NULL), MS_SEALED_OK);
    ck_assert_int_eq(open_at(kr, b, NOW, &pb, NULL, NULL), MS_SEALED_OK);
    ck_assert_str_eq(pa, pb);
}
END_TEST

/* --- tampering ----------------------------------------------------------- */

START_TEST(every_single_byte_tamper_rejected)
{
    static const char subst[] = "AQgw-_09azZ.=+/ \x01\xff";
    ms_keyring *kr = ut_ring(K1);
    apr_size_t n = strlen(V1), i, j;

    for (i = 0; i < n; i++) {
        for (j = 0; j < sizeof(subst) - 1; j++) {
            char *c = apr_pstrdup(ut_pool, V1);
            if (c[i] == subst[j])
                continue;
            c[i] = subst[j];
            ck_assert_msg(open_at(kr, c, NOW, NULL, NULL, NULL) != MS_SEALED_OK,
                          "tamper at %u with 0x%02x accepted", (unsigned)i,
                          (unsigned char)subst[j]);
        }
    }
}
END_TEST

START_TEST(every_bit_flip_of_the_bytes_rejected)
{
    ms_keyring *kr = ut_ring(K1);
    unsigned char *blob;
    apr_size_t n, i;
    int bit;

    ck_assert_int_eq(ms_base64url_decode(V1 + 3, strlen(V1) - 3, ut_pool,
                                         &blob, &n), APR_SUCCESS);
    for (i = 0; i < n; i++) {
        for (bit = 0; bit < 8; bit++) {
            char *c = apr_palloc(ut_pool, ms_base64url_encoded_length(n) + 4);
            blob[i] ^= (unsigned char)(1 << bit);
            memcpy(c, "S1.", 3);
            ms_base64url_encode(blob, n, c + 3);
            ck_assert_msg(open_at(kr, c, NOW, NULL, NULL, NULL) != MS_SEALED_OK,
                          "bit %d of byte %u flipped, accepted", bit, (unsigned)i);
            blob[i] ^= (unsigned char)(1 << bit);
        }
    }
}
END_TEST

START_TEST(every_truncation_and_extension_rejected)
{
    ms_keyring *kr = ut_ring(K1);
    apr_size_t n = strlen(V1), i;

    for (i = 0; i < n; i++) {
        ck_assert_int_ne(ms_sealed_decode(kr, V1, i, NOW, ut_pool, &(char *){0},
                                          NULL, NULL, NULL), MS_SEALED_OK);
    }
    ck_assert_int_ne(open_at(kr, V1 "A", NOW, NULL, NULL, NULL), MS_SEALED_OK);
    ck_assert_int_ne(open_at(kr, V1 "AA", NOW, NULL, NULL, NULL), MS_SEALED_OK);
    ck_assert_int_eq(open_at(kr, "S1.", NOW, NULL, NULL, NULL), MS_SEALED_TOO_SHORT);
    ck_assert_int_eq(open_at(kr, "eyJfbWFydGVuIjp7fX0=--00", NOW, NULL, NULL,
                             NULL), MS_SEALED_NOT_SEALED);
}
END_TEST

START_TEST(bad_version_rejected)
{
    ms_keyring *kr = ut_ring(K1);
    unsigned char *blob;
    apr_size_t n;
    char *c;

    ck_assert_int_eq(ms_base64url_decode(V1 + 3, strlen(V1) - 3, ut_pool,
                                         &blob, &n), APR_SUCCESS);
    blob[0] = 2;
    c = apr_palloc(ut_pool, ms_base64url_encoded_length(n) + 4);
    memcpy(c, "S1.", 3);
    ms_base64url_encode(blob, n, c + 3);
    ck_assert_int_eq(open_at(kr, c, NOW, NULL, NULL, NULL), MS_SEALED_BAD_VERSION);
}
END_TEST

/* --- keys ---------------------------------------------------------------- */

START_TEST(wrong_key_id_is_unknown_key)
{
    /* V2 was sealed under K_NEW: K1 has another key id. */
    ck_assert_int_eq(open_at(ut_ring(K1), V2, NOW, NULL, NULL, NULL),
                     MS_SEALED_UNKNOWN_KEY);
}
END_TEST

START_TEST(key_id_of_another_configured_key_fails_auth)
{
    /* A cookie that names K_OLD's id but was sealed with K_NEW. */
    ms_keyring *kr = ut_ring2(K_NEW, K_OLD);
    char *c = seal(ut_ring(K_NEW), "{\"a\":\"b\"}",
                   times3(NOW, NOW, SEC(4070908800)), NULL);
    unsigned char *blob;
    apr_size_t n;

    ck_assert_int_eq(ms_base64url_decode(c + 3, strlen(c) - 3, ut_pool, &blob,
                                         &n), APR_SUCCESS);
    memcpy(blob + 1, ms_keyring_sealed_kid(kr, 1), 4);
    ms_base64url_encode(blob, n, c + 3);
    ck_assert_int_eq(open_at(kr, c, NOW, NULL, NULL, NULL), MS_SEALED_BAD_TAG);
}
END_TEST

START_TEST(rotation_reads_old_key_in_one_try)
{
    ms_keyring *old = ut_ring(K_OLD), *both = ut_ring2(K_NEW, K_OLD);
    char *c = seal(old, "{\"u\":\"1\"}", times3(NOW, NOW, SEC(4070908800)), NULL);
    char *plain = NULL;
    int idx = -1;

    ck_assert_int_eq(open_at(both, c, NOW, &plain, NULL, &idx), MS_SEALED_OK);
    ck_assert_str_eq(plain, "{\"u\":\"1\"}");
    ck_assert_int_eq(idx, 1);
    /* new cookies are sealed with the first key */
    c = seal(both, "{}", times3(NOW, NOW, SEC(4070908800)), NULL);
    ck_assert_int_eq(open_at(ut_ring(K_NEW), c, NOW, NULL, NULL, NULL), MS_SEALED_OK);
}
END_TEST

START_TEST(rotated_out_key_is_unknown)
{
    char *c = seal(ut_ring(K_OLD), "{}", times3(NOW, NOW, SEC(4070908800)), NULL);

    ck_assert_int_eq(open_at(ut_ring(K_NEW), c, NOW, NULL, NULL, NULL),
                     MS_SEALED_UNKNOWN_KEY);
}
END_TEST

/* --- times --------------------------------------------------------------- */

START_TEST(expired_at_and_after_expiry)
{
    ms_keyring *kr = ut_ring(K1);
    char *c = seal(kr, "{}", times3(NOW, NOW, NOW + SEC(10)), NULL);

    ck_assert_int_eq(open_at(kr, c, NOW + SEC(9), NULL, NULL, NULL), MS_SEALED_OK);
    ck_assert_int_eq(open_at(kr, c, NOW + SEC(10), NULL, NULL, NULL),
                     MS_SEALED_EXPIRED);
    ck_assert_int_eq(open_at(kr, c, NOW + SEC(1000), NULL, NULL, NULL),
                     MS_SEALED_EXPIRED);
}
END_TEST

START_TEST(inconsistent_times_rejected)
{
    ms_keyring *kr = ut_ring(K1);

    ck_assert_int_eq(open_at(kr, seal(kr, "{}", times3(NOW, NOW - SEC(1),
                                                       NOW + SEC(9)), NULL),
                             NOW, NULL, NULL, NULL), MS_SEALED_BAD_TIMES);
    ck_assert_int_eq(open_at(kr, seal(kr, "{}", times3(NOW, NOW + SEC(20),
                                                       NOW + SEC(9)), NULL),
                             NOW, NULL, NULL, NULL), MS_SEALED_BAD_TIMES);
}
END_TEST

START_TEST(idle_and_max_lifetime_from_sealed_times)
{
    ms_keyring *kr = ut_ring(K1);
    ms_lifetime_policy pol = { 600, 3600, -1 };
    char *c = seal(kr, "{}", times3(NOW, NOW + SEC(1000), NOW + SEC(86400)), NULL);
    ms_sealed_times t;

    ck_assert_int_eq(open_at(kr, c, NOW + SEC(1500), NULL, &t, NULL), MS_SEALED_OK);
    ck_assert_int_eq(ms_lifetime_check(&pol, t.issued, t.seen, NOW + SEC(1599)),
                     MS_LIFETIME_OK);
    ck_assert_int_eq(ms_lifetime_check(&pol, t.issued, t.seen, NOW + SEC(1600)),
                     MS_LIFETIME_IDLE);
    /* touched recently, but issued more than an hour ago */
    c = seal(kr, "{}", times3(NOW, NOW + SEC(3590), NOW + SEC(86400)), NULL);
    ck_assert_int_eq(open_at(kr, c, NOW + SEC(3600), NULL, &t, NULL), MS_SEALED_OK);
    ck_assert_int_eq(ms_lifetime_check(&pol, t.issued, t.seen, NOW + SEC(3599)),
                     MS_LIFETIME_OK);
    ck_assert_int_eq(ms_lifetime_check(&pol, t.issued, t.seen, NOW + SEC(3600)),
                     MS_LIFETIME_MAX);
}
END_TEST

/* --- lengths ------------------------------------------------------------ */

START_TEST(encoded_length_exact)
{
    ms_keyring *kr = ut_ring(K1);
    apr_size_t len;

    for (len = 0; len < 300; len++) {
        char *plain = apr_palloc(ut_pool, len + 1);
        memset(plain, 'x', len);
        plain[len] = '\0';
        (void)seal(kr, plain, times3(NOW, NOW, NOW + SEC(5)), NULL);
    }
}
END_TEST

Suite *codec_sealed_suite(void)
{
    Suite *s = suite_create("codec_sealed");
    TCase *tc = tcase_create("sealed");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, vector1_encodes_byte_exact);
    tcase_add_test(tc, vector1_decodes);
    tcase_add_test(tc, vector2_encodes_and_decodes);
    tcase_add_test(tc, random_nonce_every_time);
    tcase_add_test(tc, every_single_byte_tamper_rejected);
    tcase_add_test(tc, every_bit_flip_of_the_bytes_rejected);
    tcase_add_test(tc, every_truncation_and_extension_rejected);
    tcase_add_test(tc, bad_version_rejected);
    tcase_add_test(tc, wrong_key_id_is_unknown_key);
    tcase_add_test(tc, key_id_of_another_configured_key_fails_auth);
    tcase_add_test(tc, rotation_reads_old_key_in_one_try);
    tcase_add_test(tc, rotated_out_key_is_unknown);
    tcase_add_test(tc, expired_at_and_after_expiry);
    tcase_add_test(tc, inconsistent_times_rejected);
    tcase_add_test(tc, idle_and_max_lifetime_from_sealed_times);
    tcase_add_test(tc, encoded_length_exact);
    suite_add_tcase(s, tc);
    return s;
}
