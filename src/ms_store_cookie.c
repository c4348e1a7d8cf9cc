/* The cookie store. The "key" the core hands around is the cookie value,
 * which carries the whole payload; so there is nothing to destroy. */
#include "ms_store_cookie.h"
#include "ms_codec_marten.h"

#include "http_request.h"

static const char *cookie_create(marten_session_store_instance **instance,
                                 int argc, char *const argv[],
                                 apr_pool_t *ptemp, apr_pool_t *p)
{
    (void)argv; (void)ptemp; (void)p;
    *instance = NULL;
    return argc > 0 ? "the cookie store takes no arguments" : NULL;
}

static apr_status_t cookie_load(marten_session_store_instance *instance,
                                request_rec *r, const char *key,
                                const char **payload, apr_time_t *expires)
{
    const ms_keyring *kr = ms_server_conf_get(r->server)->keyring;
    ms_cookie_status st;
    char *plaintext = NULL;
    apr_size_t len = 0;

    (void)instance;
    if (!kr) {
        return APR_EINIT;
    }
    st = ms_marten_decode(kr, key, strlen(key), apr_time_now(), r->pool,
                          &plaintext, &len, expires, NULL);
    if (st == MS_COOKIE_OK && strlen(plaintext) != len) {
        /* The payload travels as a C string: a signed NUL would cut it. */
        st = MS_COOKIE_BAD_CIPHERTEXT;
    }
    if (st != MS_COOKIE_OK) {
        /* Client input: debug only, and never the value itself. */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00101: session cookie not accepted: %s",
                      ms_cookie_status_str(st));
        return APR_NOTFOUND;
    }
    *payload = plaintext;
    return APR_SUCCESS;
}

static apr_status_t cookie_save(marten_session_store_instance *instance,
                                request_rec *r, const char *key,
                                const char *payload, apr_time_t expires,
                                const char **new_key)
{
    const ms_keyring *kr = ms_server_conf_get(r->server)->keyring;
    char *cookie = NULL;
    apr_status_t rv;

    (void)instance; (void)key;
    if (!kr) {
        return APR_EINIT;
    }
    rv = ms_marten_encode(kr, payload, strlen(payload), expires, NULL, r->pool,
                          &cookie);
    if (rv == APR_SUCCESS) {
        *new_key = cookie;
    }
    return rv;
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
