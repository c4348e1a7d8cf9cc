/* Per-request session state and the save decision (docs/design.md,
 * "Lifecycle of a request"). */
#include "ms_context.h"
#include "ms_store.h"
#include "ms_secure.h"
#include "ms_json.h"
#include "ms_store_cookie.h"
#include "ms_chunks.h"
#include "ms_lifetime.h"
#include "ms_meta.h"
#include "ms_plan.h"

#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"

#define MS_COOKIE_LIMIT 4096        /* bytes a browser keeps for one cookie */
#define MS_ONE_YEAR     (365 * 86400)

/* The request the client sent: every sub-request and internal redirect
 * leads back to it, so they all share one session. */
static request_rec *client_request(request_rec *r)
{
    for (;;) {
        if (r->main) {
            r = r->main;
        }
        else if (r->prev) {
            r = r->prev;
        }
        else {
            return r;
        }
    }
}

static void hold_to_limits(ms_session *ms, const ms_dir_conf *d, request_rec *r);

ms_session *ms_session_existing(request_rec *r)
{
    return ap_get_module_config(client_request(r)->request_config,
                                &marten_session_module);
}

ms_session *ms_session_for(request_rec *r)
{
    const ms_dir_conf *d = ms_dir_conf_get(r);
    request_rec *top;
    ms_session *ms;

    if (!ms_dir_enabled(d)) {
        return NULL;
    }
    top = client_request(r);
    ms = ap_get_module_config(top->request_config, &marten_session_module);
    if (!ms) {
        ms = apr_pcalloc(top->pool, sizeof(*ms));
        ms->pool = top->pool;
        /* r may be a sub-request whose merged configuration dies with it;
         * its strings come from the configuration pool and live on */
        ms->conf = apr_pmemdup(top->pool, d, sizeof(*d));
        ms->browser_close = MS_UNSET;
        ap_set_module_config(top->request_config, &marten_session_module, ms);
    }
    else if (ms->loaded && ms_dir_limits_differ(ms->conf, d)) {
        hold_to_limits(ms, d, r);
    }
    return ms;
}

ms_session *ms_session_read_as(request_rec *r)
{
    const ms_dir_conf *d = ms_dir_conf_get(r);
    ms_session *ms = ms_session_for(r), *own;

    if (!ms || ms_dir_same_cookie(ms->conf, d)) {
        return ms;
    }
    /* Read, never saved: the request's session stays the one it has. */
    own = apr_pcalloc(r->pool, sizeof(*own));
    own->pool = r->pool;
    own->conf = d;
    own->browser_close = MS_UNSET;
    ms_session_load(own, r);
    return own;
}

typedef struct cookie_search {
    const char *name;
    const char *value;
    apr_pool_t *pool;
} cookie_search;

static int find_in_header(void *baton, const char *key, const char *header)
{
    cookie_search *cs = baton;

    (void)key;
    cs->value = ms_cookie_find(header, cs->name, cs->pool);
    return cs->value == NULL;        /* stop at the first header that has it */
}

/* HTTP/2 clients may send several Cookie headers; look in each. */
static const char *read_cookie(request_rec *top, const char *name)
{
    cookie_search cs = { name, NULL, top->pool };

    apr_table_do(find_in_header, &cs, top->headers_in, "Cookie", NULL);
    return cs.value;
}

/* The name of chunk i: <name>, <name>_1, <name>_2, ... */
static const char *chunk_name(const ms_dir_conf *d, int i, apr_pool_t *p)
{
    return i == 0 ? ms_dir_cookie_name(d)
                  : apr_psprintf(p, "%s_%d", ms_dir_cookie_name(d), i);
}

/* The session cookie's value, joined from its chunks. A set whose count
 * does not match the chunks present is no session (*bad set). */
