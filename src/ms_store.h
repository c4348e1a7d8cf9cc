/* The store registry: MartenSessionStore picks a provider registered in the
 * MARTEN_SESSION_STORE_GROUP, the way ap_socache.h providers are picked. */
#ifndef MS_STORE_H
#define MS_STORE_H

#include "ms_config.h"
#include "ms_store_log.h"

const char *ms_store_set(cmd_parms *cmd, void *dconf, int argc, char *const argv[]);

/* The store of server s (the cookie store unless configured otherwise). */
const marten_session_store *ms_store_of(const ms_server_conf *sc);
marten_session_store_instance *ms_store_instance_of(const ms_server_conf *sc);

/* Does the store of sc keep a session's start and last-seen times whatever
 * the cookie format? The cookie store, named or by default, keeps them only
 * in the sealed format. */
int ms_store_keeps_times(const ms_server_conf *sc);

/* Run each configured store's init (post_config) / child_init hook once per
 * distinct instance. */
int ms_store_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                         server_rec *s);
void ms_store_child_init(apr_pool_t *pchild, server_rec *s);

#endif
