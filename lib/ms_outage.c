/* Outage counting for the log (see ms_outage.h). */
#include <apr_atomic.h>

#include "ms_outage.h"

ms_outage_verdict ms_outage_fail(ms_outage *o, apr_uint32_t now,
                                 apr_uint32_t interval, apr_uint32_t *n,
                                 apr_uint32_t *since)
{
    apr_uint32_t line = apr_atomic_read32(&o->line);

    if (now == 0) {
        now = 1;                    /* 0 means "not failing" */
    }
    if (line == 0 && apr_atomic_cas32(&o->line, now, 0) == 0) {
        apr_atomic_set32(&o->began, now);
        apr_atomic_set32(&o->count, 0);
        apr_atomic_set32(&o->total, 1);
        return MS_OUTAGE_FIRST;
    }
    apr_atomic_inc32(&o->count);
    apr_atomic_inc32(&o->total);
    line = apr_atomic_read32(&o->line);
    /* line 0: recovered meanwhile; now < line: another process's clock
     * ran ahead; either way no summary is due */
    if (line == 0 || now < line || now - line < interval
        || apr_atomic_cas32(&o->line, now, line) != line) {
        return MS_OUTAGE_QUIET;
    }
    *n = apr_atomic_xchg32(&o->count, 0);
    *since = line;
    return MS_OUTAGE_SUMMARY;
}

int ms_outage_recover(ms_outage *o, apr_uint32_t *total, apr_uint32_t *began)
{
    apr_uint32_t line = apr_atomic_read32(&o->line);

    if (line == 0 || apr_atomic_cas32(&o->line, 0, line) != line) {
        return 0;
    }
    *began = apr_atomic_read32(&o->began);
    *total = apr_atomic_xchg32(&o->total, 0);
    apr_atomic_set32(&o->count, 0);
    return 1;
}