static const char *read_session_cookie(request_rec *top, const ms_dir_conf *d,
                                       int *bad)
{
    const char *first = read_cookie(top, ms_dir_cookie_name(d)), *rest;
    int max_n = ms_dir_chunks(d), n, i;
    char *joined;

    *bad = 0;
    if (!first || max_n == 1) {
        return first;
    }
    n = ms_chunks_count(first, max_n, &rest);
    joined = apr_pstrdup(top->pool, rest);
    for (i = 1; i < n; i++) {
        const char *c = read_cookie(top, chunk_name(d, i, top->pool));
        if (!c) {
            n = 0;
            break;
        }
        joined = apr_pstrcat(top->pool, joined, c, NULL);
    }
    if (n == 0 || (n < max_n && read_cookie(top, chunk_name(d, n, top->pool)))) {
        *bad = 1;
        return first;
    }
    return joined;
}

static const char *store_name(const ms_server_conf *sc)
{
    return ms_store_of(sc)->name;
}

static ms_lifetime_policy policy_of(const ms_dir_conf *d)
{
    ms_lifetime_policy pol;

    pol.idle = ms_dir_idle_timeout(d);
    pol.max_lifetime = ms_dir_max_lifetime(d);
    pol.touch_interval = ms_dir_touch_interval(d) == MS_UNSET
                         ? -1 : ms_dir_touch_interval(d);
    return pol;
}

/* Server-side stores carry the times in the payload only when a timeout
 * needs them, so their records stay plain JSON otherwise. */
static int times_wanted(const ms_dir_conf *d)
{
    return ms_dir_idle_timeout(d) > 0 || ms_dir_max_lifetime(d) > 0;
}

/* Load through the store; *issued and *seen are the authenticated times
 * (0 when unknown: a Marten cookie carries neither). */
static apr_status_t load_payload(ms_session *ms, request_rec *r,
                                 const char **payload, apr_time_t *expires,
                                 apr_time_t *issued, apr_time_t *seen)
{
    const ms_server_conf *sc = ms_server_conf_get(r->server);
    const marten_session_store *store = ms_store_of(sc);
    apr_status_t rv;
    int sealed = 0;

    *issued = *seen = 0;
    if (store == &ms_store_cookie) {
        return ms_cookie_open(r, ms->key_in, payload, expires, issued, seen,
                              &sealed);
    }
    rv = store->load(ms_store_instance_of(sc), r, ms->key_in, payload, expires);
    if (rv == APR_SUCCESS
        && !(*payload = ms_meta_unwrap(*payload, r->pool, issued, seen))) {
        return APR_NOTFOUND;
    }
    return rv;
}

/* A loaded session also answers to the limits of every later location of
 * the request (an internal redirect, a sub-request): a limit holds whatever
 * route led to it. One that fails them is dropped, as if its cookie had
 * been refused. A new session, or one about to get a new key, begins now. */
static void hold_to_limits(ms_session *ms, const ms_dir_conf *d, request_rec *r)
{
    ms_lifetime_policy pol = policy_of(d);
    ms_lifetime_status ls;

    if (!ms->key_in || ms->key_rejected || ms->new_key || ms->store_failed) {
        return;
    }
    ls = ms_lifetime_check(&pol, ms->issued, ms->seen, apr_time_now());
    if (ls == MS_LIFETIME_OK) {
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "MS00104: session ended: %s", ms_lifetime_status_str(ls));
    apr_table_clear(ms->data);       /* the same table: others may hold it */
    ms->loaded_json = NULL;
    ms->key_rejected = 1;
}

