/* The cookie store. The "key" the core hands around is the cookie value,
 * which carries the whole payload; so there is nothing to destroy. Both
 * formats are always read, so switching MartenSessionCookieFormat either
 * way keeps every visitor's session: it is rewritten in the configured
 * format the next time it is saved. */
#include "ms_store_cookie.h"
#include "ms_codec_marten.h"
#include "ms_codec_sealed.h"

#include "http_request.h"

static const char *cookie_create(marten_session_store_instance **instance,
                                 int argc, char *const argv[],
                                 apr_pool_t *ptemp, apr_pool_t *p)
{
    (void)argv; (void)ptemp; (void)p;
    *instance = NULL;
    return argc > 0 ? "the cookie store takes no arguments" : NULL;
}

static apr_status_t open_sealed(request_rec *r, const ms_keyring *kr,
                                const char *value, apr_size_t vlen,
                                char **plaintext,
                                apr_size_t *len, apr_time_t *expires,
                                apr_time_t *issued, apr_time_t *seen)
{
    ms_sealed_times t;
    ms_sealed_status st = ms_sealed_decode(kr, value, vlen,
                                           apr_time_now(), r->pool,
                                           plaintext, len, &t, NULL);
    if (st != MS_SEALED_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00101: session cookie not accepted: %s",
                      ms_sealed_status_str(st));
        return APR_NOTFOUND;
    }
    *expires = t.expires;
    *issued = t.issued;
    *seen = t.seen;
    return APR_SUCCESS;
}

static apr_status_t open_marten(request_rec *r, const ms_keyring *kr,
                                const char *value, apr_size_t vlen,
                                char **plaintext,
                                apr_size_t *len, apr_time_t *expires)
{
    ms_cookie_status st = ms_marten_decode(kr, value, vlen,
                                           apr_time_now(), r->pool,
                                           plaintext, len, expires, NULL);
    if (st != MS_COOKIE_OK) {
        /* Client input: debug only, and never the value itself. */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00101: session cookie not accepted: %s",
                      ms_cookie_status_str(st));
        return APR_NOTFOUND;
    }
    return APR_SUCCESS;
}

apr_status_t ms_cookie_open(request_rec *r, const char *value,
                            const char **payload, apr_time_t *expires,
                            apr_time_t *issued, apr_time_t *seen, int *sealed)
{
    const ms_keyring *kr = ms_server_conf_get(r->server)->keyring;
    char *plaintext = NULL;
    apr_size_t len = 0, vlen;
    apr_status_t rv;

    if (!kr) {
        return APR_EINIT;
    }
    *issued = *seen = 0;
    vlen = strlen(value);
    *sealed = ms_sealed_is(value, vlen);
    rv = *sealed ? open_sealed(r, kr, value, vlen, &plaintext, &len, expires,
                               issued, seen)
                 : open_marten(r, kr, value, vlen, &plaintext, &len, expires);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (strlen(plaintext) != len) {
        /* The payload travels as a C string: a signed NUL would cut it. */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00101: session cookie not accepted: %s",
                      ms_cookie_status_str(MS_COOKIE_BAD_CIPHERTEXT));
        return APR_NOTFOUND;
    }
    *payload = plaintext;
    return APR_SUCCESS;
}

apr_status_t ms_cookie_seal(request_rec *r, ms_format fmt, const char *payload,
                            apr_time_t issued, apr_time_t seen,
                            apr_time_t expires, const char **value)
{
    const ms_keyring *kr = ms_server_conf_get(r->server)->keyring;
    char *cookie = NULL;
    apr_status_t rv;

    if (!kr) {
        return APR_EINIT;
    }
    if (fmt == MS_FORMAT_SEALED) {
        ms_sealed_times t;
        t.issued = issued;
        t.seen = seen;
        t.expires = expires;
        rv = ms_sealed_encode(kr, payload, strlen(payload), &t, NULL, r->pool,
                              &cookie);
    }
    else {
        rv = ms_marten_encode(kr, payload, strlen(payload), expires, NULL,
                              r->pool, &cookie);
    }
    if (rv == APR_SUCCESS) {
        *value = cookie;
    }
    return rv;
}

apr_size_t ms_cookie_value_length(ms_format fmt, apr_size_t len)
{
    return fmt == MS_FORMAT_SEALED ? ms_sealed_encoded_length(len)
                                   : ms_marten_encoded_length(len);
}

/* The vtable, for completeness: the core uses the functions above. */
static apr_status_t cookie_load(marten_session_store_instance *instance,
                                request_rec *r, const char *key,
                                const char **payload, apr_time_t *expires)
{
    apr_time_t issued, seen;
    int sealed;

    (void)instance;
    return ms_cookie_open(r, key, payload, expires, &issued, &seen, &sealed);
}

static apr_status_t cookie_save(marten_session_store_instance *instance,
                                request_rec *r, const char *key,
                                const char *payload, apr_time_t expires,
                                const char **new_key)
{
    apr_time_t now = apr_time_now();

    (void)instance; (void)key;
    return ms_cookie_seal(r, ms_dir_format(ms_dir_conf_get(r)), payload, now,
                          now, expires, new_key);
}

const marten_session_store ms_store_cookie = {
    "cookie",
    cookie_create,
    NULL,               /* init */
    NULL,               /* child_init */
    cookie_load,
    cookie_save,
    NULL,               /* destroy: nothing is kept server-side */
    NULL                /* clear_expired */
};
