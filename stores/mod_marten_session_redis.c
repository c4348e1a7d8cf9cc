/*
 * mod_marten_session_redis: a Redis session store for mod_marten_session,
 * through APR-util's apr_redis.
 *
 *     LoadModule marten_session_redis_module modules/mod_marten_session_redis.so
 *     MartenSessionStore redis HOST:PORT [namespace=NS] [timeout=MS]
 *
 * Wire-compatible with marten-redis-session: the record of session id ID
 * (32 lowercase hex characters, the cookie's value) is the string key
 * "NS:ID" (just "ID" without a namespace) holding the session's JSON
 * object, with a Redis expiry (SETEX) equal to the session's lifetime, so
 * Redis forgets expired sessions by itself and clear_expired has nothing
 * to do.
 *
 * Built against the public header only (include/mod_marten_session.h),
 * httpd, APR-util and OpenSSL.
 *
 * Connections: one apr_redis client per child process, made in child_init
 * with a connection pool of at most one connection per worker thread and
 * no minimum (nothing connects until a request needs Redis, so a child
 * starts even while Redis is down). apr_redis counts the read/write timeout
 * in whole seconds (APR-util 1.6 multiplies rwto by APR_USEC_PER_SEC) and
 * connects with a fixed 1 s timeout, so timeout=MS is rounded up to whole
 * seconds.
 *
 * Failures: apr_redis answers APR_NOTFOUND for every key while it considers
 * its only server dead, which the core would take for "no such session"
 * and expire the visitor's cookie. So this store picks the server itself
 * (server_func), keeps its own up/down state per child, and answers a
 * real error status while Redis is unreachable: after a failure, requests
 * fail fast for one second, then one request probes Redis again. Pooled
 * connections that Redis closed (a Redis restart) are retried on a fresh
 * connection at once. The core logs the failure (MS00103/MS00201 with
 * the reason this store gives it, once per outage for all children); this
 * store logs only its process's change of state (MS00503, MS00504 info)
 * and details at debug level, never a session id or data.
 */

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_provider.h"
#include "ap_mpm.h"

#include "apr_redis.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_thread_mutex.h"

#include "mod_marten_session.h"
#include "store_util.h"

APLOG_USE_MODULE(marten_session_redis);

#define REDIS_DEFAULT_PORT    6379
#define REDIS_DEFAULT_TIMEOUT 1000                    /* ms */
#define REDIS_MAX_TIMEOUT     600000                  /* ms */
#define REDIS_RETRY           apr_time_from_sec(1)    /* fail fast this long */
#define REDIS_CONN_TTL        30000000                /* idle connection, us */
#define REDIS_MAX_NAMESPACE   200

struct marten_session_store_instance {
    /* configuration */
    const char *host;
    apr_port_t port;
    const char *where;              /* HOST:PORT for failure reasons */
    const char *prefix;             /* "NS:" or "" */
    apr_uint32_t rwto;              /* seconds, as apr_redis wants it */
    int max_conns;
    /* per child process (set in child_init) */
    apr_redis_t *rc;
    apr_redis_server_t *rs;
    apr_thread_mutex_t *lock;
    int down;                       /* last attempt failed */
    apr_time_t retry_at;            /* while down: next probe */
    apr_status_t down_rv;           /* what the last failure said */
};

typedef marten_session_store_instance redis_inst;

/* --- configuration -------------------------------------------------------- */

/* HOST, HOST:PORT, [IPV6] or [IPV6]:PORT; the host is not resolved here
 * (name service may not be up when the configuration is read). */
