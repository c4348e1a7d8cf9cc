/*
 * mod_marten_session: public API for other httpd modules.
 *
 * Two things live here and nothing else:
 *   1. optional functions that read and change the session of a request;
 *   2. the store provider interface, for modules that keep sessions somewhere
 *      other than the cookie (registered with ap_register_provider()).
 *
 * Fetch the optional functions in your module's optional_fn_retrieve hook:
 *
 *     static APR_OPTIONAL_FN_TYPE(marten_session_get) *session_get;
 *     static void retrieve(void) {
 *         session_get = APR_RETRIEVE_OPTIONAL_FN(marten_session_get);
 *     }
 *
 * Every function takes the request first. Sub-requests and internal
 * redirects share the session of the client's request. When sessions are off
 * for the request, getters return NULL and mutators return APR_ENOTIMPL.
 */
#ifndef MOD_MARTEN_SESSION_H
#define MOD_MARTEN_SESSION_H

#include "httpd.h"
#include "apr_optional.h"
#include "apr_tables.h"
#include "apr_time.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Optional functions
 * ------------------------------------------------------------------------- */

/* The live session table (loaded on first use). Changes made directly to it
 * are detected and saved when the response goes out. Keys compare without
 * regard to case, as in every apr_table_t. */
APR_DECLARE_OPTIONAL_FN(apr_table_t *, marten_session_table, (request_rec *r));

/* The value stored under key, or NULL. */
APR_DECLARE_OPTIONAL_FN(const char *, marten_session_get,
                        (request_rec *r, const char *key));

/* Store value under key (both copied). */
APR_DECLARE_OPTIONAL_FN(apr_status_t, marten_session_set,
                        (request_rec *r, const char *key, const char *value));

/* Remove key; removing a key that is not there is not an error. */
APR_DECLARE_OPTIONAL_FN(apr_status_t, marten_session_delete,
                        (request_rec *r, const char *key));

/* Empty the session; the client's cookie is expired. */
APR_DECLARE_OPTIONAL_FN(apr_status_t, marten_session_flush, (request_rec *r));

/* Keep the data under a new session key (call it after a login). */
APR_DECLARE_OPTIONAL_FN(apr_status_t, marten_session_cycle_key, (request_rec *r));

/* This session's lifetime in seconds from now (> 0), instead of
 * MartenSessionCookieMaxAge. Marks the session modified. APR_ENOSPC, and
 * nothing changed, when the longer Max-Age would take the cookie over the
 * browser's limit (as marten_session_set). */
APR_DECLARE_OPTIONAL_FN(apr_status_t, marten_session_set_expires_in,
                        (request_rec *r, apr_int64_t seconds));

/* on != 0: send the cookie without Expires/Max-Age so the browser drops it
 * when it closes (the signed expiry still applies). Marks the session
 * modified. */
APR_DECLARE_OPTIONAL_FN(apr_status_t, marten_session_set_expires_at_browser_close,
                        (request_rec *r, int on));

/* ---------------------------------------------------------------------------
 * Store providers
 *
 * A store keeps a session's payload under a key that travels in the cookie.
 * The payload is the session as a JSON object of strings; encoding it is the
 * module's job, not the store's. The built-in "cookie" store encrypts the
 * payload into the key itself; server-side stores keep the payload and use a
 * random id as the key.
 *
 *     ap_register_provider(p, MARTEN_SESSION_STORE_GROUP, "mystore",
 *                          MARTEN_SESSION_STORE_VERSION, &my_store);
 *
 * The provider is looked up by name when "MartenSessionStore mystore ..." is
 * read, and create() is called then with the directive's arguments.
 * ------------------------------------------------------------------------- */

#define MARTEN_SESSION_STORE_GROUP   "marten-session-store"
#define MARTEN_SESSION_STORE_VERSION "1"

/* Why a load, save or destroy failed. Before returning a failure status a
 * store may set this note on the request it was given:
 *
 *     apr_table_setn(r->notes, MARTEN_SESSION_STORE_REASON_NOTE,
 *                    apr_psprintf(r->pool, "%s:%d: %s", host, port, why));
 *
 * The core puts the text (one line, from r->pool, at most a few hundred
 * characters) into its error-level log line instead of the bare status,
 * so it must never hold session data, a session key or a cookie value.
 * Without it the core logs the status alone. The core clears the note
 * before each call. */
#define MARTEN_SESSION_STORE_REASON_NOTE "marten-session-store-reason"

/* Opaque: each provider defines its own struct marten_session_store_instance. */
typedef struct marten_session_store_instance marten_session_store_instance;

typedef struct marten_session_store {
    /* Name used in log lines. */
    const char *name;

    /* Parse the directive's arguments (after the store name) into an
     * instance allocated from p. Return NULL, or an error message that
     * httpd prints as a configuration error. */
    const char *(*create)(marten_session_store_instance **instance,
                          int argc, char *const argv[],
                          apr_pool_t *ptemp, apr_pool_t *p);

    /* Once per server after the configuration is read (post_config), in the
     * parent process. May be NULL. */
    apr_status_t (*init)(marten_session_store_instance *instance,
                         server_rec *s, apr_pool_t *pconf, apr_pool_t *ptemp);

    /* Once per child process. May be NULL. */
    apr_status_t (*child_init)(marten_session_store_instance *instance,
                               server_rec *s, apr_pool_t *pchild);

    /* Fetch the payload stored under key.
     *   APR_SUCCESS:  *payload (NUL-terminated JSON) and *expires are set
     *                 (*expires = 0: the store itself never returns an
     *                 expired session, e.g. through a TTL);
     *   APR_NOTFOUND: no valid session under key (unknown, expired, forged);
     *   anything else: the store failed; the visitor's cookie is kept. */
    apr_status_t (*load)(marten_session_store_instance *instance,
                         request_rec *r, const char *key,
                         const char **payload, apr_time_t *expires);

    /* Store payload until expires. key is the current key, or NULL when a
     * new one is wanted (new session, or after cycle_key). On success
     * *new_key is the key to send in the cookie: a string of RFC 6265
     * cookie-octets. */
    apr_status_t (*save)(marten_session_store_instance *instance,
                         request_rec *r, const char *key,
                         const char *payload, apr_time_t expires,
                         const char **new_key);

    /* Forget key (flush, cycle_key: called only after the session was
     * saved under its new key). APR_NOTFOUND is not an error. May be NULL
     * for stores that keep nothing server-side. */
    apr_status_t (*destroy)(marten_session_store_instance *instance,
                            request_rec *r, const char *key);

    /* Remove expired records. May be NULL. */
    apr_status_t (*clear_expired)(marten_session_store_instance *instance,
                                  server_rec *s, apr_pool_t *p);
} marten_session_store;

#ifdef __cplusplus
}
#endif

#endif /* MOD_MARTEN_SESSION_H */
