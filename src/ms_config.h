/* Configuration: server-wide keys and store, per-directory cookie settings.
 * Fields start unset (-1 / NULL) so merging can tell "not said" from "Off";
 * the ms_dir_* getters apply the documented defaults. */
#ifndef MS_CONFIG_H
#define MS_CONFIG_H

#include "ms_glue.h"
#include "ms_keyring.h"
#include "ms_cookie_header.h"
#include "mod_marten_session.h"

#define MS_UNSET (-1)

#define MS_DEFAULT_COOKIE_NAME "sessionid"
#define MS_DEFAULT_COOKIE_PATH "/"
#define MS_DEFAULT_MAX_AGE     1209600 /* two weeks, as Marten */
#define MS_MAX_MAX_AGE         (100 * 365 * 86400LL)
#define MS_DEFAULT_ENV_PREFIX  "MARTEN_SESSION_"
#define MS_DEFAULT_ENV_JSON    "MARTEN_SESSION"  /* its JSON variable */
#define MS_MAX_CHUNKS          16

/* MartenSessionCookieFormat */
typedef enum { MS_FORMAT_MARTEN = 0, MS_FORMAT_SEALED = 1 } ms_format;
/* MartenSessionCookieSecure */
typedef enum { MS_SECURE_OFF = 0, MS_SECURE_ON = 1, MS_SECURE_AUTO = 2 } ms_secure;

typedef struct ms_server_conf {
    ms_keyring *keyring;          /* NULL: no key configured here */
    const char *keys_source;      /* directive that set the keys, for messages */
    const marten_session_store *store;   /* NULL: the cookie store */
    marten_session_store_instance *store_instance;
    const char *store_name;
} ms_server_conf;

typedef struct ms_dir_conf {
    int enabled;
    const char *cookie_name;
    const char *cookie_domain;
    const char *cookie_path;
    apr_int64_t max_age;
    int http_only;
    int secure;
    int same_site;
    int env;
    const char *env_prefix;
    int headers;
    int format;                   /* ms_format */
    apr_int64_t idle_timeout;     /* seconds; 0: off */
    apr_int64_t max_lifetime;     /* seconds; 0: off */
    apr_int64_t touch_interval;   /* seconds; unset: from the idle timeout */
    int chunks;                   /* cookies a session may span */
} ms_dir_conf;

void *ms_config_create_server(apr_pool_t *p, server_rec *s);
void *ms_config_merge_server(apr_pool_t *p, void *basev, void *addv);
void *ms_config_create_dir(apr_pool_t *p, char *dir);
void *ms_config_merge_dir(apr_pool_t *p, void *basev, void *addv);

extern const command_rec ms_config_directives[];

/* Hooks: reset the per-load bookkeeping, then check what no single
 * directive can (a key wherever sessions are on; SameSite=None with Secure). */
int ms_config_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp);
int ms_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                    server_rec *s);

static APR_INLINE ms_server_conf *ms_server_conf_get(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &marten_session_module);
}

static APR_INLINE ms_dir_conf *ms_dir_conf_get(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &marten_session_module);
}

/* Getters with defaults applied. */
static APR_INLINE int ms_dir_enabled(const ms_dir_conf *d)
{ return d->enabled == 1; }
static APR_INLINE const char *ms_dir_cookie_name(const ms_dir_conf *d)
{ return d->cookie_name ? d->cookie_name : MS_DEFAULT_COOKIE_NAME; }
static APR_INLINE const char *ms_dir_cookie_path(const ms_dir_conf *d)
{ return d->cookie_path ? d->cookie_path : MS_DEFAULT_COOKIE_PATH; }
static APR_INLINE apr_int64_t ms_dir_max_age(const ms_dir_conf *d)
{ return d->max_age == MS_UNSET ? MS_DEFAULT_MAX_AGE : d->max_age; }
static APR_INLINE int ms_dir_http_only(const ms_dir_conf *d)
{ return d->http_only != 0; }
static APR_INLINE ms_secure ms_dir_secure_mode(const ms_dir_conf *d)
{ return d->secure == MS_UNSET ? MS_SECURE_OFF : (ms_secure)d->secure; }
static APR_INLINE ms_samesite ms_dir_same_site(const ms_dir_conf *d)
{ return d->same_site == MS_UNSET ? MS_SAMESITE_LAX : (ms_samesite)d->same_site; }
static APR_INLINE int ms_dir_env(const ms_dir_conf *d)
{ return d->env == 1; }
static APR_INLINE const char *ms_dir_env_prefix(const ms_dir_conf *d)
{ return d->env_prefix ? d->env_prefix : MS_DEFAULT_ENV_PREFIX; }
static APR_INLINE int ms_dir_headers(const ms_dir_conf *d)
{ return d->headers == 1; }
static APR_INLINE ms_format ms_dir_format(const ms_dir_conf *d)
{ return d->format == MS_UNSET ? MS_FORMAT_MARTEN : (ms_format)d->format; }
static APR_INLINE apr_int64_t ms_dir_idle_timeout(const ms_dir_conf *d)
{ return d->idle_timeout == MS_UNSET ? 0 : d->idle_timeout; }
static APR_INLINE apr_int64_t ms_dir_max_lifetime(const ms_dir_conf *d)
{ return d->max_lifetime == MS_UNSET ? 0 : d->max_lifetime; }
static APR_INLINE apr_int64_t ms_dir_touch_interval(const ms_dir_conf *d)
{ return d->touch_interval; }   /* MS_UNSET: the default */
static APR_INLINE int ms_dir_chunks(const ms_dir_conf *d)
{ return d->chunks == MS_UNSET ? 1 : d->chunks; }

/* Do two configurations read the same session cookie? */
static APR_INLINE int ms_dir_same_cookie(const ms_dir_conf *a, const ms_dir_conf *b)
{
    return a == b || (!strcmp(ms_dir_cookie_name(a), ms_dir_cookie_name(b))
                      && ms_dir_chunks(a) == ms_dir_chunks(b));
}

/* Do their idle timeout or maximum lifetime differ? */
static APR_INLINE int ms_dir_limits_differ(const ms_dir_conf *a, const ms_dir_conf *b)
{
    return a != b && (ms_dir_idle_timeout(a) != ms_dir_idle_timeout(b)
                      || ms_dir_max_lifetime(a) != ms_dir_max_lifetime(b));
}

#endif
