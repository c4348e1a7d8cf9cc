/* Write-back headers: how a CGI script or a proxied application changes the
 * session, with X-Marten-Session-* response headers (docs/bridges.md). Parsing is
 * strict and all-or-nothing; applying is the glue's job. */
#ifndef MS_WRITEBACK_H
#define MS_WRITEBACK_H

#include <apr_pools.h>
#include <apr_tables.h>

#define MS_WB_PREFIX        "X-Marten-Session-"
#define MS_WB_MAX_KEY       256
#define MS_WB_MAX_VALUE     4096

typedef enum {
    MS_WB_FLUSH = 0,              /* X-Marten-Session-Flush: 1 */
    MS_WB_DELETE,                 /* X-Marten-Session-Delete: key[, key...] */
    MS_WB_SET,                    /* X-Marten-Session-Set: key=value[, ...] */
    MS_WB_CYCLE_KEY,              /* X-Marten-Session-Cycle-Key: 1 */
    MS_WB_EXPIRES_IN,             /* X-Marten-Session-Expires-In: seconds */
    MS_WB_BROWSER_CLOSE,          /* X-Marten-Session-Expires-At-Browser-Close: 1|0 */
    MS_WB_UNKNOWN
} ms_wb_kind;

typedef struct ms_wb_pair {
    const char *key;
    const char *value;
} ms_wb_pair;

/* Everything one response asked for, in the order it is applied:
 * flush, deletes, sets, cycle, expires-in, browser-close. */
typedef struct ms_writeback {
    int count;                    /* headers seen */
    int flush;
    apr_array_header_t *deletes;  /* const char * */
    apr_array_header_t *sets;     /* ms_wb_pair */
    int cycle_key;
    long long expires_in;         /* 0: not asked */
    int browser_close;            /* -1: not asked, else 0 or 1 */
} ms_writeback;

/* Does a header name read as ours with '_' for any '-' (any case)? httpd
 * turns both into the same CGI variable, and proxies may pass either. */
int ms_writeback_lookalike(const char *header_name);

/* The kind named by a full header name (case-insensitive), MS_WB_UNKNOWN for
 * other X-Marten-Session-* names; -1 if the name lacks the prefix. */
int ms_writeback_kind(const char *header_name);

ms_writeback *ms_writeback_make(apr_pool_t *p);

/* Parse one header value of the given kind into wb. Returns NULL, or a
 * reason (a fixed phrase that quotes no data) when the value is malformed.
 * Values httpd joined with ", " are split; items are percent-decoded. */
const char *ms_writeback_add(ms_writeback *wb, ms_wb_kind kind,
                             const char *value, apr_pool_t *p);

#endif
