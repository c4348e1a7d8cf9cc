/* Per-request session state and the save decision (DESIGN §2). */
#include "ms_context.h"
#include "ms_store.h"
#include "ms_secure.h"
#include "ms_json.h"

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
        ms->conf = d;
        ms->browser_close = MS_UNSET;
        ap_set_module_config(top->request_config, &marten_session_module, ms);
    }
    return ms;
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

static const char *store_name(const ms_server_conf *sc)
{
    return ms_store_of(sc)->name;
}

apr_table_t *ms_session_load(ms_session *ms, request_rec *r)
{
    request_rec *top = client_request(r);
    const ms_server_conf *sc;
    const char *payload = NULL;
    apr_time_t expires = 0;
    apr_table_t *loaded;
    apr_status_t rv;
    ms_json_status js;

    ms->accessed = 1;
    if (ms->loaded) {
        return ms->data;
    }
    ms->loaded = 1;
    ms->data = apr_table_make(top->pool, 8);
    ms->key_in = read_cookie(top, ms_dir_cookie_name(ms->conf));
    if (!ms->key_in) {
        return ms->data;
    }
    sc = ms_server_conf_get(r->server);
    rv = ms_store_of(sc)->load(ms_store_instance_of(sc), r, ms->key_in,
                               &payload, &expires);
    if (rv == APR_NOTFOUND) {
        ms->key_rejected = 1;
    }
    else if (rv != APR_SUCCESS) {
        ms->store_failed = 1;
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "MS00103: MartenSessionStore %s: cannot load the session; "
                      "serving it empty and keeping the client's cookie",
                      store_name(sc));
    }
    else if ((js = ms_json_to_table(payload, strlen(payload), top->pool, &loaded))
             != MS_JSON_OK) {
        /* Only a key holder can sign such a payload, but it is still not
         * the server's fault: debug, like every other unusable cookie. */
        ms->key_rejected = 1;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00102: session data not accepted: %s",
                      ms_json_status_str(js));
    }
    else if (expires && expires <= apr_time_now()) {
        /* A store must not return expired sessions; do not trust it to. */
        ms->key_rejected = 1;
    }
    else {
        ms->data = loaded;
        ms->loaded_expires = expires;
    }
    return ms->data;
}

void ms_session_mark_modified(ms_session *ms)
{
    ms->accessed = 1;
    ms->modified = 1;
}

void ms_session_flush(ms_session *ms, request_rec *r)
{
    apr_table_clear(ms_session_load(ms, r));
    ms->new_key = 1;
    ms_session_mark_modified(ms);
}

void ms_session_cycle(ms_session *ms, request_rec *r)
{
    ms_session_load(ms, r);
    ms->new_key = 1;
    ms_session_mark_modified(ms);
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

/* Add Set-Cookie unless the browser would drop it; returns 0 if refused. */
static int send_cookie(ms_session *ms, request_rec *r, const char *value,
                       apr_time_t expires, apr_time_t now)
{
    const ms_dir_conf *d = ms->conf;
    ms_set_cookie c;
    const char *header;
    apr_size_t len;

    c.name = ms_dir_cookie_name(d);
    c.value = value;
    c.domain = d->cookie_domain;
    c.path = ms_dir_cookie_path(d);
    c.expires = expires;
    c.secure = ms_secure_for(d, r);
    c.http_only = ms_dir_http_only(d);
    c.same_site = ms_dir_same_site(d);
    header = ms_set_cookie_build(&c, now, r->pool);
    len = strlen(header);
    if (len > MS_COOKIE_LIMIT) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "MS00202: the session cookie would be %" APR_SIZE_T_FMT
                      " bytes, over the browser limit of %d; not sent, the client "
                      "keeps its previous cookie", len, MS_COOKIE_LIMIT);
        return 0;
    }
    apr_table_addn(r->err_headers_out, "Set-Cookie", header);
    return 1;
}

static void expire_cookie(ms_session *ms, request_rec *r, apr_time_t now)
{
    send_cookie(ms, r, "", now - apr_time_from_sec(MS_ONE_YEAR), now);
}

/* Direct edits of the table from marten_session_table() count as changes. */
static int table_changed(const ms_session *ms, apr_pool_t *p)
{
    return ms->table_exposed && ms->snapshot
        && strcmp(ms->snapshot, ms_table_to_json(ms->data, p, NULL)) != 0;
}

void ms_session_finish(ms_session *ms, request_rec *r)
{
    const ms_server_conf *sc = ms_server_conf_get(r->server);
    const marten_session_store *store = ms_store_of(sc);
    marten_session_store_instance *inst = ms_store_instance_of(sc);
    /* whole seconds, so Max-Age is exactly the lifetime */
    apr_time_t now = apr_time_from_sec(apr_time_sec(apr_time_now()));
    const char *payload, *key, *new_key = NULL;
    apr_int64_t lifetime;
    apr_time_t expires;
    apr_status_t rv;
    int old_key_valid;

    if (ms->saved || !ms->loaded) {
        return;                       /* saved already, or never touched */
    }
    ms->saved = 1;
    if (ms->accessed) {
        apr_table_mergen(r->headers_out, "Vary", "Cookie");
    }
    if (answered_500(r)) {
        return;
    }
    if (!ms->modified && table_changed(ms, r->pool)) {
        ms->modified = 1;
    }
    old_key_valid = ms->key_in && !ms->key_rejected && !ms->store_failed;

    if (apr_is_empty_table(ms->data)) {
        /* Emptied, flushed, or the client's cookie was no good: forget it. */
        if (ms->key_in && (ms->modified || ms->key_rejected)) {
            if (old_key_valid && store->destroy) {
                store->destroy(inst, r, ms->key_in);
            }
            expire_cookie(ms, r, now);
        }
        return;
    }
    if (!ms->modified) {
        return;
    }
    if (ms->new_key && old_key_valid && store->destroy) {
        store->destroy(inst, r, ms->key_in);
    }
    key = (ms->new_key || !old_key_valid) ? NULL : ms->key_in;
    lifetime = ms->expires_in > 0 ? ms->expires_in : ms_dir_max_age(ms->conf);
    expires = apr_time_from_sec(apr_time_sec(now) + lifetime);
    payload = ms_table_to_json(ms->data, r->pool, NULL);
    rv = store->save(inst, r, key, payload, expires, &new_key);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "MS00201: MartenSessionStore %s: cannot save the session; "
                      "the client keeps its previous cookie", store->name);
        return;
    }
    send_cookie(ms, r, new_key, ms->browser_close == 1 ? 0 : expires, now);
}
