/* Session lifetime policy: the idle timeout, the maximum lifetime and the
 * touch throttle, decided from authenticated times only. Pure arithmetic,
 * shared by every store. All values in whole seconds; 0 means off. */
#ifndef MS_LIFETIME_H
#define MS_LIFETIME_H

#include <apr_time.h>

#define MS_TOUCH_INTERVAL_CAP 60

typedef struct ms_lifetime_policy {
    apr_int64_t idle;             /* MartenSessionIdleTimeout */
    apr_int64_t max_lifetime;     /* MartenSessionMaxLifetime */
    apr_int64_t touch_interval;   /* MartenSessionTouchInterval; <0: default */
} ms_lifetime_policy;

typedef enum {
    MS_LIFETIME_OK = 0,
    MS_LIFETIME_IDLE,             /* not seen for the idle timeout */
    MS_LIFETIME_MAX,              /* issued longer ago than the maximum */
    MS_LIFETIME_UNKNOWN           /* a limit applies, its start time is unknown */
} ms_lifetime_status;

/* Has a session issued and last seen at these times run out as of now?
 * issued or seen 0: that time is unknown; where its limit applies the
 * session is not trusted (MS_LIFETIME_UNKNOWN), whatever its expiry says. */
ms_lifetime_status ms_lifetime_check(const ms_lifetime_policy *pol,
                                     apr_time_t issued, apr_time_t seen,
                                     apr_time_t now);

/* The effective touch interval: as configured, else a tenth of the idle
 * timeout, at most MS_TOUCH_INTERVAL_CAP, at least 1. 0 without idle. */
apr_int64_t ms_lifetime_touch_interval(const ms_lifetime_policy *pol);

/* Is a refresh of the last-seen time due for a session last seen at seen? */
int ms_lifetime_touch_due(const ms_lifetime_policy *pol, apr_time_t seen,
                          apr_time_t now);

/* The expiry of a session saved now for lifetime seconds: never after
 * issued + max_lifetime. */
apr_time_t ms_lifetime_expires(const ms_lifetime_policy *pol,
                               apr_time_t issued, apr_time_t now,
                               apr_int64_t lifetime);
const char *ms_lifetime_status_str(ms_lifetime_status st);

#endif