apr_table_t *ms_session_load(ms_session *ms, request_rec *r)
{
    request_rec *top = client_request(r);
    const ms_server_conf *sc;
    const char *payload = NULL;
    apr_time_t expires = 0, issued = 0, seen = 0, now = apr_time_now();
    ms_lifetime_policy pol = policy_of(ms->conf);
    ms_lifetime_status ls;
    apr_table_t *loaded;
    apr_status_t rv;
    ms_json_status js;
    int bad_set, canonical;

    ms->accessed = 1;
    if (ms->loaded) {
        return ms->data;
    }
    ms->loaded = 1;
    ms->data = apr_table_make(top->pool, 8);
    ms->key_in = read_session_cookie(top, ms->conf, &bad_set);
    if (!ms->key_in) {
        return ms->data;
    }
    if (bad_set) {
        ms->key_rejected = 1;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00105: session cookie chunks missing or extra");
        return ms->data;
    }
    sc = ms_server_conf_get(r->server);
    rv = load_payload(ms, r, &payload, &expires, &issued, &seen);
    if (rv == APR_NOTFOUND) {
        ms->key_rejected = 1;
    }
    else if (rv != APR_SUCCESS) {
        ms->store_failed = 1;
        ms_store_log_failure(r, rv, "MS00103", store_name(sc),
                             "cannot load the session",
                             "serving it empty and keeping the client's cookie");
    }
    else if ((js = ms_json_read_session(payload, strlen(payload), top->pool,
                                        &loaded, &canonical)) != MS_JSON_OK) {
        /* Only a key holder can sign such a payload, but it is still not
         * the server's fault: debug, like every other unusable cookie. */
        ms->key_rejected = 1;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00102: session data not accepted: %s",
                      ms_json_status_str(js));
    }
    else if (expires && expires <= now) {
        /* A store must not return expired sessions; do not trust it to. */
        ms->key_rejected = 1;
    }
    else if ((ls = ms_lifetime_check(&pol, issued, seen, now)) != MS_LIFETIME_OK) {
        ms->key_rejected = 1;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00104: session ended: %s", ms_lifetime_status_str(ls));
    }
    else {
        ms->data = loaded;
        if (canonical) {
            /* the payload may live in a sub-request's pool */
            ms->loaded_json = r->pool == top->pool ? payload
                                                   : apr_pstrdup(top->pool, payload);
        }
        ms->loaded_expires = expires;
        ms->issued = issued;
        ms->seen = seen;
        if (ms_dir_limits_differ(ms->conf, ms_dir_conf_get(r))) {
            hold_to_limits(ms, ms_dir_conf_get(r), r);
        }
    }
    return ms->data;
}

const char *ms_session_json(const ms_session *ms, apr_pool_t *p)
{
    if (ms->loaded_json && !ms->modified && !ms->table_exposed) {
        return ms->loaded_json;
    }
    return ms_table_to_json(ms->data, p, NULL);
}

/* The Set-Cookie (or the store's save) has gone with the response headers:
 * say so, once, rather than drop a change without a word. */
static void log_late_change(ms_session *ms, request_rec *r)
{
    if (!ms->late_change_logged) {
        ms->late_change_logged = 1;
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "MS00205: the session changed after the response headers "
                      "of %s were sent; the change is not saved", r->uri);
    }
}

void ms_session_mark_modified(ms_session *ms, request_rec *r)
{
    ms->accessed = 1;
    ms->modified = 1;
    if (ms->saved) {
        log_late_change(ms, r);
    }
}

void ms_session_too_late(ms_session *ms, request_rec *r)
{
    if (!ms->saved) {
        ms->saved = 1;
        if (ms->modified) {
            log_late_change(ms, r);
        }
    }
}

void ms_session_flush(ms_session *ms, request_rec *r)
{
    apr_table_clear(ms_session_load(ms, r));
    ms->new_key = 1;
    ms_session_mark_modified(ms, r);
}

void ms_session_cycle(ms_session *ms, request_rec *r)
{
    ms_session_load(ms, r);
    ms->new_key = 1;
    ms_session_mark_modified(ms, r);
}

/* Marten's rule: a 500 saves nothing. An ErrorDocument served for a 500
 * through an internal redirect still answers 500, so look back too. */
static int answered_500(const request_rec *r)
{
    for (; r; r = r->prev) {
        if (r->status == HTTP_INTERNAL_SERVER_ERROR) {
            return 1;
        }
    }
    return 0;
}