static const char *parse_server(redis_inst *in, const char *arg, apr_pool_t *p)
{
    const char *bad = apr_psprintf(p, "bad HOST:PORT '%s'", arg);
    const char *colon, *c;
    char *host;
    apr_int64_t port = REDIS_DEFAULT_PORT;

    if (*arg == '[') {
        const char *close = strchr(arg, ']');
        if (!close || close == arg + 1) {
            return bad;
        }
        host = apr_pstrmemdup(p, arg + 1, (apr_size_t)(close - arg - 1));
        for (c = host; *c; c++) {
            if (!apr_isxdigit(*c) && *c != ':' && *c != '.') {
                return bad;
            }
        }
        colon = close[1] == ':' ? close + 1 : NULL;
        if (!colon && close[1] != '\0') {
            return bad;
        }
    }
    else {
        colon = strrchr(arg, ':');
        host = colon ? apr_pstrmemdup(p, arg, (apr_size_t)(colon - arg))
                     : apr_pstrdup(p, arg);
        if (!*host) {
            return bad;
        }
        for (c = host; *c; c++) {
            if (!apr_isalnum(*c) && *c != '.' && *c != '-' && *c != '_') {
                return bad;
            }
        }
    }
    if (colon && !mss_parse_int(colon + 1, 1, 65535, &port)) {
        return bad;
    }
    in->host = host;
    in->port = (apr_port_t)port;
    return NULL;
}

static int namespace_ok(const char *ns)
{
    const unsigned char *c;

    if (!*ns || strlen(ns) > REDIS_MAX_NAMESPACE) {
        return 0;
    }
    for (c = (const unsigned char *)ns; *c; c++) {
        if (*c <= 0x20 || *c >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

static const char *redis_create(marten_session_store_instance **instance,
                                int argc, char *const argv[],
                                apr_pool_t *ptemp, apr_pool_t *p)
{
    redis_inst *in = apr_pcalloc(p, sizeof(*in));
    apr_int64_t timeout = REDIS_DEFAULT_TIMEOUT;
    const char *err, *v;
    int i;

    (void)ptemp;
    if (argc < 1) {
        return "needs the Redis server as HOST:PORT";
    }
    if ((err = parse_server(in, argv[0], p)) != NULL) {
        return err;
    }
    in->prefix = "";
    for (i = 1; i < argc; i++) {
        if ((v = mss_arg_value(argv[i], "namespace")) != NULL) {
            if (!namespace_ok(v)) {
                return apr_psprintf(p, "bad namespace '%s' (1 to %d printable "
                                    "characters, no spaces)", v,
                                    REDIS_MAX_NAMESPACE);
            }
            in->prefix = apr_pstrcat(p, v, ":", NULL);
        }
        else if ((v = mss_arg_value(argv[i], "timeout")) != NULL) {
            if (!mss_parse_int(v, 1, REDIS_MAX_TIMEOUT, &timeout)) {
                return apr_psprintf(p, "bad timeout '%s' (milliseconds, 1 to %d)",
                                    v, REDIS_MAX_TIMEOUT);
            }
        }
        else {
            return apr_psprintf(p, "unknown argument '%s' (expected "
                                "namespace=NS or timeout=MS)", argv[i]);
        }
    }
    in->where = apr_psprintf(p, strchr(in->host, ':') ? "[%s]:%d" : "%s:%d",
                             in->host, in->port);
    /* apr_redis: whole seconds */
    in->rwto = (apr_uint32_t)((timeout + 999) / 1000);
    *instance = in;
    return NULL;
}

/* --- per child ------------------------------------------------------------ */

/* The only server, whatever apr_redis thinks of its health: this store
 * keeps the health itself (see the top of the file). */
static apr_redis_server_t *pick_server(void *baton, apr_redis_t *rc,
                                       const apr_uint32_t hash)
{
    (void)baton;
    (void)hash;
    return rc->ntotal > 0 ? rc->live_servers[0] : NULL;
}

static apr_status_t redis_child_init(marten_session_store_instance *in,
                                     server_rec *s, apr_pool_t *pchild)
{
    int threads = 0;
    apr_status_t rv;

    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS
        || threads < 1) {
        threads = 1;
    }
    in->max_conns = threads;
    rv = apr_thread_mutex_create(&in->lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    if (rv == APR_SUCCESS) {
        rv = apr_redis_create(pchild, 1, 0, &in->rc);
    }
    if (rv == APR_SUCCESS) {
        /* min 0: nothing connects before a request needs it */
        rv = apr_redis_server_create(pchild, in->host, in->port, 0,
                                     (apr_uint32_t)threads, (apr_uint32_t)threads,
                                     REDIS_CONN_TTL, in->rwto, &in->rs);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_redis_add_server(in->rc, in->rs);
    }
    if (rv != APR_SUCCESS) {
        in->rc = NULL;
        ap_log_error(APLOG_MARK, APLOG_DEBUG, rv, s,
                     "MS00501: redis %s:%d: cannot create the connection pool",
                     in->host, in->port);
        return rv;
    }
    in->rc->server_func = pick_server;
    in->rc->server_baton = in;
    return APR_SUCCESS;
}

/* --- health ---------------------------------------------------------------- */

/* Why a call failed, for the core's log line. apr_redis answers
 * APR_EGENERAL for an error reply (READONLY, OOM, NOAUTH ...) without
 * passing its text on, and for a reply it cannot read. */
static void redis_reason(redis_inst *in, request_rec *r, const char *what,
                         apr_status_t rv)
{
    if (rv == APR_EGENERAL) {
        mss_reason(r, in->where, what, "Redis answered with an error reply or "
                   "with nothing usable");
    }
    else {
        mss_reason_rv(r, in->where, what, rv);
    }
}

/* May this request talk to Redis? While Redis is down, one request per
 * REDIS_RETRY probes it and the others fail at once with *rv. */
static int may_try(redis_inst *in, apr_status_t *rv)
{
    int ok = 1;

    apr_thread_mutex_lock(in->lock);
    if (in->down) {
        apr_time_t now = apr_time_now();
        if (now >= in->retry_at) {
            in->retry_at = now + REDIS_RETRY;
        }
        else {
            ok = 0;
            *rv = in->down_rv;
        }
    }
    apr_thread_mutex_unlock(in->lock);
    return ok;
}

static void report(redis_inst *in, request_rec *r, int failed, apr_status_t rv)
{
    int was_down;

    apr_thread_mutex_lock(in->lock);
    was_down = in->down;
    if (failed) {
        in->down = 1;
        in->down_rv = rv;
        in->retry_at = apr_time_now() + REDIS_RETRY;
    }
    else {
        in->down = 0;
    }
    apr_thread_mutex_unlock(in->lock);

    if (failed && !was_down) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r,
                      "MS00503: MartenSessionStore redis: server %s:%d is not "
                      "usable; sessions are served empty meanwhile and Redis is "
                      "tried again at most once a second", in->host, in->port);
    }
    else if (!failed && was_down) {
        apr_redis_enable_server(in->rc, in->rs);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "MS00504: MartenSessionStore redis: server %s:%d answers "
                      "again", in->host, in->port);
    }
}

