/* The sealed format; the byte layout is in docs/cookie-formats.md. */
#include <string.h>

#include <openssl/crypto.h>

#include <apr_strings.h>

#include "ms_base64url.h"
#include "ms_codec_sealed.h"
#include "ms_random.h"

/* Offsets in the decoded bytes. */
#define OFF_VERSION 0
#define OFF_KID     1
#define OFF_ISSUED  (OFF_KID + MS_SEALED_KID_LEN)
#define OFF_SEEN    (OFF_ISSUED + 8)
#define OFF_EXPIRES (OFF_SEEN + 8)
#define OFF_NONCE   (OFF_EXPIRES + 8)
#define OFF_DATA    (OFF_NONCE + MS_SEALED_NONCE_LEN)
#define OVERHEAD    (OFF_DATA + MS_SEALED_TAG_LEN)

const char *ms_sealed_status_str(ms_sealed_status st)
{
    switch (st) {
    case MS_SEALED_OK:          return "ok";
    case MS_SEALED_NOT_SEALED:  return "not in the sealed format";
    case MS_SEALED_BAD_BASE64:  return "bad base64url";
    case MS_SEALED_TOO_SHORT:   return "shorter than a sealed header";
    case MS_SEALED_BAD_VERSION: return "unknown sealed version";
    case MS_SEALED_UNKNOWN_KEY: return "key id of no configured key";
    case MS_SEALED_BAD_TAG:     return "authentication failed";
    case MS_SEALED_BAD_TIMES:   return "inconsistent times";
    case MS_SEALED_EXPIRED:     return "expired";
    }
    return "unknown sealed status";
}

int ms_sealed_is(const char *cookie, apr_size_t len)
{
    return len >= MS_SEALED_PREFIX_LEN
           && memcmp(cookie, MS_SEALED_PREFIX, MS_SEALED_PREFIX_LEN) == 0;
}

apr_size_t ms_sealed_encoded_length(apr_size_t plaintext_len)
{
    return MS_SEALED_PREFIX_LEN
           + ms_base64url_encoded_length(OVERHEAD + plaintext_len);
}

/* Seconds since the epoch, big-endian, two's complement. */
static void put_time(unsigned char *b, apr_time_t t)
{
    apr_uint64_t v = (apr_uint64_t)apr_time_sec(t);
    int i;

    for (i = 7; i >= 0; i--) {
        b[i] = (unsigned char)(v & 0xFF);
        v >>= 8;
    }
}

/* -1 for a time no writer makes (before 1970 or after 9999), which also
 * keeps apr_time_from_sec from overflowing. */
static apr_time_t get_time(const unsigned char *b)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    if (v > APR_UINT64_C(253402300799))
        return -1;
    return apr_time_from_sec((apr_int64_t)v);
}

apr_status_t ms_sealed_encode(const ms_keyring *kr,
                              const char *plaintext, apr_size_t len,
                              const ms_sealed_times *times,
                              const unsigned char *nonce,
                              apr_pool_t *p, char **cookie)
{
    const unsigned char *kid = ms_keyring_sealed_kid(kr, 0);
    apr_size_t total = OVERHEAD + len;
    unsigned char *buf;
    apr_status_t rv;
    char *out;

    if (kid == NULL || times == NULL || (plaintext == NULL && len))
        return APR_EINVAL;
    if (len > (apr_size_t)1 << 30)
        return APR_ENOSPC;
    buf = apr_palloc(p, total);
    buf[OFF_VERSION] = MS_SEALED_VERSION;
    memcpy(buf + OFF_KID, kid, MS_SEALED_KID_LEN);
    put_time(buf + OFF_ISSUED, times->issued);
    put_time(buf + OFF_SEEN, times->seen);
    put_time(buf + OFF_EXPIRES, times->expires);
    if (nonce)
        memcpy(buf + OFF_NONCE, nonce, MS_SEALED_NONCE_LEN);
    else if (ms_random_bytes(buf + OFF_NONCE, MS_SEALED_NONCE_LEN) != APR_SUCCESS)
        return APR_EGENERAL;
    rv = ms_keyring_gcm_seal(kr, 0, buf + OFF_NONCE, buf, OFF_DATA,
                             (const unsigned char *)plaintext, len,
                             buf + OFF_DATA, buf + OFF_DATA + len);
    if (rv != APR_SUCCESS)
        return rv;
    out = apr_palloc(p, ms_sealed_encoded_length(len) + 1);
    memcpy(out, MS_SEALED_PREFIX, MS_SEALED_PREFIX_LEN);
    ms_base64url_encode(buf, total, out + MS_SEALED_PREFIX_LEN);
    *cookie = out;
    return APR_SUCCESS;
}

ms_sealed_status ms_sealed_decode(const ms_keyring *kr,
                                  const char *cookie, apr_size_t len,
                                  apr_time_t now, apr_pool_t *p,
                                  char **plaintext, apr_size_t *plaintext_len,
                                  ms_sealed_times *times, int *key_index)
{
    ms_sealed_status st = MS_SEALED_UNKNOWN_KEY;
    unsigned char *buf, *out;
    apr_size_t n, dlen;
    ms_sealed_times t;
    int i;

    if (cookie == NULL || !ms_sealed_is(cookie, len))
        return MS_SEALED_NOT_SEALED;
    if (ms_base64url_decode(cookie + MS_SEALED_PREFIX_LEN,
                            len - MS_SEALED_PREFIX_LEN, p, &buf, &n)
        != APR_SUCCESS)
        return MS_SEALED_BAD_BASE64;
    if (n < OVERHEAD)
        return MS_SEALED_TOO_SHORT;
    if (buf[OFF_VERSION] != MS_SEALED_VERSION)
        return MS_SEALED_BAD_VERSION;
    dlen = n - OVERHEAD;
    out = apr_palloc(p, dlen + 1);
    for (i = 0; i < ms_keyring_count(kr); i++) {
        const unsigned char *kid = ms_keyring_sealed_kid(kr, i);

        /* The key id is public: a plain compare leaks nothing. */
        if (memcmp(kid, buf + OFF_KID, MS_SEALED_KID_LEN) != 0)
            continue;
        if (ms_keyring_gcm_open(kr, i, buf + OFF_NONCE, buf, OFF_DATA,
                                buf + OFF_DATA, dlen, buf + OFF_DATA + dlen,
                                out) == APR_SUCCESS) {
            st = MS_SEALED_OK;
            break;
        }
        st = MS_SEALED_BAD_TAG;
    }
    if (st != MS_SEALED_OK)
        return st;
    t.issued = get_time(buf + OFF_ISSUED);
    t.seen = get_time(buf + OFF_SEEN);
    t.expires = get_time(buf + OFF_EXPIRES);
    if (t.issued < 0 || t.seen < t.issued || t.expires < t.seen) {
        OPENSSL_cleanse(out, dlen);
        return MS_SEALED_BAD_TIMES;
    }
    if (t.expires <= now) {
        OPENSSL_cleanse(out, dlen);
        return MS_SEALED_EXPIRED;
    }
    out[dlen] = '\0';
    *plaintext = (char *)out;
    if (plaintext_len)
        *plaintext_len = dlen;
    if (times)
        *times = t;
    if (key_index)
        *key_index = i;
    return MS_SEALED_OK;
}
