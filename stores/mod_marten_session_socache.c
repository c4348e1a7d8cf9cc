/*
 * mod_marten_session_socache: a session store for mod_marten_session on any
 * small-object cache provider of httpd (ap_socache.h): shmcb for one
 * machine, memcache or redis for several, dbm, ...
 *
 *     LoadModule socache_shmcb_module modules/mod_socache_shmcb.so
 *     LoadModule marten_session_socache_module modules/mod_marten_session_socache.so
 *     MartenSessionStore socache PROVIDER[:ARGS] [maxsize=BYTES]
 *
 * The record of session id ID (32 lowercase hex characters, the cookie's
 * value) is stored under those 32 bytes, holding the session's JSON object,
 * with the session's expiry; the provider forgets it then. ARGS are the
 * provider's own (as in SSLSessionCache): "shmcb:/path/file(512000)",
 * "memcache:host1:11211,host2:11211", "redis:host:6379". maxsize (default
 * 16384) is the largest session, in bytes of JSON, the store keeps.
 *
 * The provider is looked up and created when the directive is read,
 * initialised in post_config under the name "marten-session", and torn
 * down with the configuration pool. A provider that is not safe for
 * concurrent use (AP_SOCACHE_FLAG_NOTMPSAFE: shmcb, dbm) is used under a
 * global mutex of type "marten-session-socache" (the Mutex directive
 * configures it); the others are called without a lock.
 *
 * Built against the public header only (include/mod_marten_session.h),
 * httpd, APR and OpenSSL. Logs never carry a session id or data.
 */

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_provider.h"
#include "ap_socache.h"
#include "util_mutex.h"

#include "apr_global_mutex.h"
#include "apr_strings.h"

#include <stdlib.h>

#include "mod_marten_session.h"
#include "store_util.h"

APLOG_USE_MODULE(marten_session_socache);

#define SOCACHE_CNAME        "marten-session"
#define SOCACHE_MUTEX_TYPE   "marten-session-socache"
#define SOCACHE_DEFAULT_MAX  16384
#define SOCACHE_LIMIT_MAX    (16 * 1024 * 1024)
#define SOCACHE_MIN_LIFETIME apr_time_from_msec(1200)

struct marten_session_store_instance {
    const char *spec;                       /* PROVIDER[:ARGS] as given */
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *cache;
    apr_size_t maxsize;
    apr_global_mutex_t *mutex;              /* NOTMPSAFE providers only */
    server_rec *s;                          /* where init ran */
    int ready;                              /* init succeeded */
};

typedef marten_session_store_instance socache_inst;

/* --- configuration -------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp(((const ap_list_provider_names_t *)a)->provider_name,
                  ((const ap_list_provider_names_t *)b)->provider_name);
}

/* "default, memcache, shmcb": the providers loaded so far, sorted. */
static const char *available_providers(apr_pool_t *p)
{
    apr_array_header_t *names = ap_list_provider_names(
        p, AP_SOCACHE_PROVIDER_GROUP, AP_SOCACHE_PROVIDER_VERSION);
    const ap_list_provider_names_t *n;
    const char *list = NULL;
    int i;

    if (!names || names->nelts == 0) {
        return "none loaded";
    }
    names = apr_array_copy(p, names);
    qsort(names->elts, (size_t)names->nelts, sizeof(ap_list_provider_names_t),
          by_name);
    n = (const ap_list_provider_names_t *)names->elts;
    for (i = 0; i < names->nelts; i++) {
        list = list ? apr_pstrcat(p, list, ", ", n[i].provider_name, NULL)
                    : n[i].provider_name;
    }
    return list;
}

