/* The Marten cookie codec, against Marten's own vectors and against
 * cookies crafted (and correctly signed) here. */
#include <ctype.h>
#include <string.h>

#include <apr_escape.h>
#include <apr_strings.h>

#include "ms_base64.h"
#include "ms_codec_marten.h"
#include "ms_json.h"
#include "ms_keyring.h"
#include "ms_time.h"
#include "unit_tests.h"
#include "vectors.h"

#define K1 "0123456789abcdef0123456789abcdef"
#define K_NEW "new-secret-key-new-secret-key-new-secret-key"
#define K_OLD "old-secret-key-old-secret-key-old-secret-key"
#define NOW apr_time_from_sec(APR_INT64_C(1893456000))     /* 2030-01-01 */
#define E2099 apr_time_from_sec(APR_INT64_C(4070908800))   /* 2099-01-01 */

static const unsigned char fixed_iv[16] = {
    0x7c, 0x24, 0x10, 0xc6, 0xb8, 0x80, 0xaf, 0xcb,
    0xc3, 0xc9, 0x1d, 0xbe, 0xd3, 0x89, 0x1f, 0x9c
};

/* --- helpers ------------------------------------------------------------- */

static char *encode(const ms_keyring *kr, const char *plain, apr_time_t exp)
{
    char *cookie = NULL;

    ck_assert_int_eq(ms_marten_encode(kr, plain, strlen(plain), exp, NULL,
                                      ut_pool, &cookie), APR_SUCCESS);
    ck_assert_ptr_nonnull(cookie);
    return cookie;
}

static ms_cookie_status decode_at(const ms_keyring *kr, const char *cookie,
                                  apr_time_t now, char **plain,
                                  apr_time_t *exp, int *idx)
{
    char *dummy;
    apr_size_t n = 0;
    ms_cookie_status st;

    st = ms_marten_decode(kr, cookie, cookie ? strlen(cookie) : 0, now, ut_pool,
                          plain ? plain : &dummy, &n, exp, idx);
    if (st == MS_COOKIE_OK && plain)
        ck_assert_uint_eq(n, strlen(*plain));
    return st;
}

static ms_cookie_status decode(const ms_keyring *kr, const char *cookie)
{
    return decode_at(kr, cookie, NOW, NULL, NULL, NULL);
}

#define ck_assert_status(got, want) do { \
    ms_cookie_status got_ = (got), want_ = (want); \
    ck_assert_msg(got_ == want_, "%s: got \"%s\", want \"%s\"", #got, \
                  ms_cookie_status_str(got_), ms_cookie_status_str(want_)); \
} while (0)

/* DATA "--" lowercase hex HMAC under the ring's first key. */
static char *sign_data(const ms_keyring *kr, const char *data)
{
    char mac[MS_HMAC_HEX_LEN + 1];

    ck_assert_int_eq(ms_keyring_hmac_hex(kr, 0, data, strlen(data), mac),
                     APR_SUCCESS);
    return apr_pstrcat(ut_pool, data, "--", mac, NULL);
}

/* A correctly signed cookie whose base64-decoded DATA is text. */
static char *sign_text(const ms_keyring *kr, const char *text)
{
    return sign_data(kr, ms_base64_encode(text, strlen(text), ut_pool, NULL));
}

static char *b64(const char *s)
{
    return ms_base64_encode(s, strlen(s), ut_pool, NULL);
}

/* X: lowercase hex of AES-256-CBC(plain) || IV under the first key. */
static char *hex_x(const ms_keyring *kr, const char *plain)
{
    apr_size_t len = strlen(plain), clen = 0;
    unsigned char *buf = apr_palloc(ut_pool, len + 32);

    ck_assert_int_eq(ms_keyring_cbc_encrypt(kr, 0, fixed_iv,
                     (const unsigned char *)plain, len, buf, &clen), APR_SUCCESS);
    memcpy(buf + clen, fixed_iv, 16);
    return apr_pstrdup(ut_pool, apr_pescape_hex(ut_pool, buf, clen + 16, 0));
}

static char *envelope(const char *value_json, const char *expires_json)
{
    return apr_pstrcat(ut_pool, "{\"_marten\":{\"value\":", value_json,
                       ",\"expires\":", expires_json, "}}", NULL);
}

static char *quoted(const char *s)
{
    return apr_pstrcat(ut_pool, "\"", s, "\"", NULL);
}

static char *fmt_time(apr_time_t t)
{
    char *out = apr_palloc(ut_pool, MS_RFC3339_LEN + 1);
    ms_time_format_rfc3339(t, out);
    return out;
}

/* The IV of a vector in envelope form: the last 32 hex digits of X. */
static void vector_iv(const ms_vector *v, unsigned char iv[16])
{
    const char *sep = strstr(v->cookie, "--"), *val, *end;
    unsigned char *env, *x;
    apr_size_t elen, xlen;

    ck_assert_ptr_nonnull(sep);
    ck_assert_int_eq(ms_base64_decode_lenient(v->cookie, (apr_size_t)(sep - v->cookie),
                                              ut_pool, &env, &elen), APR_SUCCESS);
    val = strstr((char *)env, "\"value\":\"");
    ck_assert_ptr_nonnull(val);
    val += 9;
    end = strchr(val, '"');
    ck_assert_ptr_nonnull(end);
    ck_assert_int_eq(ms_base64_decode_lenient(val, (apr_size_t)(end - val), ut_pool,
                                              &x, &xlen), APR_SUCCESS);
    ck_assert_uint_ge(xlen, 64);
    ck_assert_int_eq(apr_unescape_hex(iv, (char *)x + xlen - 32, 32, 0, NULL),
                     APR_SUCCESS);
}

