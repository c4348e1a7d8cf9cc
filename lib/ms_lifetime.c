/* Lifetime arithmetic (see ms_lifetime.h). */
#include "ms_lifetime.h"

ms_lifetime_status ms_lifetime_check(const ms_lifetime_policy *pol,
                                     apr_time_t issued, apr_time_t seen,
                                     apr_time_t now)
{
    /* A time nobody vouched for cannot be counted from: such a session
     * would otherwise outlive the limit. */
    if ((pol->max_lifetime > 0 && issued <= 0) || (pol->idle > 0 && seen <= 0))
        return MS_LIFETIME_UNKNOWN;
    if (pol->max_lifetime > 0
        && now >= issued + apr_time_from_sec(pol->max_lifetime))
        return MS_LIFETIME_MAX;
    if (pol->idle > 0 && now >= seen + apr_time_from_sec(pol->idle))
        return MS_LIFETIME_IDLE;
    return MS_LIFETIME_OK;
}

apr_int64_t ms_lifetime_touch_interval(const ms_lifetime_policy *pol)
{
    apr_int64_t t;

    if (pol->idle <= 0)
        return 0;
    if (pol->touch_interval > 0)
        return pol->touch_interval;
    t = pol->idle / 10;
    if (t > MS_TOUCH_INTERVAL_CAP)
        t = MS_TOUCH_INTERVAL_CAP;
    return t < 1 ? 1 : t;
}

int ms_lifetime_touch_due(const ms_lifetime_policy *pol, apr_time_t seen,
                          apr_time_t now)
{
    apr_int64_t every = ms_lifetime_touch_interval(pol);

    return every > 0 && now >= seen + apr_time_from_sec(every);
}

apr_time_t ms_lifetime_expires(const ms_lifetime_policy *pol,
                               apr_time_t issued, apr_time_t now,
                               apr_int64_t lifetime)
{
    apr_time_t e = now + apr_time_from_sec(lifetime);

    if (pol->max_lifetime > 0 && issued > 0
        && issued + apr_time_from_sec(pol->max_lifetime) < e)
        e = issued + apr_time_from_sec(pol->max_lifetime);
    return e;
}

const char *ms_lifetime_status_str(ms_lifetime_status st)
{
    switch (st) {
    case MS_LIFETIME_OK:   return "ok";
    case MS_LIFETIME_IDLE: return "idle timeout passed";
    case MS_LIFETIME_MAX:  return "maximum lifetime passed";
    case MS_LIFETIME_UNKNOWN:
        return "no authenticated start or last-seen time to count a limit from";
    }
    return "unknown lifetime status";
}
