/* The two time formats of the Marten cookie: RFC 3339 in the signed
 * envelope, and ISO 8601 as Crystal reads it. */
#ifndef MS_TIME_H
#define MS_TIME_H

#include <apr_time.h>

#define MS_RFC3339_LEN 20 /* "YYYY-MM-DDTHH:MM:SSZ" */

/* Write t (UTC, truncated to whole seconds) as YYYY-MM-DDTHH:MM:SSZ into
 * out, which holds MS_RFC3339_LEN + 1 bytes. t is clamped to
 * 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z so the output always fits. */
void ms_time_format_rfc3339(apr_time_t t, char *out);

/* Parse an ISO 8601 date-time as Crystal's Time.parse_iso8601 accepts it
 * for what Marten writes and its common variants:
 *   extended "2099-01-01T00:00:00Z" and basic "20990101T000000Z";
 *   zone "Z", "z", "+HH:MM", "+HHMM" (and '-'); fractions with '.' or ',';
 *   seconds may be omitted ("2099-01-01T00:00Z").
 * Each field has exactly its digits (YYYY, MM, ...); years 0001-9999.
 * Rejected: a space or 't' for 'T', "+HH" alone, a missing zone, week and
 * ordinal dates, decimal hours or minutes, out-of-range fields (second 60
 * too), trailing bytes. Fractions of a second are dropped (truncated).
 * Returns APR_SUCCESS or APR_EINVAL. */
apr_status_t ms_time_parse_iso8601(const char *s, apr_size_t len,
                                   apr_time_t *t);

#endif