/* A pooled connection that Redis closed while it sat idle (say, Redis was
 * restarted) fails on first use: apr_redis 1.6 reads an empty reply,
 * answers APR_EGENERAL and puts the connection back in the pool; its next
 * use fails with EPIPE (or a reset) and apr_redis drops it. So each stale
 * connection costs two quick failures, and such failures are worth another
 * try, up to twice the pool size. A refused connection or a timeout is
 * not: Redis is down. */
static int worth_retry(apr_status_t rv)
{
    return rv == APR_EGENERAL || rv == APR_EOF || APR_STATUS_IS_ECONNRESET(rv)
        || APR_STATUS_IS_EPIPE(rv) || APR_STATUS_IS_ECONNABORTED(rv);
}

enum redis_op { OP_GET, OP_SETEX, OP_DEL };

typedef struct redis_call {
    enum redis_op op;
    const char *key;
    /* OP_GET */
    apr_pool_t *pool;
    char *value;
    apr_size_t len;
    /* OP_SETEX */
    const char *data;
    apr_uint32_t ttl;
} redis_call;

static apr_status_t call_once(redis_inst *in, redis_call *c)
{
    apr_uint16_t flags = 0;

    switch (c->op) {
    case OP_GET:
        c->value = NULL;
        c->len = 0;
        return apr_redis_getp(in->rc, c->pool, c->key, &c->value, &c->len, &flags);
    case OP_SETEX:
        return apr_redis_setex(in->rc, c->key, (char *)c->data, strlen(c->data),
                               c->ttl, 0);
    default:
        return apr_redis_delete(in->rc, c->key, 0);
    }
}

