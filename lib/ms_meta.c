/* The reserved times member of server-side payloads (see ms_meta.h). */
#include <apr_strings.h>
#include <string.h>

#include "ms_meta.h"

#define META_OPEN "{\"\\u0000ms\":\""

char *ms_meta_wrap(const char *json, apr_time_t issued, apr_time_t seen,
                   apr_pool_t *p)
{
    const char *rest = json + 1;         /* after '{' */

    while (*rest == ' ')
        rest++;
    return apr_psprintf(p, META_OPEN "%" APR_INT64_T_FMT ",%" APR_INT64_T_FMT
                        "\"%s%s", (apr_int64_t)apr_time_sec(issued),
                        (apr_int64_t)apr_time_sec(seen),
                        *rest == '}' ? "" : ",", rest);
}

/* Digits up to stop; -1 if none, too many, or another byte. */
static apr_int64_t number(const char **s, char stop)
{
    apr_int64_t v = 0;
    int n = 0;

    while (**s >= '0' && **s <= '9' && n < 12) {
        v = v * 10 + (**s - '0');
        (*s)++;
        n++;
    }
    if (n == 0 || **s != stop)
        return -1;
    (*s)++;
    return v;
}

const char *ms_meta_unwrap(const char *payload, apr_pool_t *p,
                           apr_time_t *issued, apr_time_t *seen)
{
    const char *s = payload;
    apr_int64_t i, n;

    *issued = *seen = 0;
    if (strncmp(s, META_OPEN, sizeof(META_OPEN) - 1) != 0)
        return payload;
    s += sizeof(META_OPEN) - 1;
    if ((i = number(&s, ',')) < 0 || (n = number(&s, '"')) < 0 || n < i)
        return NULL;
    *issued = apr_time_from_sec(i);
    *seen = apr_time_from_sec(n);
    if (*s == '}')
        return apr_pstrcat(p, "{", s, NULL);
    if (*s != ',')
        return NULL;
    return apr_pstrcat(p, "{", s + 1, NULL);
}
