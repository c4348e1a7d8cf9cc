/* Marten's cookie-store format, read exactly as Marten's Signer and
 * Encryptor read it (docs/cookie-formats.md, "The Marten format") and
 * written as they write it. Step numbers below count Marten's own reading
 * steps; the doc's "Reading" list groups some of them. */
#include <string.h>

#include <openssl/crypto.h>

#include <apr_strings.h>

#include "ms_base64.h"
#include "ms_codec_marten.h"
#include "ms_hex.h"
#include "ms_json.h"
#include "ms_random.h"
#include "ms_time.h"

#define IV_LEN 16

const char *ms_cookie_status_str(ms_cookie_status st)
{
    switch (st) {
    case MS_COOKIE_OK:             return "ok";
    case MS_COOKIE_BLANK:          return "blank cookie";
    case MS_COOKIE_NOT_UTF8:       return "cookie is not UTF-8";
    case MS_COOKIE_NO_SEPARATOR:   return "no data--digest separator";
    case MS_COOKIE_BAD_MAC:        return "signature does not match any key";
    case MS_COOKIE_BAD_BASE64:     return "bad base64";
    case MS_COOKIE_BAD_ENVELOPE:   return "malformed _marten envelope";
    case MS_COOKIE_BAD_EXPIRES:    return "envelope expiry is not ISO 8601";
    case MS_COOKIE_EXPIRED:        return "expired";
    case MS_COOKIE_BAD_HEX:        return "payload is not hex";
    case MS_COOKIE_TOO_SHORT:      return "payload shorter than an IV";
    case MS_COOKIE_BAD_CIPHERTEXT: return "bad ciphertext or padding";
    }
    return "unknown cookie status";
}

/* --- step 1: UTF-8 and blank --------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s[0..n), 0 if there is none
 * (overlong forms, surrogates and code points above U+10FFFF are not). */
static apr_size_t utf8_seq(const unsigned char *s, apr_size_t n,
                           unsigned *cp)
{
    apr_size_t k, i;
    unsigned min;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        k = 2; min = 0x80; *cp = s[0] & 0x1F;
    }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        k = 3; min = 0x800; *cp = s[0] & 0x0F;
    }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        k = 4; min = 0x10000; *cp = s[0] & 0x07;
    }
    else {
        return 0;
    }
    if (n < k)
        return 0;
    for (i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return k;
}