static ms_set_cookie cookie_attrs(const ms_session *ms, request_rec *r,
                                  const char *name, const char *value,
                                  apr_time_t expires)
{
    const ms_dir_conf *d = ms->conf;
    ms_set_cookie c;

    c.name = name;
    c.value = value;
    c.domain = d->cookie_domain;
    c.path = ms_dir_cookie_path(d);
    c.expires = expires;
    c.secure = ms_secure_for(d, r);
    c.http_only = ms_dir_http_only(d);
    c.same_site = ms_dir_same_site(d);
    return c;
}

/* Room for the value in each chunk's Set-Cookie: the limit less the exact
 * length of that header with an empty value (attributes included). */
static void chunk_caps(const ms_session *ms, request_rec *r, apr_time_t expires,
                       apr_time_t now, apr_size_t *caps, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        ms_set_cookie c = cookie_attrs(ms, r, chunk_name(ms->conf, i, r->pool),
                                       "", expires);
        apr_size_t empty = ms_set_cookie_length(&c, now);
        caps[i] = empty < MS_COOKIE_LIMIT ? MS_COOKIE_LIMIT - empty : 0;
    }
}

/* MS00202: a cookie value of len bytes fits in none of the n cookies of
 * the given caps; what says what was done instead. */
static void log_too_big(request_rec *r, apr_size_t len, const apr_size_t *caps,
                        int n, const char *what)
{
    apr_size_t size = len;
    int i;

    for (i = 0; i < n; i++) {
        size += MS_COOKIE_LIMIT - caps[i];   /* each header's attributes */
    }
    if (n == 1) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "MS00202: the session cookie would be %" APR_SIZE_T_FMT
                      " bytes, over the browser limit of %d; %s (%s)", size,
                      MS_COOKIE_LIMIT, what, r->uri);
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "MS00202: the session cookie would be %" APR_SIZE_T_FMT
                      " bytes in %d cookies, over the browser limit of %d "
                      "each; %s (%s)", size, n, MS_COOKIE_LIMIT, what, r->uri);
    }
}

/* The chunks for value, or NULL (logged) when even MartenSessionCookieChunks
 * cookies cannot hold it. */
static apr_array_header_t *split_value(const ms_session *ms, request_rec *r,
                                       const char *value, apr_time_t expires,
                                       apr_time_t now, const char *what)
{
    apr_size_t caps[MS_MAX_CHUNKS] = { 0 }, len = strlen(value);
    int n = ms_dir_chunks(ms->conf);
    apr_array_header_t *chunks;

    chunk_caps(ms, r, expires, now, caps, n);
    chunks = ms_chunks_split(value, len, caps, n, r->pool);
    if (!chunks && what) {
        log_too_big(r, len, caps, n, what);
    }
    return chunks;
}

/* Expire chunks first..MS_MAX_CHUNKS that the client sent. */
static void expire_chunks_from(ms_session *ms, request_rec *r, int first,
                               apr_time_t now)
{
    request_rec *top = client_request(r);
    int i, n = ms_dir_chunks(ms->conf);

    for (i = first > 0 ? first : 1; i < n; i++) {
        const char *name = chunk_name(ms->conf, i, r->pool);
        if (read_cookie(top, name)) {
            ms_set_cookie c = cookie_attrs(ms, r, name, "",
                                           now - apr_time_from_sec(MS_ONE_YEAR));
            apr_table_addn(r->err_headers_out, "Set-Cookie",
                           ms_set_cookie_build(&c, now, r->pool));
        }
    }
}

/* Add the Set-Cookie header(s) unless the browser would drop one; returns
 * 0 if refused (nothing sent: the client keeps its cookies as they are). */
