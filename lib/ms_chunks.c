/* Chunked cookie values (see ms_chunks.h). */
#include <string.h>

#include <apr_strings.h>

#include "ms_chunks.h"

static apr_size_t prefix_len(int n)
{
    return n < 10 ? 2 : 3;               /* "n:" or "nn:" */
}

int ms_chunks_needed(apr_size_t len, const apr_size_t *caps, int max_n)
{
    apr_size_t room;
    int n, i;

    if (len == 0)
        return 0;
    for (n = 1; n <= max_n; n++) {
        apr_size_t pre = n > 1 ? prefix_len(n) : 0;
        if (caps[0] <= pre)
            continue;
        room = caps[0] - pre;
        for (i = 1; i < n; i++)
            room += caps[i];
        if (len <= room)
            return n;
    }
    return 0;
}

apr_array_header_t *ms_chunks_split(const char *value, apr_size_t len,
                                    const apr_size_t *caps, int max_n,
                                    apr_pool_t *p)
{
    apr_array_header_t *out;
    apr_size_t off = 0;
    int n = ms_chunks_needed(len, caps, max_n), i;

    if (n == 0)
        return NULL;
    out = apr_array_make(p, n, sizeof(const char *));
    for (i = 0; i < n; i++) {
        apr_size_t pre = (i == 0 && n > 1) ? prefix_len(n) : 0;
        apr_size_t take = caps[i] - pre;
        char *chunk;

        if (take > len - off)
            take = len - off;
        chunk = apr_palloc(p, pre + take + 1);
        if (pre)
            apr_snprintf(chunk, pre + 1, "%d:", n);
        memcpy(chunk + pre, value + off, take);
        chunk[pre + take] = '\0';
        off += take;
        APR_ARRAY_PUSH(out, const char *) = chunk;
    }
    return off == len ? out : NULL;
}

int ms_chunks_count(const char *first, int max_n, const char **rest)
{
    int n = 0, digits = 0;
    const char *s = first;

    while (*s >= '0' && *s <= '9' && digits < 3) {
        n = n * 10 + (*s - '0');
        s++;
        digits++;
    }
    if (digits == 0 || *s != ':') {
        *rest = first;
        return 1;
    }
    *rest = s + 1;
    /* "1:" or a leading zero is never written: not ours */
    if (n < 2 || n > max_n || first[0] == '0')
        return 0;
    return n;
}