static int utf8_valid(const char *s, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0, k;
    apr_uint64_t w;
    unsigned cp;

    /* Cookies are ASCII: skip 32 bytes at a time while no high bit is
     * set, then 8 at a time. */
    while (i + 32 <= len) {
        apr_uint64_t x[4];
        memcpy(x, u + i, 32);
        if ((x[0] | x[1] | x[2] | x[3]) & APR_UINT64_C(0x8080808080808080))
            break;
        i += 32;
    }
    while (i + 8 <= len) {
        memcpy(&w, u + i, 8);
        if (w & APR_UINT64_C(0x8080808080808080))
            break;
        i += 8;
    }
    while (i < len) {
        if (u[i] < 0x80) {          /* the common case: cookies are ASCII */
            i++;
            continue;
        }
        if ((k = utf8_seq(u + i, len - i, &cp)) == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* Crystal's Char#whitespace?: ASCII whitespace and Unicode space
 * separators (Zs, Zl, Zp). */
static int is_space_cp(unsigned cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0
           || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
           || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
           || cp == 0x205F || cp == 0x3000;
}

/* String#blank? on text already known to be valid UTF-8. */
static int utf8_blank(const char *s, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0, k;
    unsigned cp;

    while (i < len) {
        if ((k = utf8_seq(u + i, len - i, &cp)) == 0 || !is_space_cp(cp))
            return 0;
        i += k;
    }
    return 1;
}

/* --- steps 2-3: split and verify ----------------------------------------- */

static int find_separator(const char *s, apr_size_t len, apr_size_t *at)
{
    const char *p = s, *end = s + len, *dash;

    /* Standard base64 has no '-', so memchr usually lands on it at once. */
    while ((dash = memchr(p, '-', (apr_size_t)(end - p))) != NULL) {
        if (dash + 1 < end && dash[1] == '-') {
            *at = (apr_size_t)(dash - s);
            return 1;
        }
        p = dash + 1;
    }
    return 0;
}

/* Index of the first key whose lowercase hex HMAC of data is digest,
 * compared in constant time; -1 if none. */
static int verify_mac(const ms_keyring *kr, const char *data, apr_size_t dlen,
                      const char *digest, apr_size_t glen)
{
    char mac[MS_HMAC_HEX_LEN + 1];
    int i, n = ms_keyring_count(kr);

    if (glen != MS_HMAC_HEX_LEN)
        return -1;
    for (i = 0; i < n; i++) {
        if (ms_keyring_hmac_hex(kr, i, data, dlen, mac) == APR_SUCCESS
            && CRYPTO_memcmp(mac, digest, MS_HMAC_HEX_LEN) == 0)
            return i;
    }
    return -1;
}

/* --- step 5: the envelope ------------------------------------------------ */

#define NONE ((apr_size_t)-1)

/* A member of interest in a JSON object. */
typedef struct member member;
struct member {
    const char *name;
    apr_size_t at;          /* where its value starts; NONE if absent */
    char *str;              /* the value when it is a string, else NULL */
    apr_size_t len;
    member *sub;            /* members of interest inside an object value */
    int nsub;
};

static int walk_object(ms_json_cursor *c, apr_pool_t *p, member *m, int n,
                       int depth);

static void forget(member *m, int n)
{
    int k;

    for (k = 0; k < n; k++) {
        m[k].at = NONE;
        m[k].str = NULL;
    }
}

/* The value of member m at c->pos: a string is read, an object with
 * members of interest is walked (so no byte is scanned twice), anything
 * else is skipped. */
static int take_value(ms_json_cursor *c, apr_pool_t *p, member *m, int depth)
{
    m->at = c->pos;
    m->str = NULL;
    forget(m->sub, m->nsub);
    if (c->s[c->pos] == '"')
        return ms_json_read_string(c, p, &m->str, &m->len) == MS_JSON_OK;
    if (c->s[c->pos] == '{' && m->nsub > 0 && depth < MS_JSON_MAX_DEPTH)
        return walk_object(c, p, m->sub, m->nsub, depth + 1);
    return ms_json_skip_value(c, depth) == MS_JSON_OK;
}

/* One "key": value pair. JSON.parse builds a Hash, so the last duplicate
 * key wins: a member is overwritten each time its key comes. */
static int walk_member(ms_json_cursor *c, apr_pool_t *p, member *m, int n,
                       int depth)
{
    char *key;
    apr_size_t klen;
    int k;

    ms_json_skip_ws(c);
    if (ms_json_read_string(c, p, &key, &klen) != MS_JSON_OK)
        return 0;
    ms_json_skip_ws(c);
    if (c->pos >= c->len || c->s[c->pos++] != ':')
        return 0;
    ms_json_skip_ws(c);
    if (c->pos >= c->len)
        return 0;
    for (k = 0; k < n; k++)
        if (klen == strlen(m[k].name) && memcmp(key, m[k].name, klen) == 0)
            return take_value(c, p, &m[k], depth);
    return ms_json_skip_value(c, depth) == MS_JSON_OK;
}

/* Walk the object whose '{' is at c->pos and move past it, filling m.
 * Returns 0 unless the object is well-formed. */
static int walk_object(ms_json_cursor *c, apr_pool_t *p, member *m, int n,
                       int depth)
{
    c->pos++;
    ms_json_skip_ws(c);
    if (c->pos < c->len && c->s[c->pos] == '}') {
        c->pos++;
        return 1;
    }
    for (;;) {
        if (!walk_member(c, p, m, n, depth))
            return 0;
        ms_json_skip_ws(c);
        if (c->pos >= c->len)
            return 0;
        if (c->s[c->pos] == '}') {
            c->pos++;
            return 1;
        }
        if (c->s[c->pos++] != ',')
            return 0;
    }
}

/* Is text a JSON object with a "_marten" key? Then it is the envelope and
 * env gets that member (with "value" and "expires" inside when _marten is
 * an object); otherwise text is the no-expiry form. */
static int find_envelope(const char *text, apr_size_t len, apr_pool_t *p,
                         member *env)
{
    ms_json_cursor c = { text, len, 0 };

    forget(env, 1);
    ms_json_skip_ws(&c);
    if (c.pos >= len || text[c.pos] != '{' || !walk_object(&c, p, env, 1, 1))
        return 0;
    ms_json_skip_ws(&c);
    return c.pos == len && env->at != NONE;
}

/* The "_marten" member: its value string and its expiry. Marten raises on
 * every failure here; we reject. */
static ms_cookie_status read_envelope(const char *text, const member *env,
                                      char **value, apr_size_t *vlen,
                                      apr_time_t *expires)
{
    const member *v = &env->sub[0], *e = &env->sub[1];

    /* _marten not an object; value or expires missing or not a string */
    if (text[env->at] != '{' || v->str == NULL || e->str == NULL)
        return MS_COOKIE_BAD_ENVELOPE;
    if (ms_time_parse_iso8601(e->str, e->len, expires) != APR_SUCCESS)
        return MS_COOKIE_BAD_EXPIRES;
    *value = v->str;
    *vlen = v->len;
    return MS_COOKIE_OK;
}

/* The envelope as Marten and we write it: ENV_HEAD, the base64 value,
 * ENV_MID, a 20-character UTC time, ENV_TAIL. */
#define ENV_HEAD "{\"_marten\":{\"value\":\""
#define ENV_MID "\",\"expires\":\""
#define ENV_TAIL "\"}}"
#define ENV_TIME_LEN 20
#define LIT_LEN(s) (sizeof(s) - 1)

/* Base64 text of n characters, none of them CR or LF, decodes to exactly
 * this many bytes (trailing '=' aside). */
static apr_size_t b64_decoded_len(const char *s, apr_size_t n)
{
    while (n > 0 && s[n - 1] == '=')
        n--;
    return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

/* Step 5 for the envelope in the exact shape every writer produces: no
 * JSON walk over the long value, only its fixed frame. Returns 0 when
 * text has another shape, and then the general reader decides. A frame
 * that matches gives what the general reader gives: the value is base64
 * (so holds no '"', '\\' or control byte, CR and LF being ruled out by
 * the decoded length) and the time is checked for the same. */
static int unwrap_canonical(const char *text, apr_size_t len, apr_time_t now,
                            apr_pool_t *p, const char **x, apr_size_t *xlen,
                            apr_time_t *expires, ms_cookie_status *st)
{
    const apr_size_t frame = LIT_LEN(ENV_HEAD) + LIT_LEN(ENV_MID)
                             + ENV_TIME_LEN + LIT_LEN(ENV_TAIL);
    const char *value = text + LIT_LEN(ENV_HEAD), *t;
    apr_size_t vlen, k;
    unsigned char *dec;

    if (len < frame || memcmp(text, ENV_HEAD, LIT_LEN(ENV_HEAD)) != 0
        || memcmp(text + len - LIT_LEN(ENV_TAIL), ENV_TAIL,
                  LIT_LEN(ENV_TAIL)) != 0)
        return 0;
    vlen = len - frame;
    t = value + vlen + LIT_LEN(ENV_MID);
    if (memcmp(value + vlen, ENV_MID, LIT_LEN(ENV_MID)) != 0)
        return 0;
    for (k = 0; k < ENV_TIME_LEN; k++)
        if (t[k] == '"' || t[k] == '\\' || (unsigned char)t[k] < 0x20)
            return 0;
    if (ms_base64_decode_lenient(value, vlen, p, &dec, xlen) != APR_SUCCESS
        || *xlen != b64_decoded_len(value, vlen))
        return 0;
    if (ms_time_parse_iso8601(t, ENV_TIME_LEN, expires) != APR_SUCCESS)
        *st = MS_COOKIE_BAD_EXPIRES;
    else if (!(now < *expires))
        *st = MS_COOKIE_EXPIRED;
    else
        *st = MS_COOKIE_OK;
    *x = (const char *)dec;
    return 1;
}

/* Step 5: from the decoded DATA to X, the hex text. */
static ms_cookie_status unwrap(const char *text, apr_size_t len,
                               apr_time_t now, apr_pool_t *p,
                               const char **x, apr_size_t *xlen,
                               apr_time_t *expires)
{
    member inner[2] = { { "value", NONE, NULL, 0, NULL, 0 },
                        { "expires", NONE, NULL, 0, NULL, 0 } };
    member env = { "_marten", NONE, NULL, 0, inner, 2 };
    unsigned char *dec;
    char *value;
    apr_size_t vlen;
    ms_cookie_status st;

    *expires = 0;
    if (unwrap_canonical(text, len, now, p, x, xlen, expires, &st))
        return st;
    *expires = 0;
    if (!find_envelope(text, len, p, &env)) {
        *x = text;          /* the no-expiry form: never expires */
        *xlen = len;
        return MS_COOKIE_OK;
    }
    st = read_envelope(text, &env, &value, &vlen, expires);
    if (st != MS_COOKIE_OK)
        return st;
    if (!(now < *expires))
        return MS_COOKIE_EXPIRED;
    if (ms_base64_decode_lenient(value, vlen, p, &dec, xlen) != APR_SUCCESS)
        return MS_COOKIE_BAD_BASE64;
    *x = (const char *)dec;
    return MS_COOKIE_OK;
}

/* --- steps 6-7: hex and AES ---------------------------------------------- */

static ms_cookie_status decrypt_hex(const ms_keyring *kr, int key,
                                    const char *x, apr_size_t xlen,
                                    apr_pool_t *p,
                                    char **plain, apr_size_t *plen)
{
    unsigned char *b = apr_palloc(p, xlen / 2 + 1), *out;
    apr_size_t blen = xlen / 2, clen, n;

    if (!ms_hex_decode(x, xlen, b))
        return MS_COOKIE_BAD_HEX;
    if (blen < IV_LEN)
        return MS_COOKIE_TOO_SHORT;
    clen = blen - IV_LEN;           /* C || IV: the IV comes last */
    out = apr_palloc(p, clen + 1);
    if (ms_keyring_cbc_decrypt(kr, key, b + clen, b, clen, out, &n)
        != APR_SUCCESS)
        return MS_COOKIE_BAD_CIPHERTEXT;
    out[n] = '\0';
    *plain = (char *)out;
    *plen = n;
    return MS_COOKIE_OK;
}

/* --- decode -------------------------------------------------------------- */

/* Steps 1-2: DATA and DIGEST. */
static ms_cookie_status split_cookie(const char *cookie, apr_size_t len,
                                     apr_size_t *dlen, const char **digest,
                                     apr_size_t *glen)
{
    if (!utf8_valid(cookie, len))
        return MS_COOKIE_NOT_UTF8;
    if (utf8_blank(cookie, len))
        return MS_COOKIE_BLANK;
    if (!find_separator(cookie, len, dlen))
        return MS_COOKIE_NO_SEPARATOR;
    *digest = cookie + *dlen + 2;
    *glen = len - *dlen - 2;
    if (utf8_blank(cookie, *dlen) || utf8_blank(*digest, *glen))
        return MS_COOKIE_NO_SEPARATOR;
    return MS_COOKIE_OK;
}

ms_cookie_status ms_marten_decode(const ms_keyring *kr,
                                  const char *cookie, apr_size_t len,
                                  apr_time_t now, apr_pool_t *p,
                                  char **plaintext, apr_size_t *plaintext_len,
                                  apr_time_t *expires, int *key_index)
{
    const char *digest, *x;
    apr_size_t dlen, glen, tlen, xlen, plen;
    unsigned char *text;
    apr_time_t exp;
    ms_cookie_status st;
    int key;

    if (cookie == NULL)
        len = 0;
    if ((st = split_cookie(cookie, len, &dlen, &digest, &glen)) != MS_COOKIE_OK)
        return st;
    key = verify_mac(kr, cookie, dlen, digest, glen);
#ifdef MS_FUZZING_SKIP_MAC
    /* Test hook for tests/fuzz only (never defined for the module or
     * lib/libmarten.la): a cookie whose MAC does not verify is read with
     * the first key anyway, so the fuzzer reaches the layers behind the
     * MAC. Everything else, the MAC computation included, is unchanged. */
    if (key < 0 && ms_keyring_count(kr) > 0)
        key = 0;
#endif
    if (key < 0)
        return MS_COOKIE_BAD_MAC;
    if (ms_base64_decode_lenient(cookie, dlen, p, &text, &tlen) != APR_SUCCESS)
        return MS_COOKIE_BAD_BASE64;
    st = unwrap((const char *)text, tlen, now, p, &x, &xlen, &exp);
    if (st != MS_COOKIE_OK)
        return st;
    st = decrypt_hex(kr, key, x, xlen, p, plaintext, &plen);
    if (st != MS_COOKIE_OK)
        return st;
    if (plaintext_len)
        *plaintext_len = plen;
    if (expires)
        *expires = exp;
    if (key_index)
        *key_index = key;
    return MS_COOKIE_OK;
}

/* --- encode -------------------------------------------------------------- */

/* hex(C || IV) under the first key. */
static apr_status_t encrypt_hex(const ms_keyring *kr, const char *plain,
                                apr_size_t len, const unsigned char *iv,
                                apr_pool_t *p, char **hex, apr_size_t *hexlen)
{
    unsigned char *buf = apr_palloc(p, len + 2 * IV_LEN);
    apr_size_t clen;
    apr_status_t rv;

    rv = ms_keyring_cbc_encrypt(kr, 0, iv, (const unsigned char *)plain, len,
                                buf, &clen);
    if (rv != APR_SUCCESS)
        return rv;
    memcpy(buf + clen, iv, IV_LEN);
    *hexlen = 2 * (clen + IV_LEN);
    *hex = apr_palloc(p, *hexlen + 1);
    ms_hex_encode_lower(buf, clen + IV_LEN, *hex);
    return APR_SUCCESS;
}

apr_status_t ms_marten_encode(const ms_keyring *kr,
                              const char *plaintext, apr_size_t len,
                              apr_time_t expires, const unsigned char *iv,
                              apr_pool_t *p, char **cookie)
{
    unsigned char ivbuf[IV_LEN];
    char ts[MS_RFC3339_LEN + 1], sig[MS_HMAC_HEX_LEN + 1];
    char *hex, *inner, *env, *outer;
    apr_size_t hexlen, outlen;
    apr_status_t rv;

    if (ms_keyring_count(kr) < 1 || (plaintext == NULL && len > 0))
        return APR_EINVAL;
    if (plaintext == NULL)
        plaintext = "";
    if (iv == NULL) {
        if (ms_random_bytes(ivbuf, IV_LEN) != APR_SUCCESS)
            return APR_EGENERAL;
        iv = ivbuf;
    }
    rv = encrypt_hex(kr, plaintext, len, iv, p, &hex, &hexlen);
    if (rv != APR_SUCCESS)
        return rv;
    if ((inner = ms_base64_encode(hex, hexlen, p, NULL)) == NULL)
        return APR_EINVAL;
    ms_time_format_rfc3339(expires, ts);
    env = apr_pstrcat(p, "{\"_marten\":{\"value\":\"", inner,
                      "\",\"expires\":\"", ts, "\"}}", NULL);
    if ((outer = ms_base64_encode(env, strlen(env), p, &outlen)) == NULL)
        return APR_EINVAL;
    if ((rv = ms_keyring_hmac_hex(kr, 0, outer, outlen, sig)) != APR_SUCCESS)
        return rv;
    *cookie = apr_pstrcat(p, outer, "--", sig, NULL);
    return APR_SUCCESS;
}

static apr_size_t b64_len(apr_size_t n)
{
    return 4 * ((n + 2) / 3);
}

apr_size_t ms_marten_encoded_length(apr_size_t plaintext_len)
{
    apr_size_t c = 16 * (plaintext_len / 16 + 1);   /* PKCS#7 always pads */
    apr_size_t inner = b64_len(2 * (c + IV_LEN));
    /* {"_marten":{"value":"..","expires":"YYYY-MM-DDTHH:MM:SSZ"}} is 57
     * bytes around INNER; the value ends with "--" and 64 hex digits. */
    return b64_len(inner + 57) + 2 + MS_HMAC_HEX_LEN;
}
