/* Output filters.
 *
 * MARTEN_SESSION runs once, on the first brigade of the client's response,
 * before the HTTP header filter, then steps out of the chain. Order:
 * write-back headers of the final request, save, then the notes the access
 * log reads.
 *
 * MARTEN_SESSION_SUB sits in each sub-request with sessions (mod_include's
 * <!--#include virtual-->, another module's ap_run_sub_req). It takes the
 * sub-request's own write-back headers, judged by the sub-request's
 * configuration, and makes sure the session is saved even when the page
 * around it has sessions off: either the client's MARTEN_SESSION filter is
 * still ahead of this output, or it saves the session itself before the
 * sub-request's first bytes take the response headers out. */
#include "ms_filter.h"
#include "ms_context.h"
#include "ms_env.h"
#include "ms_headers.h"

#include "util_filter.h"

#define MS_FILTER_NAME     "MARTEN_SESSION"
#define MS_SUB_FILTER_NAME "MARTEN_SESSION_SUB"

static ap_filter_rec_t *filter_handle;
static ap_filter_rec_t *sub_filter_handle;

/* Nothing but flushes and empty data buckets (or nothing at all): such a
 * brigade commits nothing. mod_include, for one, passes one before it runs
 * its first <!--#include-->, leaving empty buckets where it cut one out. */
static int only_flushes(apr_bucket_brigade *bb)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        if (APR_BUCKET_IS_METADATA(b) ? !APR_BUCKET_IS_FLUSH(b) : b->length != 0) {
            return 0;
        }
    }
    return 1;
}

static int has_data(apr_bucket_brigade *bb)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        if (!APR_BUCKET_IS_METADATA(b) && b->length != 0) {
            return 1;
        }
    }
    return 0;
}

/* Save the session on the response of r (the request being answered). */
static void finish(ms_session *ms, request_rec *r)
{
    ms_session_finish(ms, r);
    /* the access log's notes: with MartenSessionEnv the fixups set them,
     * so only a change needs new ones; else whenever the session was read */
    if (ms->loaded && (ms->modified || !ms_dir_env(ms->conf))) {
        ms_env_refresh_notes(ms, r);
    }
}

static apr_status_t session_out_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    ms_session *ms;

    if (only_flushes(bb)) {
        /* passed on, it would send the headers before an included page
         * could touch the session */
        apr_brigade_cleanup(bb);
        return APR_SUCCESS;
    }
    if (f->ctx && f->r->sent_bodyct) {
        /* put in by a sub-request's filter after the page had begun */
        if ((ms = ms_session_existing(f->r)) != NULL) {
            ms_session_too_late(ms, f->r);
        }
        ap_remove_output_filter(f);
        return ap_pass_brigade(f->next, bb);
    }
    ms_headers_take(f->r);
    /* Even an untouched session is marked answered, so a sub-request that
     * changes it after this point is told it is too late (MS00205). */
    ms = ms_session_existing(f->r);
    if (!ms) {
        ms = ms_session_for(f->r);
    }
    if (ms && !ms->loaded && ms_dir_idle_timeout(ms->conf) > 0) {
        /* With an idle timeout every request is activity: read the session
         * so a due touch can refresh it. */
        ms_session_load(ms, f->r);
    }
    if (ms) {
        finish(ms, f->r);
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* Is the MARTEN_SESSION filter of r in the chain from f on? */
static int saver_in_chain(const ap_filter_t *f, const request_rec *r)
{
    for (; f; f = f->next) {
        if (f->frec == filter_handle && f->r == r) {
            return 1;
        }
    }
    return 0;
}

static apr_status_t session_sub_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *main = f->r;
    ms_session *ms;

    if (!f->ctx) {
        /* the handler has set its headers once its output begins */
        f->ctx = f;
        ms_headers_take(f->r);
    }
    if (only_flushes(bb)) {
        return ap_pass_brigade(f->next, bb);     /* wait for more */
    }
    while (main->main) {
        main = main->main;
    }
    ms = ms_session_existing(main);
    if (ms && ms->loaded && !ms->saved && !saver_in_chain(f->next, main)) {
        if (main->sent_bodyct) {
            ms_session_too_late(ms, main);       /* the page began without it */
        }
        else if (has_data(bb)) {
            /* these bytes take the client's headers out: save now */
            finish(ms, main);
        }
        else if (!saver_in_chain(main->output_filters, main)) {
            /* nothing sent yet: the rest of the page's output saves it */
            ap_add_output_filter_handle(filter_handle, (void *)"late", main,
                                        main->connection);
        }
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

void ms_filter_register(apr_pool_t *p)
{
    (void)p;
    filter_handle = ap_register_output_filter(MS_FILTER_NAME, session_out_filter,
                                              NULL, AP_FTYPE_CONTENT_SET);
    /* ahead of SUBREQ_CORE (content set), which swallows the sub-request's
     * end of stream: a sub-request with no output must still be seen out */
    sub_filter_handle = ap_register_output_filter(MS_SUB_FILTER_NAME,
                                                  session_sub_filter, NULL,
                                                  AP_FTYPE_RESOURCE);
}

/* For insert_filter and insert_error_filter. The client's request answers
 * with headers; a session begun before an internal redirect into a
 * location without sessions is still saved. */
void ms_filter_insert(request_rec *r)
{
    int on = ms_dir_enabled(ms_dir_conf_get(r));

    if (r->main) {
        if (on) {
            ap_add_output_filter_handle(sub_filter_handle, NULL, r, r->connection);
        }
        return;
    }
    if (on || ms_session_existing(r)) {
        ap_add_output_filter_handle(filter_handle, NULL, r, r->connection);
    }
}

int ms_filter_create_request(request_rec *r)
{
    /* Leaving a request for an internal redirect: what its handler said
     * is judged by its configuration, not by the next one's. */
    if (r->prev) {
        ms_headers_take(r->prev);
    }
    return DECLINED;
}
