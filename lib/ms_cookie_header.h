/* Reading the Cookie request header and building Set-Cookie, with typed
 * attributes (never one raw attribute string). */
#ifndef MS_COOKIE_HEADER_H
#define MS_COOKIE_HEADER_H

#include <apr_pools.h>
#include <apr_time.h>

/* The value of the first cookie called name in a Cookie header, or NULL.
 * Pairs are separated by ';' with optional spaces or tabs around them and
 * before '='; space after '=' is part of the value (as in Marten), trailing
 * space is not; a value in double quotes is unquoted; pairs without a name
 * or without '=' are skipped. Browsers send the most specific path first
 * (RFC 6265 5.4), so the first match is the one for our path. */
const char *ms_cookie_find(const char *header, const char *name,
                           apr_pool_t *p);

/* Non-zero if name is an RFC 6265 cookie-name (an RFC 7230 token). */
int ms_cookie_name_valid(const char *name);

/* Non-zero if s may be an attribute value (Domain, Path): non-empty,
 * printable US-ASCII (RFC 6265 av-octet) without ';', ',' or space. */
int ms_cookie_attr_value_valid(const char *s);

typedef enum {
    MS_SAMESITE_OFF = 0,   /* no SameSite attribute */
    MS_SAMESITE_LAX,
    MS_SAMESITE_STRICT,
    MS_SAMESITE_NONE
} ms_samesite;

/* Parses "Lax", "Strict", "None", "Off" without regard to case.
 * Returns -1 for anything else. */
int ms_samesite_parse(const char *s);
/* "Lax", "Strict", "None" or "Off"; NULL for a value outside the enum. */
const char *ms_samesite_name(ms_samesite s);

typedef struct ms_set_cookie {
    const char *name;
    const char *value;
    const char *domain;   /* NULL: no Domain */
    const char *path;     /* NULL: no Path */
    apr_time_t expires;   /* 0: a browser-session cookie (no Expires/Max-Age) */
    int secure;
    int http_only;
    ms_samesite same_site;
} ms_set_cookie;

/* The Set-Cookie header value:
 *   NAME=VALUE; Path=P; Domain=D; Expires=<IMF-fixdate>; Max-Age=N; Secure;
 *   HttpOnly; SameSite=Lax
 * each attribute only when set. Max-Age is the whole seconds from now to
 * expires (truncated), and 0 when expires is not after now (a deletion
 * cookie). Values are not checked here: validate them at config time.
 * Returns NULL if c or c->name is NULL. */
char *ms_set_cookie_build(const ms_set_cookie *c, apr_time_t now,
                          apr_pool_t *p);

/* strlen(ms_set_cookie_build(c, now, p)), computed without building it. */
apr_size_t ms_set_cookie_length(const ms_set_cookie *c, apr_time_t now);

#endif
