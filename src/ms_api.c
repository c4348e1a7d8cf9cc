/* Optional functions for other modules (static, under the names that
 * APR_REGISTER_OPTIONAL_FN publishes). Each finds the client request's
 * session (loading it on first use); with sessions off for r, getters
 * return NULL and mutators APR_ENOTIMPL. */
#include "ms_api.h"
#include "ms_context.h"
#include "ms_json.h"

#include "mod_marten_session.h"

static apr_table_t *marten_session_table(request_rec *r)
{
    ms_session *ms = ms_session_for(r);
    apr_table_t *t;

    if (!ms) {
        return NULL;
    }
    t = ms_session_load(ms, r);
    if (!ms->table_exposed) {
        /* Remember what was handed out, to notice direct edits at save. */
        ms->snapshot = ms_session_json(ms, ms->pool);
        ms->table_exposed = 1;
    }
    return t;
}

static const char *marten_session_get(request_rec *r, const char *key)
{
    ms_session *ms = ms_session_for(r);

    if (!ms || !key) {
        return NULL;
    }
    return apr_table_get(ms_session_load(ms, r), key);
}

static apr_status_t marten_session_set(request_rec *r, const char *key, const char *value)
{
    ms_session *ms = ms_session_for(r);
    apr_table_t *t;
    const char *old;

    if (!ms) {
        return APR_ENOTIMPL;
    }
    if (!key || !value) {        /* "" is a key like any other */
        return APR_EINVAL;
    }
    t = ms_session_load(ms, r);
    old = apr_table_get(t, key);
    apr_table_set(t, key, value);
    if (!ms_session_fits(ms, r, NULL)) {
        /* put it back as it was (apr_table_set keeps the key's place) */
        if (old) {
            apr_table_set(t, key, old);
        }
        else {
            apr_table_unset(t, key);
        }
        return APR_ENOSPC;
    }
    ms_session_mark_modified(ms, r);
    return APR_SUCCESS;
}

static apr_status_t marten_session_delete(request_rec *r, const char *key)
{
    ms_session *ms = ms_session_for(r);

    if (!ms) {
        return APR_ENOTIMPL;
    }
    if (!key) {
        return APR_EINVAL;
    }
    apr_table_unset(ms_session_load(ms, r), key);
    ms_session_mark_modified(ms, r);
    return APR_SUCCESS;
}

static apr_status_t marten_session_flush(request_rec *r)
{
    ms_session *ms = ms_session_for(r);

    if (!ms) {
        return APR_ENOTIMPL;
    }
    ms_session_flush(ms, r);
    return APR_SUCCESS;
}

static apr_status_t marten_session_cycle_key(request_rec *r)
{
    ms_session *ms = ms_session_for(r);

    if (!ms) {
        return APR_ENOTIMPL;
    }
    ms_session_cycle(ms, r);
    return APR_SUCCESS;
}

static apr_status_t marten_session_set_expires_in(request_rec *r, apr_int64_t seconds)
{
    ms_session *ms = ms_session_for(r);
    apr_int64_t previous;

    if (!ms) {
        return APR_ENOTIMPL;
    }
    if (seconds < 1 || seconds > MS_MAX_MAX_AGE) {
        return APR_EINVAL;
    }
    ms_session_load(ms, r);
    previous = ms->expires_in;
    ms->expires_in = seconds;
    /* a longer Max-Age is a longer Set-Cookie header */
    if (!ms_session_fits(ms, r, NULL)) {
        ms->expires_in = previous;
        return APR_ENOSPC;
    }
    ms_session_mark_modified(ms, r);
    return APR_SUCCESS;
}

static apr_status_t marten_session_set_expires_at_browser_close(request_rec *r, int on)
{
    ms_session *ms = ms_session_for(r);

    if (!ms) {
        return APR_ENOTIMPL;
    }
    ms_session_load(ms, r);
    ms->browser_close = on ? 1 : 0;
    ms_session_mark_modified(ms, r);
    return APR_SUCCESS;
}

void ms_api_register(void)
{
    APR_REGISTER_OPTIONAL_FN(marten_session_table);
    APR_REGISTER_OPTIONAL_FN(marten_session_get);
    APR_REGISTER_OPTIONAL_FN(marten_session_set);
    APR_REGISTER_OPTIONAL_FN(marten_session_delete);
    APR_REGISTER_OPTIONAL_FN(marten_session_flush);
    APR_REGISTER_OPTIONAL_FN(marten_session_cycle_key);
    APR_REGISTER_OPTIONAL_FN(marten_session_set_expires_in);
    APR_REGISTER_OPTIONAL_FN(marten_session_set_expires_at_browser_close);
}
