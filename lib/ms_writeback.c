/* Strict parser for write-back headers. A header either parses completely
 * or yields a reason; the caller then applies nothing from that response. */
#include "ms_writeback.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <stdlib.h>

static const char *const kind_names[] = {
    "Flush", "Delete", "Set", "Cycle-Key", "Expires-In",
    "Expires-At-Browser-Close"
};

int ms_writeback_kind(const char *name)
{
    apr_size_t plen = sizeof(MS_WB_PREFIX) - 1;
    int i;

    if (!name || strncasecmp(name, MS_WB_PREFIX, plen) != 0) {
        return -1;
    }
    for (i = 0; i < MS_WB_UNKNOWN; i++) {
        if (strcasecmp(name + plen, kind_names[i]) == 0) {
            return i;
        }
    }
    return MS_WB_UNKNOWN;
}

int ms_writeback_lookalike(const char *name)
{
    const char *want = MS_WB_PREFIX;

    if (!name) {
        return 0;
    }
    for (; *want; want++, name++) {
        int same = *want == '-' ? (*name == '-' || *name == '_')
                                : apr_tolower(*name) == apr_tolower(*want);
        if (!same) {
            return 0;
        }
    }
    return 1;
}

ms_writeback *ms_writeback_make(apr_pool_t *p)
{
    ms_writeback *wb = apr_pcalloc(p, sizeof(*wb));

    wb->deletes = apr_array_make(p, 2, sizeof(const char *));
    wb->sets = apr_array_make(p, 4, sizeof(ms_wb_pair));
    wb->browser_close = -1;
    return wb;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* The next comma-separated item of *cursor, without surrounding spaces or
 * tabs; NULL when the value is used up. Empty items are returned as "". */
static char *next_item(char **cursor)
{
    char *start = *cursor, *end, *comma;

    if (!start) {
        return NULL;
    }
    comma = strchr(start, ',');
    *cursor = comma ? comma + 1 : NULL;
    end = comma ? comma : start + strlen(start);
    while (start < end && is_ows(*start)) {
        start++;
    }
    while (end > start && is_ows(end[-1])) {
        end--;
    }
    *end = '\0';
    return start;
}

/* Percent-decode src[0..len) into a new string. Raw bytes must be visible
 * ASCII; a decoded NUL, a bad escape or more than max bytes is an error. */
static const char *pct_decode(const char *src, apr_size_t len, apr_size_t max,
                              apr_pool_t *p, const char **out)
{
    char *dst = apr_palloc(p, len + 1), *d = dst;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '%') {
            if (len - i < 3) {
                return "truncated percent-encoding";
            }
            if (!apr_isxdigit(src[i + 1]) || !apr_isxdigit(src[i + 2])) {
                return "bad percent-encoding";
            }
            c = (unsigned char)((apr_isdigit(src[i + 1]) ? src[i + 1] - '0'
                                 : (apr_tolower(src[i + 1]) - 'a' + 10)) << 4);
            c |= (unsigned char)(apr_isdigit(src[i + 2]) ? src[i + 2] - '0'
                                 : (apr_tolower(src[i + 2]) - 'a' + 10));
            if (c == 0) {
                return "NUL in key or value";
            }
            i += 2;
        }
        else if (c <= 0x20 || c >= 0x7f) {
            return "unencoded space, control or non-ASCII byte";
        }
        if ((apr_size_t)(d - dst) >= max) {
            return max == MS_WB_MAX_KEY ? "key longer than 256 bytes"
                                        : "value longer than 4096 bytes";
        }
        *d++ = (char)c;
    }
    *d = '\0';
    *out = dst;
    return NULL;
}

/* An empty key is a key like any other (Marten allows session[""]). */
static const char *parse_key(const char *s, apr_size_t len, apr_pool_t *p,
                             const char **key)
{
    return pct_decode(s, len, MS_WB_MAX_KEY, p, key);
}

static const char *add_sets(ms_writeback *wb, char *cursor, apr_pool_t *p)
{
    char *item;
    const char *err;

    while ((item = next_item(&cursor)) != NULL) {
        char *eq = strchr(item, '=');
        ms_wb_pair pair;

        if (!eq) {
            return "Set item without '='";
        }
        if ((err = parse_key(item, (apr_size_t)(eq - item), p, &pair.key))
            || (err = pct_decode(eq + 1, strlen(eq + 1), MS_WB_MAX_VALUE, p,
                                 &pair.value))) {
            return err;
        }
        *(ms_wb_pair *)apr_array_push(wb->sets) = pair;
    }
    return NULL;
}

/* An empty value names the empty key; an empty item among others is a
 * stray comma, refused like any other malformed list. */
static const char *add_deletes(ms_writeback *wb, char *cursor, apr_pool_t *p)
{
    char *item;
    const char *err, *key;
    int many = strchr(cursor, ',') != NULL;

    while ((item = next_item(&cursor)) != NULL) {
        if (many && !*item) {
            return "empty item in a Delete list";
        }
        if ((err = parse_key(item, strlen(item), p, &key))) {
            return err;
        }
        *(const char **)apr_array_push(wb->deletes) = key;
    }
    return NULL;
}

/* "1" (or "0" where allowed), possibly repeated by httpd's joining. */
static const char *parse_flag(char *cursor, int allow_zero, int *flag)
{
    char *item;

    while ((item = next_item(&cursor)) != NULL) {
        if (strcmp(item, "1") == 0) {
            *flag = 1;
        }
        else if (allow_zero && strcmp(item, "0") == 0) {
            *flag = 0;
        }
        else {
            return "unknown flag value";
        }
    }
    return NULL;
}

static const char *parse_seconds(char *cursor, long long *seconds)
{
    char *item, *end;
    long long n;

    while ((item = next_item(&cursor)) != NULL) {
        if (!apr_isdigit(*item)) {
            return "Expires-In is not a number of seconds";
        }
        n = strtoll(item, &end, 10);
        if (*end || n < 1 || n > 100LL * 365 * 86400) {
            return "Expires-In is not a number of seconds";
        }
        *seconds = n;
    }
    return NULL;
}

const char *ms_writeback_add(ms_writeback *wb, ms_wb_kind kind,
                             const char *value, apr_pool_t *p)
{
    char *copy = apr_pstrdup(p, value ? value : "");
    int flag = 0;
    const char *err;

    wb->count++;
    switch (kind) {
    case MS_WB_FLUSH:
        return parse_flag(copy, 0, &wb->flush);
    case MS_WB_CYCLE_KEY:
        return parse_flag(copy, 0, &wb->cycle_key);
    case MS_WB_BROWSER_CLOSE:
        if ((err = parse_flag(copy, 1, &flag)) == NULL) {
            wb->browser_close = flag;
        }
        return err;
    case MS_WB_EXPIRES_IN:
        return parse_seconds(copy, &wb->expires_in);
    case MS_WB_DELETE:
        return add_deletes(wb, copy, p);
    case MS_WB_SET:
        return add_sets(wb, copy, p);
    default:
        return "unknown X-Marten-Session- header";
    }
}