/* --- Marten's vectors ---------------------------------------------------- */

START_TEST(vector_decodes)
{
    const ms_vector *v = vectors_get(_i);
    ms_keyring *kr = ms_keyring_make(ut_pool);
    char *plain = NULL;
    apr_size_t plen = 0;
    apr_time_t exp = -1, want;
    apr_table_t *t = NULL;
    int idx = -1;
    ms_cookie_status st;

    ck_assert_int_eq(ms_keyring_add(kr, v->key, v->key_len, NULL), APR_SUCCESS);
    st = ms_marten_decode(kr, v->cookie, v->cookie_len, apr_time_now(), ut_pool,
                          &plain, &plen, &exp, &idx);
    if (vector_is_ok(v)) {
        ck_assert_msg(st == MS_COOKIE_OK, "vector %d (%s): %s", _i, v->note,
                      ms_cookie_status_str(st));
        ck_assert_uint_eq(plen, v->expected_len);
        ck_assert_mem_eq(plain, v->expected, plen);
        ck_assert_int_eq(plain[plen], '\0');
        ck_assert_int_eq(idx, 0);
        if (v->expires == NULL) {
            ck_assert_int_eq(exp, 0);
            return;
        }
        ck_assert_int_eq(ms_time_parse_iso8601(v->expires, strlen(v->expires),
                                               &want), APR_SUCCESS);
        ck_assert_int_eq(exp, want);
        ck_assert_str_eq(fmt_time(exp), v->expires);
        return;
    }
    if (strcmp(v->kind, "expired") == 0) {
        ck_assert_status(st, MS_COOKIE_EXPIRED);
        return;
    }
    /* rejected by the codec, or (plaintext_not_json) by the JSON reader */
    ck_assert_msg(st != MS_COOKIE_OK
                  || ms_json_to_table(plain, plen, ut_pool, &t) != MS_JSON_OK,
                  "vector %d (%s) was accepted", _i, v->note);
}
END_TEST

START_TEST(vector_inventory)
{
    int i, valid = 0, expired = 0, tampered = 0, edge = 0, ok = 0;

    for (i = 0; i < vectors_count(); i++) {
        const ms_vector *v = vectors_get(i);
        valid += !strcmp(v->kind, "valid");
        expired += !strcmp(v->kind, "expired");
        tampered += !strcmp(v->kind, "tampered");
        edge += !strcmp(v->kind, "edge");
        ok += vector_is_ok(v);
    }
    ck_assert_int_eq(vectors_count(), 42);
    ck_assert_int_eq(valid, 28);
    ck_assert_int_eq(expired, 2);
    ck_assert_int_eq(tampered, 8);
    ck_assert_int_eq(edge, 4);
    ck_assert_int_eq(ok, 31);
}
END_TEST

/* Why each bad vector is rejected, by its note. */
START_TEST(vector_reasons)
{
    static const struct { const char *note; ms_cookie_status st; } why[] = {
        { "digest_last_hex_changed", MS_COOKIE_BAD_MAC },
        { "digest_truncated", MS_COOKIE_BAD_MAC },
        { "data_first_char_changed", MS_COOKIE_BAD_MAC },
        { "separator_missing", MS_COOKIE_NO_SEPARATOR },
        { "leading_space", MS_COOKIE_BAD_MAC },
        { "tampered: empty", MS_COOKIE_BLANK },
        { "expiry_extended_without_resigning", MS_COOKIE_BAD_MAC },
        { "not_a_marten_cookie", MS_COOKIE_NO_SEPARATOR },
        { "plaintext_not_json", MS_COOKIE_OK },
    };
    apr_size_t k;
    int i, seen = 0;

    for (i = 0; i < vectors_count(); i++) {
        const ms_vector *v = vectors_get(i);
        ms_keyring *kr;
        char *plain = NULL;
        apr_size_t plen = 0;
        apr_table_t *t = NULL;

        for (k = 0; k < sizeof(why) / sizeof(why[0]); k++)
            if (v->note && strstr(v->note, why[k].note))
                break;
        if (k == sizeof(why) / sizeof(why[0]))
            continue;
        seen++;
        kr = ms_keyring_make(ut_pool);
        ck_assert_int_eq(ms_keyring_add(kr, v->key, v->key_len, NULL), APR_SUCCESS);
        ck_assert_status(ms_marten_decode(kr, v->cookie, v->cookie_len, NOW,
                                          ut_pool, &plain, &plen, NULL, NULL),
                         why[k].st);
        if (why[k].st == MS_COOKIE_OK) {
            ck_assert_str_eq(plain, "hello");
            ck_assert_int_eq(ms_json_to_table(plain, plen, ut_pool, &t),
                             MS_JSON_SYNTAX);
        }
    }
    ck_assert_int_eq(seen, 9);
}
END_TEST

