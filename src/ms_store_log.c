/* Store failures in the error log (see ms_store_log.h).
 *
 * Loads and writes (save, destroy) are counted apart: a store can answer
 * one and refuse the other (a read-only database, Redis out of memory),
 * and one state for both would open and close an outage on every such
 * request. */
#include "ms_store_log.h"
#include "ms_outage.h"

#include "apr_shm.h"
#include "apr_strings.h"

#define REASON_MAX 300

enum { OP_LOAD, OP_WRITE, OP_KINDS };

static const char *const op_names[OP_KINDS] = { "loads", "saves" };

/* Notes of the client's request: the kind of its last failed call; how its
 * first failure of each kind was logged ("error" or "debug"); the reason
 * given then (for MS00204, which follows a failed load). */
#define NOTE_OP    "marten-session-store-failed-op"
static const char *const note_level[OP_KINDS] = {
    "marten-session-store-logged-load", "marten-session-store-logged-write"
};
#define NOTE_WHY   "marten-session-store-why"

typedef struct ms_watch {
    marten_session_store vt;            /* what the core calls */
    const marten_session_store *real;
    marten_session_store_instance *inst;
    ms_outage *outage;                  /* [OP_KINDS]; NULL until post_config */
} ms_watch;

static ms_watch *watch_of(marten_session_store_instance *instance)
{
    return (ms_watch *)(void *)instance;
}

static request_rec *client_of(request_rec *r)
{
    while (r->main || r->prev) {
        r = r->main ? r->main : r->prev;
    }
    return r;
}

static const char *when(apr_pool_t *p, apr_uint32_t secs)
{
    char *buf = apr_palloc(p, APR_CTIME_LEN);

    apr_ctime(buf, apr_time_from_sec((apr_time_t)secs));
    return buf;
}

static void before_call(request_rec *r)
{
    apr_table_unset(r->notes, MARTEN_SESSION_STORE_REASON_NOTE);
}

/* After a call of kind op: the end of an outage is worth a line; a
 * failure is logged by the core (ms_store_log_failure), which needs to
 * know its kind. */
static apr_status_t after_call(ms_watch *w, request_rec *r, int op, int ok,
                               apr_status_t rv)
{
    apr_uint32_t total, began;

    if (!ok) {
        apr_table_setn(client_of(r)->notes, NOTE_OP, op == OP_LOAD ? "l" : "w");
    }
    else if (w->outage && ms_outage_recover(&w->outage[op], &total, &began)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "MS00107: MartenSessionStore %s: answering %s again after "
                      "%u failed request(s) since %s", w->real->name,
                      op_names[op], total, when(r->pool, began));
    }
    return rv;
}

static apr_status_t watch_load(marten_session_store_instance *in, request_rec *r,
                               const char *key, const char **payload,
                               apr_time_t *expires)
{
    ms_watch *w = watch_of(in);
    apr_status_t rv;

    before_call(r);
    rv = w->real->load(w->inst, r, key, payload, expires);
    return after_call(w, r, OP_LOAD, rv == APR_SUCCESS || rv == APR_NOTFOUND, rv);
}

static apr_status_t watch_save(marten_session_store_instance *in, request_rec *r,
                               const char *key, const char *payload,
                               apr_time_t expires, const char **new_key)
{
    ms_watch *w = watch_of(in);
    apr_status_t rv;

    before_call(r);
    rv = w->real->save(w->inst, r, key, payload, expires, new_key);
    return after_call(w, r, OP_WRITE, rv == APR_SUCCESS, rv);
}

static apr_status_t watch_destroy(marten_session_store_instance *in,
                                  request_rec *r, const char *key)
{
    ms_watch *w = watch_of(in);
    apr_status_t rv;

    before_call(r);
    rv = w->real->destroy(w->inst, r, key);
    return after_call(w, r, OP_WRITE, rv == APR_SUCCESS || rv == APR_NOTFOUND, rv);
}

/* post_config, in the parent: the outage state goes into anonymous shared
 * memory that every child inherits. */
static apr_status_t watch_init(marten_session_store_instance *in, server_rec *s,
                               apr_pool_t *pconf, apr_pool_t *ptemp)
{
    ms_watch *w = watch_of(in);
    apr_size_t size = OP_KINDS * sizeof(ms_outage);
    apr_shm_t *shm;
    apr_status_t rv = apr_shm_create(&shm, size, NULL, pconf);

    if (rv == APR_SUCCESS) {
        w->outage = apr_shm_baseaddr_get(shm);
        memset(w->outage, 0, size);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "MS00307: MartenSessionStore %s: no shared memory for "
                     "counting store failures; each child process logs its "
                     "own first failure", w->real->name);
        w->outage = apr_pcalloc(pconf, size);
    }
    return w->real->init ? w->real->init(w->inst, s, pconf, ptemp) : APR_SUCCESS;
}

