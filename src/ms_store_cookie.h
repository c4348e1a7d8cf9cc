/* The built-in "cookie" store: the session lives in the cookie itself, in
 * Marten's signed and encrypted format or in the sealed format. */
#ifndef MS_STORE_COOKIE_H
#define MS_STORE_COOKIE_H

#include "ms_config.h"

extern const marten_session_store ms_store_cookie;

/* The core calls these directly for the cookie store, for the times the
 * store vtable does not carry. A cookie in either format is read, with
 * every configured key. On success *issued and *seen are the sealed
 * format's authenticated times, 0 for a Marten cookie; *sealed says which.
 * APR_NOTFOUND: not a valid cookie (logged at debug). */
apr_status_t ms_cookie_open(request_rec *r, const char *value,
                            const char **payload, apr_time_t *expires,
                            apr_time_t *issued, apr_time_t *seen, int *sealed);

/* The cookie value for payload in format fmt. */
apr_status_t ms_cookie_seal(request_rec *r, ms_format fmt, const char *payload,
                            apr_time_t issued, apr_time_t seen,
                            apr_time_t expires, const char **value);

/* Exact length of that value for a payload of len bytes. */
apr_size_t ms_cookie_value_length(ms_format fmt, apr_size_t len);

#endif