START_TEST(readme_example_reencoded)
{
    const ms_vector *v = vectors_get(0);
    ms_keyring *kr = ms_keyring_make(ut_pool);
    apr_time_t exp;
    char *cookie = NULL;

    ck_assert_str_eq(v->expected, "{\"user_id\":\"42\"}");
    ck_assert_int_eq(ms_keyring_add(kr, v->key, v->key_len, NULL), APR_SUCCESS);
    ck_assert_int_eq(ms_time_parse_iso8601("2099-01-01T00:00:00Z", 20, &exp),
                     APR_SUCCESS);
    ck_assert_int_eq(ms_marten_encode(kr, "{\"user_id\":\"42\"}", 16, exp,
                                      fixed_iv, ut_pool, &cookie), APR_SUCCESS);
    ck_assert_str_eq(cookie, v->cookie);
    ck_assert_uint_eq(strlen(cookie), 314);
    ck_assert_uint_eq(ms_marten_encoded_length(16), 314);
}
END_TEST

/* Every valid vector in envelope form, encoded again with its own IV. */
START_TEST(valid_vectors_reencoded)
{
    int i, done = 0;

    for (i = 0; i < vectors_count(); i++) {
        const ms_vector *v = vectors_get(i);
        ms_keyring *kr;
        unsigned char iv[16];
        apr_time_t exp;
        char *cookie = NULL;

        if (strcmp(v->kind, "valid") != 0 || v->expires == NULL)
            continue;
        vector_iv(v, iv);
        kr = ms_keyring_make(ut_pool);
        ck_assert_int_eq(ms_keyring_add(kr, v->key, v->key_len, NULL), APR_SUCCESS);
        ck_assert_int_eq(ms_time_parse_iso8601(v->expires, strlen(v->expires),
                                               &exp), APR_SUCCESS);
        ck_assert_int_eq(ms_marten_encode(kr, v->expected, v->expected_len, exp,
                                          iv, ut_pool, &cookie), APR_SUCCESS);
        ck_assert_msg(strcmp(cookie, v->cookie) == 0, "vector %d (%s)", i, v->note);
        ck_assert_uint_eq(strlen(cookie), ms_marten_encoded_length(v->expected_len));
        done++;
    }
    ck_assert_int_eq(done, 27);
}
END_TEST

/* --- round trips, tampering, expiry, rotation ---------------------------- */

START_TEST(roundtrip_random_iv)
{
    ms_keyring *kr = ut_ring(K1);
    const char *json = "{\"user_id\":\"42\",\"name\":\"Zo\xc3\xab\"}";
    char *a = encode(kr, json, E2099), *b = encode(kr, json, E2099), *plain;
    apr_time_t exp = 0;
    int idx = -1;

    ck_assert_str_ne(a, b);     /* a new IV every time */
    ck_assert_status(decode_at(kr, a, NOW, &plain, &exp, &idx), MS_COOKIE_OK);
    ck_assert_str_eq(plain, json);
    ck_assert_int_eq(exp, E2099);
    ck_assert_int_eq(idx, 0);
    ck_assert_status(decode_at(kr, b, NOW, &plain, NULL, NULL), MS_COOKIE_OK);
    ck_assert_str_eq(plain, json);
    ck_assert_uint_eq(strlen(a), ms_marten_encoded_length(strlen(json)));
}
END_TEST