static const char *socache_create(marten_session_store_instance **instance,
                                  int argc, char *const argv[],
                                  apr_pool_t *ptemp, apr_pool_t *p)
{
    socache_inst *in = apr_pcalloc(p, sizeof(*in));
    apr_int64_t maxsize = SOCACHE_DEFAULT_MAX;
    const char *name, *args, *colon, *err, *v;
    int i;

    if (argc < 1 || !*argv[0]) {
        return "needs a socache provider: PROVIDER[:ARGS], e.g. shmcb";
    }
    in->spec = apr_pstrdup(p, argv[0]);
    colon = strchr(argv[0], ':');
    if (colon) {
        name = apr_pstrmemdup(ptemp, argv[0], (apr_size_t)(colon - argv[0]));
        args = colon + 1;
    }
    else {
        name = argv[0];
        args = NULL;
    }
    for (i = 1; i < argc; i++) {
        if ((v = mss_arg_value(argv[i], "maxsize")) != NULL) {
            if (!mss_parse_int(v, 64, SOCACHE_LIMIT_MAX, &maxsize)) {
                return apr_psprintf(p, "bad maxsize '%s' (bytes, 64 to %d)", v,
                                    SOCACHE_LIMIT_MAX);
            }
        }
        else {
            return apr_psprintf(p, "unknown argument '%s' (expected "
                                "maxsize=BYTES)", argv[i]);
        }
    }
    in->maxsize = (apr_size_t)maxsize;
    in->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                      AP_SOCACHE_PROVIDER_VERSION);
    if (!in->provider) {
        return apr_psprintf(p, "unknown socache provider '%s' (available: %s; "
                            "is mod_socache_%s loaded before this line?)",
                            name, available_providers(ptemp), name);
    }
    err = in->provider->create(&in->cache, args, ptemp, p);
    if (err) {
        return apr_psprintf(p, "socache provider %s: %s", name, err);
    }
    *instance = in;
    return NULL;
}

/* --- server life ------------------------------------------------------------ */

static int socache_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    return ap_mutex_register(pconf, SOCACHE_MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0)
           == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static apr_status_t socache_teardown(void *data)
{
    socache_inst *in = data;

    if (in->ready) {
        in->provider->destroy(in->cache, in->s);
        in->ready = 0;
    }
    return APR_SUCCESS;
}

static apr_status_t socache_init(marten_session_store_instance *in, server_rec *s,
                                 apr_pool_t *pconf, apr_pool_t *ptemp)
{
    struct ap_socache_hints hints;
    apr_status_t rv;

    (void)ptemp;
    in->s = s;
    if (in->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        /* an instance id of its own: virtual hosts may each have a store,
         * and file-based mutexes are named after type and instance */
        static unsigned int instances;
        rv = ap_global_mutex_create(&in->mutex, NULL, SOCACHE_MUTEX_TYPE,
                                    apr_psprintf(pconf, "%u", ++instances),
                                    s, pconf, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         "MS00601: MartenSessionStore socache %s: cannot create "
                         "the %s mutex", in->spec, SOCACHE_MUTEX_TYPE);
            return rv;
        }
    }
    memset(&hints, 0, sizeof(hints));
    hints.avg_id_len = MSS_ID_LEN;
    hints.avg_obj_size = 256;
    hints.expiry_interval = apr_time_from_sec(30);
    rv = in->provider->init(in->cache, SOCACHE_CNAME, &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "MS00602: MartenSessionStore socache %s: the provider "
                     "failed to initialise", in->spec);
        return rv;
    }
    in->ready = 1;
    apr_pool_cleanup_register(pconf, in, socache_teardown, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

static apr_status_t socache_child_init(marten_session_store_instance *in,
                                       server_rec *s, apr_pool_t *pchild)
{
    apr_status_t rv;

    if (!in->mutex) {
        return APR_SUCCESS;
    }
    rv = apr_global_mutex_child_init(&in->mutex,
                                     apr_global_mutex_lockfile(in->mutex), pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, rv, s,
                     "MS00603: MartenSessionStore socache %s: cannot attach the "
                     "%s mutex in this child", in->spec, SOCACHE_MUTEX_TYPE);
        in->ready = 0;
    }
    return rv;
}

/* --- requests ---------------------------------------------------------------- */

static apr_status_t lock(socache_inst *in)
{
    return in->mutex ? apr_global_mutex_lock(in->mutex) : APR_SUCCESS;
}

static void unlock(socache_inst *in)
{
    if (in->mutex) {
        apr_global_mutex_unlock(in->mutex);
    }
}

/* A provider's failure: at debug here, and as the reason of the core's
 * line. */
static void debug_failure(socache_inst *in, request_rec *r, apr_status_t rv,
                          const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r,
                  "MS00604: MartenSessionStore socache %s: %s failed",
                  in->spec, what);
    mss_reason_rv(r, in->spec, what, rv);
}

/* init or child_init failed (logged then): no cache in this process. */
static apr_status_t not_ready(socache_inst *in, request_rec *r, const char *what)
{
    mss_reason(r, in->spec, what, "the cache could not be set up (see the "
               "startup messages)");
    return APR_EINIT;
}

