/* Environment and notes bridge (DESIGN §5). A script must never see a
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

/* <prefix><key> with every byte outside [A-Za-z0-9_] turned into '_'. */
/* prefix + key in one allocation (this runs for every key of every request) */
static char *join(apr_pool_t *p, const char *prefix, apr_size_t plen,
                  const char *key)
{
    apr_size_t klen = strlen(key);
    char *s = apr_palloc(p, plen + klen + 1);

    memcpy(s, prefix, plen);
    memcpy(s + plen, key, klen + 1);
    return s;
}

static const char *var_name(apr_pool_t *p, const char *prefix, const char *key,
                            int *renamed)
{
    apr_size_t plen = strlen(prefix);
    char *name = join(p, prefix, plen, key);
    char *c;

    *renamed = 0;
    for (c = name + plen; *c; c++) {
        /* ASCII only, whatever the locale: [A-Za-z0-9_] is kept */
        unsigned char u = (unsigned char)*c;
        if (!((u | 0x20) >= 'a' && (u | 0x20) <= 'z') && !(u >= '0' && u <= '9')
            && u != '_') {
            *c = '_';
            *renamed = 1;
        }
    }
    return name;
}

/* The JSON variable: the prefix without its trailing underscores. */
static const char *json_var_name(apr_pool_t *p, const char *prefix)
{
    apr_size_t len = strlen(prefix);

    while (len > 1 && prefix[len - 1] == '_') {
        len--;
    }
    return apr_pstrmemdup(p, prefix, len);
}

static void export_env(request_rec *r, const ms_dir_conf *d, const ms_session *ms)
{
    const char *prefix = ms_dir_env_prefix(d);
    const char *json_name = json_var_name(r->pool, prefix);
    const apr_array_header_t *arr = apr_table_elts(ms->data);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    /* The prefix was just cleared and the session's keys are unique, so
     * a name is new unless two map to it (a table handed out may hold a
     * key twice, renamed keys may meet, and with a prefix such as "S" the
     * empty key is named as the JSON): then search, and the last wins. */
    int search = ms->table_exposed, renamed, i;

    unset_prefixed(r->pool, r->subprocess_env, prefix, json_name);
    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && e[i].val) {
            const char *name = var_name(r->pool, prefix, e[i].key, &renamed);
            search |= renamed || !*e[i].key;
            if (search) {
                apr_table_setn(r->subprocess_env, name, e[i].val);
            }
            else {
                apr_table_addn(r->subprocess_env, name, e[i].val);
            }
        }
    }
    if (search) {
        apr_table_setn(r->subprocess_env, json_name, ms_session_json(ms, r->pool));
    }
    else {
        apr_table_addn(r->subprocess_env, json_name, ms_session_json(ms, r->pool));
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
            /* the prefix was just cleared: add, no search; the values live
             * in the client request's pool, which outlives r's notes */
            apr_table_addn(r->notes,
                           join(r->pool, MS_NOTE_PREFIX, sizeof(MS_NOTE_PREFIX) - 1,
                                e[i].key), e[i].val);
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
    export_env(r, d, ms);
    ms_env_refresh_notes(ms, r);
    return DECLINED;
}
