/* Write-back headers: collect, parse all, then apply all or nothing. */
#include "ms_headers.h"
#include "ms_writeback.h"

#include "apr_strings.h"

typedef struct collect {
    apr_pool_t *pool;
    apr_array_header_t *names;    /* header names to remove afterwards */
    ms_writeback *wb;             /* NULL: only collect names */
    const char *error;            /* first parse error */
    const char *error_header;
} collect;

static void collect_one(collect *c, const char *name, const char *value)
{
    int kind = ms_writeback_kind(name);
    const char *err;

    if (kind < 0) {
        return;
    }
    if (!c->names) {
        c->names = apr_array_make(c->pool, 4, sizeof(const char *));
    }
    *(const char **)apr_array_push(c->names) = name;
    if (c->wb && !c->error
        && (err = ms_writeback_add(c->wb, (ms_wb_kind)kind, value, c->pool))) {
        c->error = err;
        c->error_header = name;
    }
}

/* Nearly every response has no write-back header: test the first three
 * bytes of each name before the full comparison. */
static int may_be_writeback(const char *name)
{
    return name && (name[0] == 'X' || name[0] == 'x') && name[1] == '-'
        && (name[2] == 'M' || name[2] == 'm');
}

static void collect_table(collect *c, apr_table_t *t)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;

    if (c->names) {
        c->names->nelts = 0;
    }
    for (i = 0; i < arr->nelts; i++) {
        if (may_be_writeback(e[i].key)) {
            collect_one(c, e[i].key, e[i].val);
        }
    }
    for (i = 0; c->names && i < c->names->nelts; i++) {
        apr_table_unset(t, APR_ARRAY_IDX(c->names, i, const char *));
    }
}

static void apply(ms_session *ms, request_rec *r, const ms_writeback *wb)
{
    apr_table_t *data = ms_session_load(ms, r);
    int i;

    if (wb->flush) {
        ms_session_flush(ms, r);
    }
    for (i = 0; i < wb->deletes->nelts; i++) {
        apr_table_unset(data, APR_ARRAY_IDX(wb->deletes, i, const char *));
    }
    for (i = 0; i < wb->sets->nelts; i++) {
        const ms_wb_pair *pair = &APR_ARRAY_IDX(wb->sets, i, ms_wb_pair);
        apr_table_set(data, pair->key, pair->value);
    }
    if (wb->cycle_key) {
        ms_session_cycle(ms, r);
    }
    if (wb->expires_in > 0) {
        ms->expires_in = wb->expires_in;
    }
    if (wb->browser_close >= 0) {
        ms->browser_close = wb->browser_close;
    }
    ms_session_mark_modified(ms, r);
}

static int copy_back(void *baton, const char *key, const char *value)
{
    apr_table_add(baton, key, value);
    return 1;
}

/* All or nothing here too: a response whose write-backs would make the
 * session too big for its cookie applies none of them. */
static void apply_if_fits(ms_session *ms, request_rec *r, const ms_writeback *wb)
{
    apr_table_t *before = apr_table_copy(r->pool, ms_session_load(ms, r));
    ms_session saved = *ms;

    apply(ms, r, wb);
    if (ms_session_fits(ms, r, "none of this response's write-back headers "
                        "was applied, the client keeps its previous cookie")) {
        return;
    }
    /* the same table object: another module may hold it */
    apr_table_clear(ms->data);
    apr_table_do(copy_back, ms->data, before, NULL);
    before = ms->data;
    *ms = saved;
    ms->data = before;
}

void ms_headers_take(request_rec *x)
{
    const ms_dir_conf *d = ms_dir_conf_get(x);
    int trusted = ms_dir_enabled(d) && ms_dir_headers(d);
    collect c;
    ms_session *ms;

    c.pool = x->pool;
    c.names = NULL;
    c.wb = trusted ? ms_writeback_make(x->pool) : NULL;
    c.error = c.error_header = NULL;

    /* err_headers_out is shared along an internal redirect chain; by the
     * time x's are read, those of the requests before it are gone. */
    collect_table(&c, x->headers_out);
    collect_table(&c, x->err_headers_out);
    if (!c.wb || c.wb->count == 0) {
        return;
    }
    if (c.error) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, x,
                      "MS00401: %s: %s; no write-back header of the response "
                      "for %s was applied", c.error_header, c.error, x->uri);
        return;
    }
    if ((ms = ms_session_for(x)) != NULL) {
        apply_if_fits(ms, x, c.wb);
    }
}

static int strip_lookalike(void *baton, const char *key, const char *value)
{
    (void)value;
    if (ms_writeback_lookalike(key)) {
        *(const char **)apr_array_push(baton) = key;
    }
    return 1;
}

void ms_headers_strip_request(request_rec *r)
{
    apr_array_header_t *names = apr_array_make(r->pool, 2, sizeof(const char *));
    int i;

    apr_table_do(strip_lookalike, names, r->headers_in, NULL);
    for (i = 0; i < names->nelts; i++) {
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(names, i, const char *));
    }
}