START_TEST(roundtrip_binary_and_empty)
{
    ms_keyring *kr = ut_ring(K1);
    char *cookie = NULL, *plain = NULL;
    apr_size_t n = 0;

    ck_assert_int_eq(ms_marten_encode(kr, "a\0b", 3, E2099, NULL, ut_pool, &cookie),
                     APR_SUCCESS);
    ck_assert_status(ms_marten_decode(kr, cookie, strlen(cookie), NOW, ut_pool,
                                      &plain, &n, NULL, NULL), MS_COOKIE_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(plain, "a\0b", 3);
    ck_assert_int_eq(ms_marten_encode(kr, NULL, 0, E2099, NULL, ut_pool, &cookie),
                     APR_SUCCESS);
    ck_assert_status(ms_marten_decode(kr, cookie, strlen(cookie), NOW, ut_pool,
                                      &plain, &n, NULL, NULL), MS_COOKIE_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_str_eq(plain, "");
    ck_assert_int_ne(ms_marten_encode(kr, NULL, 3, E2099, NULL, ut_pool, &cookie),
                     APR_SUCCESS);
}
END_TEST

START_TEST(every_single_byte_tamper_rejected)
{
    static const char repl[] = "ABZaz09+/=-_ \n";
    static const unsigned char flips[] = { 0x01, 0x02, 0x04, 0x20, 0x40, 0x80 };
    ms_keyring *kr = ut_ring(K1);
    char *cookie = encode(kr, "{\"user_id\":\"42\",\"role\":\"admin\"}", E2099);
    apr_size_t len = strlen(cookie), pos, k;
    char *copy = apr_pstrdup(ut_pool, cookie);
    int tried = 0;

    ck_assert_status(decode(kr, cookie), MS_COOKIE_OK);
    for (pos = 0; pos < len; pos++) {
        for (k = 0; k < sizeof(flips) + sizeof(repl) - 1; k++) {
            copy[pos] = k < sizeof(flips) ? (char)(cookie[pos] ^ flips[k])
                                          : repl[k - sizeof(flips)];
            if (copy[pos] == cookie[pos])
                continue;
            ck_assert_msg(ms_marten_decode(kr, copy, len, NOW, ut_pool,
                          &(char *){0}, NULL, NULL, NULL) != MS_COOKIE_OK,
                          "byte %lu changed to 0x%02x accepted",
                          (unsigned long)pos, (unsigned char)copy[pos]);
            tried++;
        }
        copy[pos] = cookie[pos];
    }
    ck_assert_int_gt(tried, (int)len * 15);
    /* every truncation, and one byte more */
    for (pos = 0; pos < len; pos++)
        ck_assert_int_ne(ms_marten_decode(kr, cookie, pos, NOW, ut_pool,
                         &(char *){0}, NULL, NULL, NULL), MS_COOKIE_OK);
    ck_assert_status(decode(kr, apr_pstrcat(ut_pool, cookie, "0", NULL)),
                     MS_COOKIE_BAD_MAC);
}
END_TEST

START_TEST(expiry_is_strict)
{
    ms_keyring *kr = ut_ring(K1);
    apr_time_t now = apr_time_now();
    apr_time_t e = apr_time_from_sec(apr_time_sec(now));   /* whole second */
    char *c = encode(kr, "{}", e);

    ck_assert_status(decode_at(kr, c, e - 1, NULL, NULL, NULL), MS_COOKIE_OK);
    ck_assert_status(decode_at(kr, c, e, NULL, NULL, NULL), MS_COOKIE_EXPIRED);
    ck_assert_status(decode_at(kr, c, e + 1, NULL, NULL, NULL), MS_COOKIE_EXPIRED);
    ck_assert_status(decode_at(kr, encode(kr, "{}", now - apr_time_from_sec(1)),
                               now, NULL, NULL, NULL), MS_COOKIE_EXPIRED);
    ck_assert_status(decode_at(kr, encode(kr, "{}", now + apr_time_from_sec(2)),
                               now, NULL, NULL, NULL), MS_COOKIE_OK);
    /* the signed expiry is whole seconds: 0.9 s is dropped */
    c = encode(kr, "{}", e + 900000);
    ck_assert_status(decode_at(kr, c, e + 1, NULL, NULL, NULL), MS_COOKIE_EXPIRED);
}
END_TEST

START_TEST(key_rotation)
{
    ms_keyring *both = ut_ring2(K_NEW, K_OLD), *old = ut_ring(K_OLD), *fresh = ut_ring(K_NEW);
    char *by_old = encode(old, "{\"a\":\"old\"}", E2099);
    char *by_both = encode(both, "{\"a\":\"new\"}", E2099), *plain;
    int idx = -1;

    ck_assert_int_eq(ms_keyring_count(both), 2);
    ck_assert_status(decode_at(both, by_old, NOW, &plain, NULL, &idx), MS_COOKIE_OK);
    ck_assert_int_eq(idx, 1);
    ck_assert_str_eq(plain, "{\"a\":\"old\"}");
    ck_assert_status(decode_at(both, by_both, NOW, &plain, NULL, &idx), MS_COOKIE_OK);
    ck_assert_int_eq(idx, 0);
    ck_assert_str_eq(plain, "{\"a\":\"new\"}");
    ck_assert_status(decode(old, by_both), MS_COOKIE_BAD_MAC);
    ck_assert_status(decode_at(fresh, by_both, NOW, NULL, NULL, &idx), MS_COOKIE_OK);
    ck_assert_int_eq(idx, 0);
    ck_assert_status(decode(fresh, by_old), MS_COOKIE_BAD_MAC);
}
END_TEST

/* Same AES key (first 32 bytes), different HMAC key: not interchangeable. */
START_TEST(keys_sharing_aes_prefix)
{
    ms_keyring *a = ut_ring(K1 "-suffix-a"), *b = ut_ring(K1 "-suffix-b");
    ms_keyring *ba = ut_ring2(K1 "-suffix-b", K1 "-suffix-a");
    char *ca = encode(a, "{\"k\":\"v\"}", E2099), *cb = encode(b, "{\"k\":\"v\"}", E2099);
    int idx = -1;

    ck_assert_status(decode(a, ca), MS_COOKIE_OK);
    ck_assert_status(decode(b, cb), MS_COOKIE_OK);
    ck_assert_status(decode(b, ca), MS_COOKIE_BAD_MAC);
    ck_assert_status(decode(a, cb), MS_COOKIE_BAD_MAC);
    ck_assert_status(decode_at(ba, ca, NOW, NULL, NULL, &idx), MS_COOKIE_OK);
    ck_assert_int_eq(idx, 1);
}
END_TEST

START_TEST(encoded_length_exact)
{
    ms_keyring *kr = ut_ring(K1);
    char buf[301], *cookie = NULL;
    apr_size_t p;

    memset(buf, 'x', sizeof(buf));
    for (p = 0; p <= 300; p++) {
        ck_assert_int_eq(ms_marten_encode(kr, buf, p, E2099, NULL, ut_pool, &cookie),
                         APR_SUCCESS);
        ck_assert_msg(strlen(cookie) == ms_marten_encoded_length(p),
                      "plaintext %lu: %lu != %lu", (unsigned long)p,
                      (unsigned long)strlen(cookie),
                      (unsigned long)ms_marten_encoded_length(p));
    }
    /* the figures in docs/cookie-formats.md, "The Marten format" */
    ck_assert_uint_eq(ms_marten_encoded_length(2), 262);
    ck_assert_uint_eq(ms_marten_encoded_length(156), 774);
    ck_assert_uint_eq(ms_marten_encoded_length(2211), 8110);
}
END_TEST

/* --- cookies crafted here, correctly signed ------------------------------ */

START_TEST(cookie_level_rejections)
{
    ms_keyring *kr = ut_ring(K1);
    char *good = encode(kr, "{}", E2099), *sep = strstr(good, "--");
    char *data = apr_pstrndup(ut_pool, good, (apr_size_t)(sep - good));
    char *upper = apr_pstrdup(ut_pool, good), *s;

    for (s = upper + (sep - good); *s; s++)
        *s = (char)toupper((unsigned char)*s);
    ck_assert_status(decode(kr, good), MS_COOKIE_OK);
    ck_assert_status(decode(kr, NULL), MS_COOKIE_BLANK);
    ck_assert_status(decode(kr, ""), MS_COOKIE_BLANK);
    ck_assert_status(decode(kr, " \t\r\n"), MS_COOKIE_BLANK);
    ck_assert_status(decode(kr, "\xc2\xa0\xe3\x80\x80 "), MS_COOKIE_BLANK);
    ck_assert_status(decode(kr, "\xff--abc"), MS_COOKIE_NOT_UTF8);
    ck_assert_status(decode(kr, "\xc0\xaf--abc"), MS_COOKIE_NOT_UTF8);
    ck_assert_status(decode(kr, "\xed\xa0\x80--abc"), MS_COOKIE_NOT_UTF8);
    ck_assert_status(decode(kr, apr_pstrcat(ut_pool, good, "\xe2\x82", NULL)),
                     MS_COOKIE_NOT_UTF8);
    ck_assert_status(decode(kr, "abc123"), MS_COOKIE_NO_SEPARATOR);
    ck_assert_status(decode(kr, "abc-123-"), MS_COOKIE_NO_SEPARATOR);
    ck_assert_status(decode(kr, sep), MS_COOKIE_NO_SEPARATOR);          /* no DATA */
    ck_assert_status(decode(kr, apr_pstrcat(ut_pool, "  ", sep, NULL)),
                     MS_COOKIE_NO_SEPARATOR);
    ck_assert_status(decode(kr, apr_pstrcat(ut_pool, data, "--", NULL)),
                     MS_COOKIE_NO_SEPARATOR);
    ck_assert_status(decode(kr, apr_pstrcat(ut_pool, data, "-- \t", NULL)),
                     MS_COOKIE_NO_SEPARATOR);
    ck_assert_status(decode(kr, upper), MS_COOKIE_BAD_MAC);
    ck_assert_status(decode(kr, apr_pstrcat(ut_pool, good, "\n", NULL)),
                     MS_COOKIE_BAD_MAC);
    ck_assert_status(decode(kr, apr_pstrcat(ut_pool, good, "--x", NULL)),
                     MS_COOKIE_BAD_MAC);
    ck_assert_status(decode(kr, apr_pstrcat(ut_pool, " ", good, NULL)),
                     MS_COOKIE_BAD_MAC);
    ck_assert_status(decode(ms_keyring_make(ut_pool), good), MS_COOKIE_BAD_MAC);
    ck_assert_status(decode(NULL, good), MS_COOKIE_BAD_MAC);
}
END_TEST

START_TEST(no_expiry_form)
{
    ms_keyring *kr = ut_ring(K1);
    char *x = hex_x(kr, "{\"foo\":\"bar\"}"), *plain, *up, *s;
    apr_time_t exp = -1;

    ck_assert_status(decode_at(kr, sign_text(kr, x), NOW, &plain, &exp, NULL),
                     MS_COOKIE_OK);
    ck_assert_str_eq(plain, "{\"foo\":\"bar\"}");
    ck_assert_int_eq(exp, 0);
    /* never expires */
    ck_assert_status(decode_at(kr, sign_text(kr, x), apr_time_from_sec(
        APR_INT64_C(253402300799)), NULL, NULL, NULL), MS_COOKIE_OK);
    up = apr_pstrdup(ut_pool, x);
    for (s = up; *s; s++)
        *s = (char)toupper((unsigned char)*s);
    ck_assert_status(decode_at(kr, sign_text(kr, up), NOW, &plain, NULL, NULL),
                     MS_COOKIE_OK);
    ck_assert_str_eq(plain, "{\"foo\":\"bar\"}");
    /* JSON, but not an object with "_marten": still the no-expiry form */
    ck_assert_status(decode(kr, sign_text(kr, "[\"_marten\"]")), MS_COOKIE_BAD_HEX);
    ck_assert_status(decode(kr, sign_text(kr, "{\"marten\":{}}")), MS_COOKIE_BAD_HEX);
    ck_assert_status(decode(kr, sign_text(kr, apr_pstrcat(ut_pool,
        envelope(quoted(b64(x)), "\"2099-01-01T00:00:00Z\""), " x", NULL))),
        MS_COOKIE_BAD_HEX);
}
END_TEST

START_TEST(envelope_variants_accepted)
{
    ms_keyring *kr = ut_ring(K1);
    const char *v = b64(hex_x(kr, "{\"foo\":\"bar\"}"));
    char *plain, *url = apr_pstrdup(ut_pool, v), *s;
    apr_time_t exp = 0;
    const char *texts[6];
    int i;

    for (s = url; *s; s++)
        *s = *s == '+' ? '-' : *s == '/' ? '_' : *s;
    while (s > url && s[-1] == '=')
        *--s = '\0';
    texts[0] = apr_psprintf(ut_pool,
        " { \"x\" : [1, {\"y\": null}, \"_marten\"], \"_marten\" : { \"expires\" :"
        " \"2099-01-01T01:00:00+01:00\", \"other\": true, \"value\" : \"%s\" } ,"
        " \"z\": -1.5e3 }\n", v);
    texts[1] = envelope(quoted(url), "\"2099-01-01T00:00:00Z\"");
    texts[2] = apr_psprintf(ut_pool, "{\"_marten\":{\"value\":\"\\u00%x%s\","
                            "\"expires\":\"20990101T000000.25Z\"}}", v[0], v + 1);
    texts[3] = apr_psprintf(ut_pool, "{\"\\u005fmarten\":{\"value\":\"%s\","
                            "\"expires\":\"2099-01-01T00:00z\"}}", v);
    /* duplicates: the last one wins, as in a Crystal Hash */
    texts[4] = apr_psprintf(ut_pool, "{\"_marten\":1,\"_marten\":{\"value\":1,"
                            "\"value\":\"%s\",\"expires\":\"x\",\"expires\":"
                            "\"2099-01-01T00:00:00Z\"}}", v);
    texts[5] = apr_psprintf(ut_pool, "{\"_marten\":{\"value\":\"%s\","
                            "\"expires\":\"2099-01-01T00:00:00Z\"}}", v);
    for (i = 0; i < 6; i++) {
        ck_assert_msg(decode_at(kr, sign_text(kr, texts[i]), NOW, &plain, &exp,
                                NULL) == MS_COOKIE_OK, "envelope %d: %s", i, texts[i]);
        ck_assert_str_eq(plain, "{\"foo\":\"bar\"}");
        ck_assert_int_eq(exp, E2099);
    }
    /* the outer base64 may be url-safe and unpadded too, if signed so */
    s = apr_pstrdup(ut_pool, b64(texts[5]));
    for (i = 0; s[i]; i++)
        s[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
    while (i > 0 && s[i - 1] == '=')
        s[--i] = '\0';
    ck_assert_status(decode(kr, sign_data(kr, s)), MS_COOKIE_OK);
}
END_TEST

START_TEST(envelope_malformed)
{
    ms_keyring *kr = ut_ring(K1);
    const char *v = quoted(b64(hex_x(kr, "{}"))), *e = "\"2099-01-01T00:00:00Z\"";

    ck_assert_status(decode(kr, sign_text(kr, envelope(v, e))), MS_COOKIE_OK);
    ck_assert_status(decode(kr, sign_text(kr, "{\"_marten\":\"x\"}")),
                     MS_COOKIE_BAD_ENVELOPE);
    ck_assert_status(decode(kr, sign_text(kr, "{\"_marten\":[1]}")),
                     MS_COOKIE_BAD_ENVELOPE);
    ck_assert_status(decode(kr, sign_text(kr, "{\"_marten\":null}")),
                     MS_COOKIE_BAD_ENVELOPE);
    ck_assert_status(decode(kr, sign_text(kr, "{\"_marten\":{}}")),
                     MS_COOKIE_BAD_ENVELOPE);
    ck_assert_status(decode(kr, sign_text(kr, apr_pstrcat(ut_pool,
        "{\"_marten\":{\"expires\":", e, "}}", NULL))), MS_COOKIE_BAD_ENVELOPE);
    ck_assert_status(decode(kr, sign_text(kr, apr_pstrcat(ut_pool,
        "{\"_marten\":{\"value\":", v, "}}", NULL))), MS_COOKIE_BAD_ENVELOPE);
    ck_assert_status(decode(kr, sign_text(kr, envelope("42", e))),
                     MS_COOKIE_BAD_ENVELOPE);
    ck_assert_status(decode(kr, sign_text(kr, envelope(v, "4070908800"))),
                     MS_COOKIE_BAD_ENVELOPE);
    ck_assert_status(decode(kr, sign_text(kr, envelope(v, "\"tomorrow\""))),
                     MS_COOKIE_BAD_EXPIRES);
    ck_assert_status(decode(kr, sign_text(kr, envelope(v, "\"2099-01-01 00:00:00Z\""))),
                     MS_COOKIE_BAD_EXPIRES);
    ck_assert_status(decode(kr, sign_text(kr, envelope(v, "\"2099-01-01T00:00:00\""))),
                     MS_COOKIE_BAD_EXPIRES);
    ck_assert_status(decode(kr, sign_text(kr, envelope(v, "\"\""))),
                     MS_COOKIE_BAD_EXPIRES);
    /* expiry is checked before the value is decoded */
    ck_assert_status(decode(kr, sign_text(kr, envelope("\"@@\"",
                     "\"2020-01-01T00:00:00Z\""))), MS_COOKIE_EXPIRED);
    ck_assert_status(decode(kr, sign_text(kr, envelope("\"@@\"", e))),
                     MS_COOKIE_BAD_BASE64);
    ck_assert_status(decode(kr, sign_text(kr, envelope("\"Q\"", e))),
                     MS_COOKIE_BAD_BASE64);
}
END_TEST

/* Texts in the frame of a written envelope (head, value, expires, tail)
 * that the general JSON reader must still decide: the quick frame check
 * may only ever agree with it. */
START_TEST(envelope_frame_lookalikes)
{
    ms_keyring *kr = ut_ring(K1);
    const char *v = b64(hex_x(kr, "{\"a\":\"b\"}"));
    char *crlf = apr_pstrcat(ut_pool, apr_pstrndup(ut_pool, v, 8), "\r\n",
                             v + 8, NULL);
    char *url = apr_pstrdup(ut_pool, v), *plain, *s;
    apr_time_t exp = 0;

    for (s = url; *s; s++)
        *s = *s == '+' ? '-' : *s == '/' ? '_' : *s;
    /* the frame itself, and with the other alphabet: read */
    ck_assert_status(decode_at(kr, sign_text(kr, apr_psprintf(ut_pool,
        "{\"_marten\":{\"value\":\"%s\",\"expires\":\"2099-01-01T00:00:00Z\"}}",
        url)), NOW, &plain, &exp, NULL), MS_COOKIE_OK);
    ck_assert_str_eq(plain, "{\"a\":\"b\"}");
    ck_assert_int_eq(exp, E2099);
    /* raw CR LF in a JSON string: not JSON, so not an envelope at all,
     * though base64 alone would skip them */
    ck_assert_status(decode(kr, sign_text(kr, apr_psprintf(ut_pool,
        "{\"_marten\":{\"value\":\"%s\",\"expires\":\"2099-01-01T00:00:00Z\"}}",
        crlf))), MS_COOKIE_BAD_HEX);
    /* a quote or a backslash in the 20 characters of the time */
    ck_assert_status(decode(kr, sign_text(kr, apr_psprintf(ut_pool,
        "{\"_marten\":{\"value\":\"%s\",\"expires\":\"2099-01-01T00:00:0\"Z\"}}",
        v))), MS_COOKIE_BAD_HEX);
    ck_assert_status(decode(kr, sign_text(kr, apr_psprintf(ut_pool,
        "{\"_marten\":{\"value\":\"%s\",\"expires\":\"2099-01-01T00:00:\\/Z\"}}",
        v))), MS_COOKIE_BAD_EXPIRES);
    /* another member between value and expires: the "value" would hold
     * quotes, so the JSON reader takes it (and finds the real value) */
    ck_assert_status(decode(kr, sign_text(kr, apr_psprintf(ut_pool,
        "{\"_marten\":{\"value\":\"%s\",\"x\":\"y\",\"expires\":"
        "\"2099-01-01T00:00:00Z\"}}", v))), MS_COOKIE_OK);
    /* '=' inside the value, and an expired frame with a bad value */
    ck_assert_status(decode(kr, sign_text(kr, apr_psprintf(ut_pool,
        "{\"_marten\":{\"value\":\"AA==%s\",\"expires\":\"2099-01-01T00:00:00Z\"}}",
        v))), MS_COOKIE_BAD_BASE64);
    ck_assert_status(decode(kr, sign_text(kr,
        "{\"_marten\":{\"value\":\"@@@@\",\"expires\":\"2020-01-01T00:00:00Z\"}}")),
        MS_COOKIE_EXPIRED);
    ck_assert_status(decode(kr, sign_text(kr, apr_psprintf(ut_pool,
        "{\"_marten\":{\"value\":\"%s\",\"expires\":\"2020-01-01T00:00:00Z\"}}",
        v))), MS_COOKIE_EXPIRED);
}
END_TEST

START_TEST(payload_rejections)
{
    ms_keyring *kr = ut_ring(K1);
    const char *e = "\"2099-01-01T00:00:00Z\"";
    char *x = hex_x(kr, "0123456789abcdef");   /* C is 32 bytes */
    char *c16 = apr_pstrcat(ut_pool, apr_pstrndup(ut_pool, x, 32), x + 64, NULL);
    char *ivonly = x + 64;
    char *odd = apr_pstrndup(ut_pool, x, strlen(x) - 1);
    char *c24 = apr_pstrcat(ut_pool, apr_pstrndup(ut_pool, x, 48), ivonly, NULL);

    ck_assert_status(decode(kr, sign_text(kr, x)), MS_COOKIE_OK);
    ck_assert_status(decode(kr, sign_data(kr, "***")), MS_COOKIE_BAD_BASE64);
    ck_assert_status(decode(kr, sign_data(kr, "QUJDR")), MS_COOKIE_BAD_BASE64);
    ck_assert_status(decode(kr, sign_text(kr, odd)), MS_COOKIE_BAD_HEX);
    ck_assert_status(decode(kr, sign_text(kr, apr_pstrcat(ut_pool, "g",
                     x + 1, NULL))), MS_COOKIE_BAD_HEX);
    ck_assert_status(decode(kr, sign_text(kr, apr_pstrcat(ut_pool, "0x",
                     x + 2, NULL))), MS_COOKIE_BAD_HEX);
    ck_assert_status(decode(kr, sign_text(kr, "hello world")), MS_COOKIE_BAD_HEX);
    ck_assert_status(decode(kr, sign_text(kr, apr_pstrndup(ut_pool, ivonly, 30))),
                     MS_COOKIE_TOO_SHORT);
    ck_assert_status(decode(kr, sign_text(kr, envelope("\"\"", e))),
                     MS_COOKIE_TOO_SHORT);
    ck_assert_status(decode(kr, sign_text(kr, ivonly)), MS_COOKIE_BAD_CIPHERTEXT);
    ck_assert_status(decode(kr, sign_text(kr, c24)), MS_COOKIE_BAD_CIPHERTEXT);
    ck_assert_status(decode(kr, sign_text(kr, c16)), MS_COOKIE_BAD_CIPHERTEXT);
    /* hex with a NUL inside (apr_unescape_hex alone would stop there) */
    {
        char raw[64 + 1];
        memcpy(raw, x, 64);
        raw[10] = '\0';
        ck_assert_status(decode(kr, sign_data(kr, ms_base64_encode(raw, 64,
                         ut_pool, NULL))), MS_COOKIE_BAD_HEX);
    }
}
END_TEST

START_TEST(empty_keyring_cannot_encode)
{
    ck_assert_int_ne(ms_marten_encode(ms_keyring_make(ut_pool), "{}", 2, E2099,
                                      NULL, ut_pool, &(char *){0}), APR_SUCCESS);
}
END_TEST

/* A secret is all of its bytes: one differing only after a NUL is another
 * key. */
START_TEST(binary_secret)
{
    char secret[48];
    ms_keyring *kr = ms_keyring_make(ut_pool);
    char *cookie = NULL, *plain;

    memset(secret, 0, sizeof(secret));
    secret[47] = 1;
    ck_assert_int_eq(ms_keyring_add(kr, secret, sizeof(secret), NULL), APR_SUCCESS);
    ck_assert_int_eq(ms_marten_encode(kr, "{}", 2, E2099, NULL, ut_pool, &cookie),
                     APR_SUCCESS);
    ck_assert_status(decode_at(kr, cookie, NOW, &plain, NULL, NULL), MS_COOKIE_OK);
    ck_assert_str_eq(plain, "{}");
    secret[47] = 2;
    kr = ms_keyring_make(ut_pool);
    ck_assert_int_eq(ms_keyring_add(kr, secret, sizeof(secret), NULL), APR_SUCCESS);
    ck_assert_status(decode(kr, cookie), MS_COOKIE_BAD_MAC);
}
END_TEST

START_TEST(status_strings)
{
    int st;

    for (st = MS_COOKIE_OK; st <= MS_COOKIE_BAD_CIPHERTEXT; st++)
        ck_assert_uint_gt(strlen(ms_cookie_status_str((ms_cookie_status)st)), 1);
    ck_assert_str_ne(ms_cookie_status_str(MS_COOKIE_EXPIRED),
                     ms_cookie_status_str(MS_COOKIE_BAD_MAC));
}
END_TEST

Suite *codec_marten_suite(void)
{
    Suite *s = suite_create("codec_marten");
    TCase *vec = tcase_create("vectors"), *tc = tcase_create("codec");

    tcase_add_checked_fixture(vec, ut_setup, ut_teardown);
    tcase_add_loop_test(vec, vector_decodes, 0, vectors_count());
    tcase_add_test(vec, vector_inventory);
    tcase_add_test(vec, vector_reasons);
    tcase_add_test(vec, readme_example_reencoded);
    tcase_add_test(vec, valid_vectors_reencoded);
    suite_add_tcase(s, vec);

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, roundtrip_random_iv);
    tcase_add_test(tc, roundtrip_binary_and_empty);
    tcase_add_test(tc, every_single_byte_tamper_rejected);
    tcase_add_test(tc, expiry_is_strict);
    tcase_add_test(tc, key_rotation);
    tcase_add_test(tc, keys_sharing_aes_prefix);
    tcase_add_test(tc, encoded_length_exact);
    tcase_add_test(tc, cookie_level_rejections);
    tcase_add_test(tc, no_expiry_form);
    tcase_add_test(tc, envelope_variants_accepted);
    tcase_add_test(tc, envelope_malformed);
    tcase_add_test(tc, envelope_frame_lookalikes);
    tcase_add_test(tc, payload_rejections);
    tcase_add_test(tc, empty_keyring_cannot_encode);
    tcase_add_test(tc, binary_secret);
    tcase_add_test(tc, status_strings);
    suite_add_tcase(s, tc);

    return s;
}