static int send_cookie(ms_session *ms, request_rec *r, const char *value,
                       apr_time_t expires, apr_time_t now)
{
    apr_array_header_t *chunks = split_value(
        ms, r, value, expires, now, "not sent, the client keeps its previous cookie");
    int i;

    if (!chunks) {
        return 0;
    }
    for (i = 0; i < chunks->nelts; i++) {
        ms_set_cookie c = cookie_attrs(ms, r, chunk_name(ms->conf, i, r->pool),
                                       APR_ARRAY_IDX(chunks, i, const char *),
                                       expires);
        apr_table_addn(r->err_headers_out, "Set-Cookie",
                       ms_set_cookie_build(&c, now, r->pool));
    }
    /* a smaller session than last time: the surplus chunks must go */
    expire_chunks_from(ms, r, chunks->nelts, now);
    return 1;
}

static void expire_cookie(ms_session *ms, request_rec *r, apr_time_t now)
{
    ms_set_cookie c = cookie_attrs(ms, r, ms_dir_cookie_name(ms->conf), "",
                                   now - apr_time_from_sec(MS_ONE_YEAR));

    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   ms_set_cookie_build(&c, now, r->pool));
    expire_chunks_from(ms, r, 1, now);
}

/* Direct edits of the table from marten_session_table() count as changes.
 * *json gets the table as JSON when it had to be written to compare. */
static int table_changed(const ms_session *ms, apr_pool_t *p, const char **json)
{
    if (!ms->table_exposed || !ms->snapshot) {
        return 0;
    }
    *json = ms_table_to_json(ms->data, p, NULL);
    return strcmp(ms->snapshot, *json) != 0;
}

static int is_cookie_store(request_rec *r)
{
    return ms_store_of(ms_server_conf_get(r->server)) == &ms_store_cookie;
}

static apr_time_t whole_seconds_now(void)
{
    return apr_time_from_sec(apr_time_sec(apr_time_now()));
}

/* The seconds a save lives: the session's own, else the Max-Age. */
static apr_int64_t save_lifetime(const ms_session *ms)
{
    return ms->expires_in > 0 ? ms->expires_in : ms_dir_max_age(ms->conf);
}

/* The expiry a save made now gets (whole seconds). */
static apr_time_t save_expiry(const ms_session *ms, apr_time_t issued,
                              apr_time_t now)
{
    ms_lifetime_policy pol = policy_of(ms->conf);

    return ms_lifetime_expires(&pol, issued, now, save_lifetime(ms));
}

/* At most how long the session's JSON can be: every byte escaped as
 * \u00xx, plus the quotes, colon and comma of each pair. */
static apr_size_t json_length_bound(const apr_table_t *t)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_size_t n = 2;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key) {
            n += 6 * (strlen(e[i].key) + (e[i].val ? strlen(e[i].val) : 0)) + 6;
        }
    }
    return n;
}

/* Does a cookie value for a JSON text of json_len bytes fit? Any value of
 * that length splits the same way, so only the length is needed. */
static int value_fits(ms_session *ms, request_rec *r, apr_size_t json_len,
                      apr_time_t expires, apr_time_t now, const char *what)
{
    apr_size_t caps[MS_MAX_CHUNKS] = { 0 };
    apr_size_t len = ms_cookie_value_length(ms_dir_format(ms->conf), json_len);
    int n = ms_dir_chunks(ms->conf);

    chunk_caps(ms, r, expires, now, caps, n);
    if (ms_chunks_needed(len, caps, n) > 0) {
        return 1;
    }
    if (what) {
        log_too_big(r, len, caps, n, what);
    }
    return 0;
}

int ms_session_fits(ms_session *ms, request_rec *r, const char *what)
{
    apr_time_t now = whole_seconds_now();
    apr_time_t expires;

    if (!is_cookie_store(r) || !ms->data || apr_is_empty_table(ms->data)) {
        return 1;
    }
    expires = ms->browser_close == 1 ? 0 : save_expiry(ms, now, now);
    /* most sessions are far from the limit: settle those without
     * serialising the session on every change */
    if (value_fits(ms, r, json_length_bound(ms->data), expires, now, NULL)) {
        return 1;
    }
    return value_fits(ms, r, strlen(ms_table_to_json(ms->data, r->pool, NULL)),
                      expires, now, what);
}

