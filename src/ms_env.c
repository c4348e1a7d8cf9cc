/* Environment and notes bridge (docs/bridges.md). A script must never see a
 * <prefix>* variable that is not in the session, whoever set it. */
#include "ms_env.h"
#include "ms_json.h"

#include "apr_strings.h"

/* Remove every entry whose key starts with prefix (or equals exact). */
static void unset_prefixed(apr_pool_t *p, apr_table_t *t, const char *prefix,
                           const char *exact)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_size_t plen = strlen(prefix);
    apr_array_header_t *doomed = NULL;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && (strncasecmp(e[i].key, prefix, plen) == 0
                         || (exact && strcasecmp(e[i].key, exact) == 0))) {
            if (!doomed) {
                doomed = apr_array_make(p, 4, sizeof(const char *));
            }
            *(const char **)apr_array_push(doomed) = e[i].key;
        }
    }
    for (i = 0; doomed && i < doomed->nelts; i++) {
        apr_table_unset(t, APR_ARRAY_IDX(doomed, i, const char *));
    }
}

#define NOTE_PREFIX_LEN (sizeof(MS_NOTE_PREFIX) - 1)

/* Keep [A-Za-z0-9_] (ASCII only, whatever the locale), make the rest '_';
 * returns whether any byte was changed. */
static int mangle(char *name, apr_size_t len)
{
    int renamed = 0;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char u = (unsigned char)name[i];
        if (!((u | 0x20) >= 'a' && (u | 0x20) <= 'z') && !(u >= '0' && u <= '9')
            && u != '_') {
            name[i] = '_';
            renamed = 1;
        }
    }
    return renamed;
}

/* The JSON variable: the prefix without its trailing underscores. */
static const char *json_var_name(apr_pool_t *p, const ms_dir_conf *d,
                                 const char *prefix)
{
    apr_size_t len = strlen(prefix);

    if (!d->env_prefix) {
        return MS_DEFAULT_ENV_JSON;
    }
    while (len > 1 && prefix[len - 1] == '_') {
        len--;
    }
    return apr_pstrmemdup(p, prefix, len);
}

/* The session to r->subprocess_env as <prefix><mangled key> and the JSON
 * variable, and to r->notes as marten-session:<key>. The two names of a
 * key share one allocation: this runs for every key of every request. */
static void export_session(request_rec *r, const ms_dir_conf *d,
                           const ms_session *ms)
{
    const char *prefix = ms_dir_env_prefix(d);
    const char *json_name = json_var_name(r->pool, d, prefix);
    const char *json = ms_session_json(ms, r->pool);
    const apr_array_header_t *arr = apr_table_elts(ms->data);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_size_t plen = strlen(prefix);
    /* The prefix was just cleared and the session's keys are unique, so
     * a name is new unless two map to it (a table handed out may hold a
     * key twice, renamed keys may meet, and with a prefix such as "S" the
     * empty key is named as the JSON): then search, and the last wins. */
    int search = ms->table_exposed, i;

    unset_prefixed(r->pool, r->subprocess_env, prefix, json_name);
    unset_prefixed(r->pool, r->notes, MS_NOTE_PREFIX, NULL);
    for (i = 0; i < arr->nelts; i++) {
        apr_size_t klen;
        char *var, *note;

        if (!e[i].key || !e[i].val) {
            continue;
        }
        klen = strlen(e[i].key);
        var = apr_palloc(r->pool, plen + NOTE_PREFIX_LEN + 2 * klen + 2);
        note = var + plen + klen + 1;
        memcpy(var, prefix, plen);
        memcpy(var + plen, e[i].key, klen);
        var[plen + klen] = '\0';
        memcpy(note, MS_NOTE_PREFIX, NOTE_PREFIX_LEN);
        memcpy(note + NOTE_PREFIX_LEN, e[i].key, klen + 1);
        search |= mangle(var + plen, klen) || klen == 0;
        if (search) {
            apr_table_setn(r->subprocess_env, var, e[i].val);
        }
        else {
            apr_table_addn(r->subprocess_env, var, e[i].val);
        }
        /* the prefix was cleared: add, no search; the values live in the
         * client request's pool, which outlives r's notes */
        apr_table_addn(r->notes, note, e[i].val);
    }
    if (search) {
        apr_table_setn(r->subprocess_env, json_name, json);
    }
    else {
        apr_table_addn(r->subprocess_env, json_name, json);
    }
}

void ms_env_refresh_notes(ms_session *ms, request_rec *r)
{
    const apr_array_header_t *arr;
    const apr_table_entry_t *e;
    int i;

    unset_prefixed(r->pool, r->notes, MS_NOTE_PREFIX, NULL);
    if (!ms->loaded) {
        return;
    }
    arr = apr_table_elts(ms->data);
    e = (const apr_table_entry_t *)arr->elts;
    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && e[i].val) {
            apr_table_addn(r->notes, apr_pstrcat(r->pool, MS_NOTE_PREFIX,
                                                 e[i].key, NULL), e[i].val);
        }
    }
}

int ms_env_fixups(request_rec *r)
{
    const ms_dir_conf *d = ms_dir_conf_get(r);
    ms_session *ms;

    if (!ms_dir_enabled(d) || !ms_dir_env(d) || !(ms = ms_session_for(r))) {
        return DECLINED;
    }
    ms_session_load(ms, r);
    export_session(r, d, ms);
    return DECLINED;
}
