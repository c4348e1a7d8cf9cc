/* Store selection and per-process setup. */
#include "ms_store.h"
#include "ms_store_cookie.h"

#include "ap_provider.h"
#include "apr_strings.h"

const char *ms_store_set(cmd_parms *cmd, void *dconf, int argc, char *const argv[])
{
    ms_server_conf *sc = ms_server_conf_get(cmd->server);
    const marten_session_store *store;
    marten_session_store_instance *instance = NULL;
    const char *err;

    (void)dconf;
    if (argc < 1) {
        return apr_psprintf(cmd->pool, "%s needs a store name", cmd->cmd->name);
    }
    store = ap_lookup_provider(MARTEN_SESSION_STORE_GROUP, argv[0],
                               MARTEN_SESSION_STORE_VERSION);
    if (!store) {
        return apr_psprintf(cmd->pool, "%s: unknown store '%s' (is the module "
                            "that provides it loaded before this line?)",
                            cmd->cmd->name, argv[0]);
    }
    err = store->create(&instance, argc - 1, argv + 1, cmd->temp_pool, cmd->pool);
    if (err) {
        return apr_psprintf(cmd->pool, "%s %s: %s", cmd->cmd->name, argv[0], err);
    }
    /* the core talks to a server-side store through a layer that watches
     * for outages (ms_store_log.c); the cookie store has none, and named
     * it must stay the very store the default is */
    if (store != &ms_store_cookie) {
        ms_store_watch(&store, &instance, cmd->pool);
    }
    sc->store = store;
    sc->store_instance = instance;
    sc->store_name = apr_pstrdup(cmd->pool, argv[0]);
    return NULL;
}

const marten_session_store *ms_store_of(const ms_server_conf *sc)
{
    return sc->store ? sc->store : &ms_store_cookie;
}

int ms_store_keeps_times(const ms_server_conf *sc)
{
    return ms_store_of(sc) != &ms_store_cookie;
}

marten_session_store_instance *ms_store_instance_of(const ms_server_conf *sc)
{
    return sc->store ? sc->store_instance : NULL;
}

/* Virtual hosts inherit the main server's store: initialise each instance
 * once, not once per server that points at it. */
static int seen_before(server_rec *first, server_rec *upto,
                       marten_session_store_instance *instance)
{
    server_rec *s;
    for (s = first; s && s != upto; s = s->next) {
        if (ms_server_conf_get(s)->store_instance == instance) {
            return 1;
        }
    }
    return 0;
}

int ms_store_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                         server_rec *s)
{
    server_rec *it;

    (void)plog;
    for (it = s; it; it = it->next) {
        ms_server_conf *sc = ms_server_conf_get(it);
        apr_status_t rv;

        if (!sc->store || !sc->store->init || seen_before(s, it, sc->store_instance)) {
            continue;
        }
        rv = sc->store->init(sc->store_instance, it, pconf, ptemp);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, it,
                         "MS00302: MartenSessionStore %s: initialisation failed",
                         sc->store_name);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

void ms_store_child_init(apr_pool_t *pchild, server_rec *s)
{
    server_rec *it;

    for (it = s; it; it = it->next) {
        ms_server_conf *sc = ms_server_conf_get(it);
        apr_status_t rv;

        if (!sc->store || !sc->store->child_init
            || seen_before(s, it, sc->store_instance)) {
            continue;
        }
        rv = sc->store->child_init(sc->store_instance, it, pchild);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, it,
                         "MS00303: MartenSessionStore %s: child initialisation "
                         "failed; sessions in this process will be empty",
                         sc->store_name);
        }
    }
}