static apr_status_t socache_load(marten_session_store_instance *in,
                                 request_rec *r, const char *key,
                                 const char **payload, apr_time_t *expires)
{
    unsigned char *buf;
    unsigned int len = (unsigned int)in->maxsize;
    apr_status_t rv;

    if (!mss_id_valid(key)) {
        return APR_NOTFOUND;
    }
    if (!in->ready) {
        return not_ready(in, r, "retrieve");
    }
    buf = apr_palloc(r->pool, in->maxsize + 1);
    if ((rv = lock(in)) != APR_SUCCESS) {
        debug_failure(in, r, rv, "locking");
        return rv;
    }
    rv = in->provider->retrieve(in->cache, r->server, (const unsigned char *)key,
                                MSS_ID_LEN, buf, &len, r->pool);
    unlock(in);
    if (rv == APR_NOTFOUND) {
        return APR_NOTFOUND;
    }
    if (rv != APR_SUCCESS) {
        debug_failure(in, r, rv, "retrieve");
        return rv;
    }
    if (len == 0 || len > in->maxsize) {
        return APR_NOTFOUND;
    }
    buf[len] = '\0';
    if (strlen((const char *)buf) != len) {
        return APR_NOTFOUND;                /* not text: not our record */
    }
    *payload = (const char *)buf;
    *expires = 0;                           /* the provider enforces expiry */
    return APR_SUCCESS;
}

static apr_status_t socache_save(marten_session_store_instance *in,
                                 request_rec *r, const char *key,
                                 const char *payload, apr_time_t expires,
                                 const char **new_key)
{
    apr_size_t len = strlen(payload);
    const char *id;
    apr_status_t rv;

    if (!in->ready) {
        return not_ready(in, r, "store");
    }
    if (len > in->maxsize) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00605: MartenSessionStore socache %s: the session is "
                      "%" APR_SIZE_T_FMT " bytes, over maxsize=%" APR_SIZE_T_FMT,
                      in->spec, len, in->maxsize);
        mss_reason(r, in->spec, "store",
                   apr_psprintf(r->pool, "the session is %" APR_SIZE_T_FMT
                                " bytes, over maxsize=%" APR_SIZE_T_FMT,
                                len, in->maxsize));
        return APR_ENOSPC;
    }
    id = mss_id_valid(key) ? key : mss_id_new(r->pool);
    if (!id) {
        return mss_no_id(r);
    }
    if (expires <= 0) {
        expires = apr_time_now() + MSS_DEFAULT_LIFETIME;
    }
    else if (expires < apr_time_now() + SOCACHE_MIN_LIFETIME) {
        /* memcache and redis count whole seconds and refuse 0 */
        expires = apr_time_now() + SOCACHE_MIN_LIFETIME;
    }
    if ((rv = lock(in)) != APR_SUCCESS) {
        debug_failure(in, r, rv, "locking");
        return rv;
    }
    rv = in->provider->store(in->cache, r->server, (const unsigned char *)id,
                             MSS_ID_LEN, expires, (unsigned char *)payload,
                             (unsigned int)len, r->pool);
    unlock(in);
    if (rv != APR_SUCCESS) {
        debug_failure(in, r, rv, "store");
        return rv;
    }
    *new_key = id;
    return APR_SUCCESS;
}

static apr_status_t socache_destroy(marten_session_store_instance *in,
                                    request_rec *r, const char *key)
{
    apr_status_t rv;

    if (!mss_id_valid(key) || !in->ready) {
        return APR_SUCCESS;
    }
    if ((rv = lock(in)) != APR_SUCCESS) {
        debug_failure(in, r, rv, "locking");
        return rv;
    }
    rv = in->provider->remove(in->cache, r->server, (const unsigned char *)key,
                              MSS_ID_LEN, r->pool);
    unlock(in);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        debug_failure(in, r, rv, "remove");
        return rv;
    }
    return APR_SUCCESS;
}

static const marten_session_store socache_store = {
    "socache",
    socache_create,
    socache_init,
    socache_child_init,
    socache_load,
    socache_save,
    socache_destroy,
    NULL                    /* clear_expired: the provider expires records */
};

static void register_hooks(apr_pool_t *p)
{
    ap_register_provider(p, MARTEN_SESSION_STORE_GROUP, "socache",
                         MARTEN_SESSION_STORE_VERSION, &socache_store);
    ap_hook_pre_config(socache_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA marten_session_socache_module = {
    STANDARD20_MODULE_STUFF,
    NULL,                   /* dir config creator */
    NULL,                   /* dir merger */
    NULL,                   /* server config creator */
    NULL,                   /* server merger */
    NULL,                   /* command table */
    register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
