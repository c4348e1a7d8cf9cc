/* Counting a back end's outage for the log: the first failed request is
 * reported, then at most one summary per interval, then the recovery.
 *
 * The state is a few 32-bit words updated with apr_atomic only, so it can
 * live in shared memory and be used by every process and thread of a
 * server at once. Times are whole seconds (Unix time, > 0); "line" is the
 * time of the last line logged at error level, 0 while the back end works.
 * Under contention a count may be off by a request or two; no line is
 * logged twice and none is lost. */
#ifndef MS_OUTAGE_H
#define MS_OUTAGE_H

#include <apr.h>

/* At most one summary line per this many seconds. */
#define MS_OUTAGE_INTERVAL 60

typedef struct ms_outage {
    volatile apr_uint32_t line;    /* last error line; 0: not failing */
    volatile apr_uint32_t began;   /* first failure of this outage */
    volatile apr_uint32_t count;   /* failed requests since the last line */
    volatile apr_uint32_t total;   /* failed requests in this outage */
} ms_outage;

typedef enum {
    MS_OUTAGE_FIRST,    /* the outage begins: log this failure at error */
    MS_OUTAGE_QUIET,    /* counted; log at debug */
    MS_OUTAGE_SUMMARY   /* counted; time for the summary line too */
} ms_outage_verdict;

/* A request failed at time now. For MS_OUTAGE_SUMMARY, *n is the number
 * of failed requests since *since (the previous error line), this one
 * included; both are reset for the next interval. */
ms_outage_verdict ms_outage_fail(ms_outage *o, apr_uint32_t now,
                                 apr_uint32_t interval, apr_uint32_t *n,
                                 apr_uint32_t *since);

/* A request succeeded. 1 exactly once per outage, for the caller that
 * ends it: *total failed requests since *began. 0 otherwise (cheap: one
 * atomic read while nothing fails). */
int ms_outage_recover(ms_outage *o, apr_uint32_t *total, apr_uint32_t *began);

#endif