/* Delete a record the store may hold under key. A failure is logged: the
 * record then lives on until it expires. */
static void forget_key(const marten_session_store *store,
                       marten_session_store_instance *inst, request_rec *r,
                       const char *key)
{
    apr_status_t rv;

    if (!store->destroy) {
        return;
    }
    rv = store->destroy(inst, r, key);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        ms_store_log_failure(r, rv, "MS00203", store->name,
                             "cannot delete the old session record",
                             "it stays until it expires");
    }
}

/* The facts the save decision needs, as the request leaves them. */
static ms_plan_facts gather(ms_session *ms, request_rec *r, const char **json)
{
    ms_plan_facts f;

    if (!ms->modified && table_changed(ms, r->pool, json)) {
        ms->modified = 1;
    }
    f.had_key = ms->key_in != NULL;
    f.key_rejected = ms->key_rejected;
    f.store_failed = ms->store_failed;
    f.modified = ms->modified;
    f.empty = apr_is_empty_table(ms->data);
    f.new_key = ms->new_key;
    f.answered_500 = answered_500(r);
    f.issued = ms->issued;
    f.seen = ms->seen;
    f.expires = ms->loaded_expires;
    f.lifetime = save_lifetime(ms);
    return f;
}

void ms_session_finish(ms_session *ms, request_rec *r)
{
    const ms_server_conf *sc = ms_server_conf_get(r->server);
    const marten_session_store *store = ms_store_of(sc);
    marten_session_store_instance *inst = ms_store_instance_of(sc);
    /* whole seconds, so Max-Age is exactly the lifetime */
    apr_time_t now = whole_seconds_now();
    ms_lifetime_policy pol = policy_of(ms->conf);
    const char *payload = NULL, *key, *new_key = NULL;
    ms_plan_facts facts;
    ms_plan plan;
    apr_status_t rv;

    if (ms->saved) {
        return;
    }
    ms->saved = 1;                    /* the response is answered, touched or not */
    if (!ms->loaded) {
        return;
    }
    if (ms->accessed) {
        apr_table_mergen(r->headers_out, "Vary", "Cookie");
    }
    facts = gather(ms, r, &payload);
    plan = ms_plan_decide(&facts, &pol, now);
    switch (plan.action) {
    case MS_PLAN_NOTHING:
        return;
    case MS_PLAN_EXPIRE:
        if (plan.forget_old_key) {
            forget_key(store, inst, r, ms->key_in);
        }
        expire_cookie(ms, r, now);
        return;
    case MS_PLAN_REFUSE:
        ms_store_log_failure(r, 0, "MS00204", store->name,
                             "the session could not be loaded",
                             "this request's changes are not saved and the "
                             "client keeps its previous cookie");
        return;
    case MS_PLAN_TOUCH:
    case MS_PLAN_SAVE:
        break;
    }
    key = plan.reuse_key ? ms->key_in : NULL;
    if (!payload) {                 /* not written by table_changed already */
        payload = ms_table_to_json(ms->data, r->pool, NULL);
    }
    if (store == &ms_store_cookie) {
        rv = ms_cookie_seal(r, ms_dir_format(ms->conf), payload, plan.issued,
                            plan.seen, plan.expires, &new_key);
    }
    else {
        if (times_wanted(ms->conf)) {
            payload = ms_meta_wrap(payload, plan.issued, plan.seen, r->pool);
        }
        rv = store->save(inst, r, key, payload, plan.expires, &new_key);
    }
    if (rv != APR_SUCCESS) {
        ms_store_log_failure(r, rv, "MS00201", store->name,
                             "cannot save the session",
                             "the client keeps its previous cookie");
        return;
    }
    /* Only once the session is safe under its new key does the old go. */
    if (plan.forget_old_key && strcmp(new_key, ms->key_in) != 0) {
        forget_key(store, inst, r, ms->key_in);
    }
    send_cookie(ms, r, new_key, ms->browser_close == 1 ? 0 : plan.expires, now);
}