static apr_status_t watch_child_init(marten_session_store_instance *in,
                                     server_rec *s, apr_pool_t *pchild)
{
    ms_watch *w = watch_of(in);

    return w->real->child_init ? w->real->child_init(w->inst, s, pchild)
                               : APR_SUCCESS;
}

static apr_status_t watch_clear_expired(marten_session_store_instance *in,
                                        server_rec *s, apr_pool_t *p)
{
    ms_watch *w = watch_of(in);

    return w->real->clear_expired(w->inst, s, p);
}

void ms_store_watch(const marten_session_store **store,
                    marten_session_store_instance **instance, apr_pool_t *p)
{
    ms_watch *w = apr_pcalloc(p, sizeof(*w));

    w->real = *store;
    w->inst = *instance;
    w->vt = **store;
    w->vt.init = watch_init;
    w->vt.child_init = watch_child_init;
    w->vt.load = watch_load;
    w->vt.save = watch_save;
    w->vt.destroy = w->real->destroy ? watch_destroy : NULL;
    w->vt.clear_expired = w->real->clear_expired ? watch_clear_expired : NULL;
    *store = &w->vt;
    *instance = (marten_session_store_instance *)(void *)w;
}

/* The store's own words, as one safe line; else the status. */
static const char *reason_of(request_rec *r, request_rec *top, apr_status_t rv)
{
    const char *why = apr_table_get(r->notes, MARTEN_SESSION_STORE_REASON_NOTE);
    char buf[120];

    if (why && *why) {
        if (strlen(why) > REASON_MAX) {
            why = apr_pstrcat(r->pool, apr_pstrndup(r->pool, why, REASON_MAX),
                              "...", NULL);
        }
        return ap_escape_logitem(r->pool, why);
    }
    if (rv != APR_SUCCESS) {
        return apr_psprintf(r->pool, "(%d)%s", rv,
                            apr_strerror(rv, buf, sizeof(buf)));
    }
    /* a consequence of an earlier failure of the same request */
    return apr_table_get(top->notes, NOTE_WHY);
}

/* The level of this request's lines of one kind: decided by its first
 * failure of that kind. */
static int level_of(request_rec *r, request_rec *top, ms_watch *w,
                    apr_status_t rv, const char *why)
{
    const char *op = apr_table_get(top->notes, NOTE_OP);
    int k = op && *op == 'w' ? OP_WRITE : OP_LOAD;
    const char *seen = apr_table_get(top->notes, note_level[k]);
    apr_uint32_t n = 0, since = 0;
    ms_outage_verdict v;

    if (seen) {
        return *seen == 'e' ? APLOG_ERR : APLOG_DEBUG;
    }
    if (why) {
        apr_table_setn(top->notes, NOTE_WHY, apr_pstrdup(top->pool, why));
    }
    /* the cookie store, no state yet, or a session too large for the
     * store: this request's trouble, not an outage */
    if (!w || !w->outage || rv == APR_ENOSPC) {
        return APLOG_ERR;
    }
    v = ms_outage_fail(&w->outage[k], (apr_uint32_t)apr_time_sec(apr_time_now()),
                       MS_OUTAGE_INTERVAL, &n, &since);
    apr_table_setn(top->notes, note_level[k],
                   v == MS_OUTAGE_FIRST ? "error" : "debug");
    if (v == MS_OUTAGE_SUMMARY) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "MS00106: MartenSessionStore %s: %s still failing, %u "
                      "request(s) since %s; the latest: %s", w->real->name,
                      op_names[k], n, when(r->pool, since),
                      why ? why : "no reason given");
    }
    return v == MS_OUTAGE_FIRST ? APLOG_ERR : APLOG_DEBUG;
}

void ms_store_log_failure(request_rec *r, apr_status_t rv, const char *code,
                          const char *name, const char *what, const char *then)
{
    const ms_server_conf *sc = ms_server_conf_get(r->server);
    request_rec *top = client_of(r);
    ms_watch *w = sc->store ? watch_of(sc->store_instance) : NULL;
    const char *why = reason_of(r, top, rv);
    int level = level_of(r, top, w, rv, why);

    ap_log_rerror(APLOG_MARK, level, 0, r,
                  "%s: MartenSessionStore %s: %s for %s%s%s; %s", code, name,
                  what, ap_escape_logitem(r->pool, top->uri), why ? ": " : "",
                  why ? why : "", then);
}
