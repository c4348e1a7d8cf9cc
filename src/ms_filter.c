/* Output filter: runs once, on the first brigade of the client's response,
 * before the HTTP header filter, then steps out of the chain. Order:
 * write-back headers, save, then the notes the access log reads. */
#include "ms_filter.h"
#include "ms_context.h"
#include "ms_env.h"
#include "ms_headers.h"

#include "util_filter.h"

#define MS_FILTER_NAME "MARTEN_SESSION"

static ap_filter_rec_t *filter_handle;

static apr_status_t session_out_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    ms_session *ms;

    ms_headers_apply(f->r);
    ms = ms_session_existing(f->r);
    if (!ms && ms_dir_idle_timeout(ms_dir_conf_get(f->r)) > 0) {
        /* With an idle timeout every request is activity: read the session
         * so a due touch can refresh it. */
        ms = ms_session_for(f->r);
    }
    if (ms && !ms->loaded && ms_dir_idle_timeout(ms->conf) > 0) {
        ms_session_load(ms, f->r);
    }
    if (ms) {
        ms_session_finish(ms, f->r);
        /* the access log's notes: with MartenSessionEnv the fixups set
         * them, so only a change needs new ones; else whenever read */
        if (ms->modified || !ms_dir_env(ms->conf)) {
            ms_env_refresh_notes(ms, f->r);
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
}

/* For insert_filter and insert_error_filter. Only the client's request
 * answers with headers; a session begun before an internal redirect into a
 * location without sessions is still saved. */
void ms_filter_insert(request_rec *r)
{
    if (r->main) {
        return;
    }
    if (ms_dir_enabled(ms_dir_conf_get(r)) || ms_session_existing(r)) {
        ap_add_output_filter_handle(filter_handle, NULL, r, r->connection);
    }
}