/* Run c; APR_SUCCESS, APR_NOTFOUND (GET, DEL: no such key) or the failure.
 * Never APR_NOTFOUND for a failure. */
static apr_status_t call(redis_inst *in, request_rec *r, redis_call *c,
                         const char *what)
{
    apr_status_t rv;
    int attempt, failed;

    if (!in->rc) {
        /* child_init failed (logged by the core) */
        mss_reason(r, in->where, what, "no connection pool in this process");
        return APR_EINIT;
    }
    if (!may_try(in, &rv)) {
        redis_reason(in, r, what, rv);
        return rv;
    }
    for (attempt = 0; ; attempt++) {
        rv = call_once(in, c);
        if (!worth_retry(rv) || attempt > 2 * in->max_conns) {
            break;
        }
    }
    failed = !(rv == APR_SUCCESS || (rv == APR_NOTFOUND && c->op != OP_SETEX));
    if (failed) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r,
                      "MS00505: redis %s:%d: %s failed", in->host, in->port, what);
        if (rv == APR_NOTFOUND) {
            rv = APR_EGENERAL;
        }
        redis_reason(in, r, what, rv);
    }
    report(in, r, failed, rv);
    return rv;
}

/* --- the store ------------------------------------------------------------- */

static const char *redis_key(redis_inst *in, apr_pool_t *p, const char *id)
{
    return *in->prefix ? apr_pstrcat(p, in->prefix, id, NULL) : id;
}

static apr_status_t redis_load(marten_session_store_instance *in, request_rec *r,
                               const char *key, const char **payload,
                               apr_time_t *expires)
{
    redis_call c;
    apr_status_t rv;

    if (!mss_id_valid(key)) {
        return APR_NOTFOUND;
    }
    memset(&c, 0, sizeof(c));
    c.op = OP_GET;
    c.key = redis_key(in, r->pool, key);
    c.pool = r->pool;
    rv = call(in, r, &c, "GET");
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!c.value || c.len == 0 || strlen(c.value) != c.len) {
        return APR_NOTFOUND;        /* empty, or not text: not our record */
    }
    *payload = c.value;
    /* Redis enforces the expiry (the key's TTL); apr_redis cannot read a
     * TTL, and the core needs none. */
    *expires = 0;
    return APR_SUCCESS;
}

static apr_status_t redis_save(marten_session_store_instance *in, request_rec *r,
                               const char *key, const char *payload,
                               apr_time_t expires, const char **new_key)
{
    redis_call c;
    apr_int64_t ttl = mss_ttl_seconds(expires);
    const char *id = mss_id_valid(key) ? key : mss_id_new(r->pool);
    apr_status_t rv;

    if (!id) {
        return mss_no_id(r);
    }
    memset(&c, 0, sizeof(c));
    c.op = OP_SETEX;
    c.key = redis_key(in, r->pool, id);
    c.data = payload;
    c.ttl = ttl > APR_UINT32_MAX ? APR_UINT32_MAX : (apr_uint32_t)ttl;
    rv = call(in, r, &c, "SETEX");
    if (rv == APR_SUCCESS) {
        *new_key = id;
    }
    return rv;
}

static apr_status_t redis_destroy(marten_session_store_instance *in,
                                  request_rec *r, const char *key)
{
    redis_call c;
    apr_status_t rv;

    if (!mss_id_valid(key)) {
        return APR_SUCCESS;
    }
    memset(&c, 0, sizeof(c));
    c.op = OP_DEL;
    c.key = redis_key(in, r->pool, key);
    rv = call(in, r, &c, "DEL");
    return rv == APR_NOTFOUND ? APR_SUCCESS : rv;
}

static const marten_session_store redis_store = {
    "redis",
    redis_create,
    NULL,                   /* init: nothing to do in the parent */
    redis_child_init,
    redis_load,
    redis_save,
    redis_destroy,
    NULL                    /* clear_expired: Redis expires keys itself */
};

static void register_hooks(apr_pool_t *p)
{
    ap_register_provider(p, MARTEN_SESSION_STORE_GROUP, "redis",
                         MARTEN_SESSION_STORE_VERSION, &redis_store);
}

module AP_MODULE_DECLARE_DATA marten_session_redis_module = {
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
