/*
 * Small helpers shared by the server-side session stores (redis, socache,
 * db). Header-only and static: every store talks to mod_marten_session
 * through its public header alone. From lib/ they link the hex encoder, so
 * that the project has one (Makefile.am keeps the rest of lib/ private).
 *
 * Session ids: 128 bits from OpenSSL's RAND_bytes, written as 32 lowercase
 * hex characters, as Marten's own server-side stores make them. The cookie
 * carries the id and nothing else.
 */
#ifndef MS_STORE_UTIL_H
#define MS_STORE_UTIL_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_strings.h"
#include "apr_time.h"

#include "httpd.h"
#include "mod_marten_session.h"

#include <errno.h>
#include <string.h>

#include <openssl/rand.h>

#include "ms_hex.h"

#define MSS_ID_BYTES 16
#define MSS_ID_LEN   (MSS_ID_BYTES * 2)

/* Lifetime used when the core passes no expiry (it always does today). */
#define MSS_DEFAULT_LIFETIME apr_time_from_sec(1209600)

/* Is key a session id this family of stores could have issued? Anything
 * else is answered APR_NOTFOUND without asking the back end. */
static APR_INLINE int mss_id_valid(const char *key)
{
    int i;

    if (!key) {
        return 0;
    }
    for (i = 0; i < MSS_ID_LEN; i++) {
        char c = key[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;            /* also stops at a NUL before 32 chars */
        }
    }
    return key[MSS_ID_LEN] == '\0';
}

/* A fresh random id in p, or NULL when the random generator fails. */
static APR_INLINE const char *mss_id_new(apr_pool_t *p)
{
    unsigned char raw[MSS_ID_BYTES];
    char *id;

    if (RAND_bytes(raw, (int)sizeof(raw)) != 1) {
        return NULL;
    }
    id = apr_palloc(p, MSS_ID_LEN + 1);
    ms_hex_encode_lower(raw, MSS_ID_BYTES, id);
    return id;
}

/* Whole seconds from now until expires, rounded up, at least 1: the TTL a
 * record gets so that it disappears when the cookie does. */
static APR_INLINE apr_int64_t mss_ttl_seconds(apr_time_t expires)
{
    apr_time_t left;

    if (expires <= 0) {
        left = MSS_DEFAULT_LIFETIME;
    }
    else {
        left = expires - apr_time_now();
    }
    if (left <= 0) {
        return 1;
    }
    return (left + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC;
}

/* "name=value" argument: the value when arg starts with name and '=',
 * else NULL. */
static APR_INLINE const char *mss_arg_value(const char *arg, const char *name)
{
    apr_size_t n = strlen(name);

    if (strncmp(arg, name, n) == 0 && arg[n] == '=') {
        return arg + n + 1;
    }
    return NULL;
}

/* A decimal number in [lo, hi]; returns 0 and leaves *out alone otherwise. */
static APR_INLINE int mss_parse_int(const char *s, apr_int64_t lo, apr_int64_t hi,
                                    apr_int64_t *out)
{
    char *end;
    apr_int64_t v;

    if (!s || !*s || !(*s >= '0' && *s <= '9')) {
        return 0;
    }
    errno = 0;
    v = apr_strtoi64(s, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        return 0;
    }
    *out = v;
    return 1;
}

/* Tell the core why a call failed (MARTEN_SESSION_STORE_REASON_NOTE):
 * "WHERE WHAT: WHY", e.g. "127.0.0.1:6379 GET: Connection refused". The
 * caller keeps session ids and data out of all three. */
static APR_INLINE void mss_reason(request_rec *r, const char *where,
                                  const char *what, const char *why)
{
    apr_table_setn(r->notes, MARTEN_SESSION_STORE_REASON_NOTE,
                   apr_pstrcat(r->pool, where, " ", what, ": ", why, NULL));
}

/* The same with an APR status as the why. */
static APR_INLINE void mss_reason_rv(request_rec *r, const char *where,
                                     const char *what, apr_status_t rv)
{
    char buf[120];

    mss_reason(r, where, what, apr_strerror(rv, buf, sizeof(buf)));
}

/* save() could not make a new id: RAND_bytes failed. */
static APR_INLINE apr_status_t mss_no_id(request_rec *r)
{
    mss_reason(r, "OpenSSL", "RAND_bytes", "no random bytes for a session id");
    return APR_EGENERAL;
}

#endif
