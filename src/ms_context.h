/* The session of one client request: found through any sub-request or
 * internal redirect, loaded on first use, saved once by the output filter. */
#ifndef MS_CONTEXT_H
#define MS_CONTEXT_H

#include "ms_config.h"

typedef struct ms_session {
    apr_pool_t *pool;             /* the client request's: outlives sub-requests */
    const ms_dir_conf *conf;      /* of the request that made the session */
    const char *key_in;           /* store key from the client's cookie, or NULL */
    apr_table_t *data;            /* the live session table (once loaded) */
    const char *snapshot;         /* data when the table was handed out, as JSON */
    const char *loaded_json;      /* the JSON loaded, when data writes back as it */
    apr_time_t loaded_expires;
    apr_time_t issued;            /* authenticated start; 0: unknown */
    apr_time_t seen;              /* authenticated last save or touch; 0: unknown */
    apr_int64_t expires_in;       /* seconds; 0: MartenSessionCookieMaxAge */
    int browser_close;            /* MS_UNSET, 0 or 1 */
    unsigned loaded : 1;
    unsigned accessed : 1;        /* read or written: Vary: Cookie */
    unsigned modified : 1;        /* must be saved */
    unsigned table_exposed : 1;   /* marten_session_table() handed it out */
    unsigned new_key : 1;         /* flush or cycle: the old key must go */
    unsigned key_rejected : 1;    /* client sent a key the store did not know */
    unsigned store_failed : 1;    /* the store could not answer */
    unsigned saved : 1;
    unsigned late_change_logged : 1;  /* MS00205 said once */
} ms_session;

/* The session for r, or NULL when sessions are off for r. Creates the
 * (empty, unloaded) context on first call; decodes nothing. */
ms_session *ms_session_for(request_rec *r);

/* The session Require marten-session judges for r: the request's own when
 * it was read under r's cookie name, else one read (never saved) under r's
 * configuration, so a cookie of another location grants nothing here.
 * NULL when sessions are off for r. */
ms_session *ms_session_read_as(request_rec *r);

/* The session for r if one was already created, else NULL. */
ms_session *ms_session_existing(request_rec *r);

/* Load the session from the store once (sets accessed). Returns the table. */
apr_table_t *ms_session_load(ms_session *ms, request_rec *r);

/* The loaded session as JSON (ms_table_to_json's bytes), from p. The text
 * the store gave is reused while nothing can have changed it. */
const char *ms_session_json(const ms_session *ms, apr_pool_t *p);

/* Mutations through the API or write-back headers. A change after the
 * session was saved is logged (MS00205, once) and is not saved. */
void ms_session_mark_modified(ms_session *ms, request_rec *r);
void ms_session_flush(ms_session *ms, request_rec *r);
void ms_session_cycle(ms_session *ms, request_rec *r);

/* Would the session, as it is now, fit in the cookie(s) the browser keeps?
 * Always for server-side stores (the cookie carries only the key). When it
 * would not and what is given, an MS00202 error with the size and the limit
 * ends with what (what was done instead). */
int ms_session_fits(ms_session *ms, request_rec *r, const char *what);

/* The response of r went out without the session (its headers were sent
 * before the session was first touched, by a sub-request): no save; a
 * change is logged (MS00205). */
void ms_session_too_late(ms_session *ms, request_rec *r);

/* Called once per client request when the response starts: Vary, store
 * save or destroy, and the Set-Cookie header. r is the final request. */
void ms_session_finish(ms_session *ms, request_rec *r);

#endif
