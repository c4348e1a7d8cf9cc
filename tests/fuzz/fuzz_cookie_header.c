/* Fuzz target: the Cookie request header parser (lib/ms_cookie_header.c).
 *
 * Input: NAME '\n' HEADER. The cookie called NAME is looked up in HEADER,
 * and so are the default name and a few fixed ones; the validators and the
 * Set-Cookie builder get the same bytes. Without a '\n' the whole input is
 * the header and only the fixed names are looked up.
 *
 * The value found for NAME also goes through the chunk count reader
 * (lib/ms_chunks.c: chunk 0 of a split cookie starts with "<count>:"), and
 * the header through the chunk splitter and back.
 *
 * Checked: a value found is a piece of the header without ';' (pairs are
 * split on it, quotes or not), an empty name finds nothing, and a name that
 * ms_cookie_name_valid accepts is an RFC 7230 token; the chunk count is in
 * range and its rest lies inside the value; chunks joined give the value
 * back and respect their caps. */
#include <string.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "ms_chunks.h"
#include "ms_cookie_header.h"

#define MAX_CHUNKS 8

static const char *const fixed_names[] = {
    "sessionid", "a", "sessionid2", "x y", "", "=", "\"q\"",
};

static void find_checked(const char *header, const char *name, apr_pool_t *p)
{
    const char *v = ms_cookie_find(header, name, p), *rest = NULL;
    int n;

    if (v == NULL)
        return;
    FUZZ_CHECK(*name != '\0');
    FUZZ_CHECK(strstr(header, v) != NULL);
    FUZZ_CHECK(strchr(v, ';') == NULL);
    n = ms_chunks_count(v, MAX_CHUNKS, &rest);
    FUZZ_CHECK(n >= 0 && n <= MAX_CHUNKS);
    FUZZ_CHECK(rest >= v && rest <= v + strlen(v));
}

/* Split s with caps taken from its length, join the chunks again. */
static void chunks_round_trip(const char *s, apr_pool_t *p)
{
    apr_size_t len = strlen(s), caps[MAX_CHUNKS], total = 0;
    apr_array_header_t *chunks;
    const char *rest;
    char *joined;
    int i, n;

    for (i = 0; i < MAX_CHUNKS; i++)
        caps[i] = 8 + (len + i) % 61;
    chunks = ms_chunks_split(s, len, caps, MAX_CHUNKS, p);
    if (chunks == NULL)
        return;
    FUZZ_CHECK(chunks->nelts >= 1 && chunks->nelts <= MAX_CHUNKS);
    joined = apr_palloc(p, len + 1);
    for (i = 0; i < chunks->nelts; i++) {
        const char *c = APR_ARRAY_IDX(chunks, i, const char *);

        FUZZ_CHECK(strlen(c) <= caps[i]);
        if (i == 0) {
            n = ms_chunks_count(c, MAX_CHUNKS, &rest);
            if (chunks->nelts > 1)
                FUZZ_CHECK(n == chunks->nelts);
            else
                rest = c;
            c = rest;
        }
        FUZZ_CHECK(total + strlen(c) <= len);
        memcpy(joined + total, c, strlen(c));
        total += strlen(c);
    }
    FUZZ_CHECK(total == len && memcmp(joined, s, len) == 0);
}

static void check_token(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    if (!ms_cookie_name_valid(s))
        return;
    FUZZ_CHECK(*u != '\0');
    for (; *u; u++)
        FUZZ_CHECK(*u > 0x20 && *u < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", *u));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();
    char *buf = apr_pstrmemdup(p, (const char *)data, size);
    char *nl = memchr(buf, '\n', size);
    const char *header = buf, *name = NULL;
    ms_set_cookie sc;
    size_t i;
    int ss;

    if (nl != NULL) {
        *nl = '\0';
        name = buf;
        header = nl + 1;
    }
    if (name)
        find_checked(header, name, p);
    for (i = 0; i < sizeof(fixed_names) / sizeof(fixed_names[0]); i++)
        find_checked(header, fixed_names[i], p);

    if (strchr(header, ':') == NULL)   /* ':' is in neither cookie format */
        chunks_round_trip(header, p);
    check_token(header);
    if (name)
        check_token(name);
    (void)ms_cookie_attr_value_valid(header);
    ss = ms_samesite_parse(header);
    FUZZ_CHECK(ss == -1 || ms_samesite_name((ms_samesite)ss) != NULL);

    /* Set-Cookie from the same bytes: must not crash whatever they are. */
    memset(&sc, 0, sizeof(sc));
    sc.name = name ? name : "sessionid";
    sc.value = header;
    sc.domain = (size & 1) ? header : NULL;
    sc.path = (size & 2) ? "/" : NULL;
    sc.expires = (apr_time_t)(size * APR_USEC_PER_SEC);
    sc.secure = (int)(size & 4);
    sc.http_only = (int)(size & 8);
    sc.same_site = (ms_samesite)(size % 4);
    FUZZ_CHECK(ms_set_cookie_build(&sc, apr_time_from_sec(1000), p) != NULL);

    apr_pool_destroy(p);
    return 0;
}
