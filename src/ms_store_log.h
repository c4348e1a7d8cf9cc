/* Store failures in the error log: one error line when a store starts
 * failing, at most one summary a minute while it goes on (MS00106), one
 * line when it answers again (MS00107), each request's own lines at debug
 * in between. The state is per store instance and shared by every child
 * of the server. */
#ifndef MS_STORE_LOG_H
#define MS_STORE_LOG_H

#include "ms_config.h"

/* Put a watching layer between the core and a provider's instance: the
 * core calls *store and *instance as before, and the layer sees every
 * outcome. */
void ms_store_watch(const marten_session_store **store,
                    marten_session_store_instance **instance, apr_pool_t *p);

/* Log a store failure of request r:
 *     CODE: MartenSessionStore NAME: WHAT for URI: REASON; THEN
 * REASON is what the store said (MARTEN_SESSION_STORE_REASON_NOTE), else
 * rv. At error level for the request that opens an outage (and its other
 * lines), at debug for the requests after it. */
void ms_store_log_failure(request_rec *r, apr_status_t rv, const char *code,
                          const char *name, const char *what, const char *then);

#endif
