/* Access control from the session: the "marten-session" authorization
 * provider, so that
 *     Require marten-session KEY [VALUE ...]
 * grants access when the session holds KEY (with one of the VALUEs, if any
 * are given), and composes with <RequireAll>, <RequireAny>, <RequireNone>
 * and "Require not" like httpd's own providers. */
#ifndef MS_AUTHZ_H
#define MS_AUTHZ_H

#include "ms_glue.h"

/* Register the provider and its login hook (from register_hooks). */
void ms_authz_register(apr_pool_t *p);

#endif
