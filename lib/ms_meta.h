/* Times for server-side stores. Their payload is the session's JSON; when a
 * timeout is configured the core adds one reserved member in front,
 *     {"\u0000ms":"<issued>,<seen>", ...the session's members...}
 * (Unix seconds). No session key can collide with it: keys are C strings
 * and cannot hold U+0000. The store keeps the text as it is, so the times
 * are exactly as trustworthy as the store itself. */
#ifndef MS_META_H
#define MS_META_H

#include <apr_pools.h>
#include <apr_time.h>

/* json (a JSON object) with the member in front, from p. */
char *ms_meta_wrap(const char *json, apr_time_t issued, apr_time_t seen,
                   apr_pool_t *p);

/* The session's JSON without the member, and its times; a payload without
 * it is returned as it is, with both times 0 (unknown). A malformed member
 * gives NULL. */
const char *ms_meta_unwrap(const char *payload, apr_pool_t *p,
                           apr_time_t *issued, apr_time_t *seen);

#endif
