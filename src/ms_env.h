/* MartenSessionEnv: the session as CGI variables and request notes. */
#ifndef MS_ENV_H
#define MS_ENV_H

#include "ms_context.h"

#define MS_NOTE_PREFIX "marten-session:"

/* fixups hook: load the session and export it to r->subprocess_env. */
int ms_env_fixups(request_rec *r);

/* Set marten-session:<key> notes on r to the session's final values,
 * dropping notes of keys that are gone, so the access log sees them. */
void ms_env_refresh_notes(ms_session *ms, request_rec *r);

#endif
