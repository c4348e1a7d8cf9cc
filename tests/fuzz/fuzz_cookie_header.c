/* Fuzz target: the Cookie request header parser (lib/ms_cookie_header.c).
 *
 * Input: NAME '\n' HEADER. The cookie called NAME is looked up in HEADER,
 * and so are the default name and a few fixed ones; the validators and the
 * Set-Cookie builder get the same bytes. Without a '\n' the whole input is
 * the header and only the fixed names are looked up.
 *
 * Checked: a value found is a piece of the header without ';' (pairs are
 * split on it, quotes or not), an empty name finds nothing, and a name that
 * ms_cookie_name_valid accepts is an RFC 7230 token. */
#include <string.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "ms_cookie_header.h"

static const char *const fixed_names[] = {
    "sessionid", "a", "sessionid2", "x y", "", "=", "\"q\"",
};

static void find_checked(const char *header, const char *name, apr_pool_t *p)
{
    const char *v = ms_cookie_find(header, name, p);

    if (v == NULL)
        return;
    FUZZ_CHECK(*name != '\0');
    FUZZ_CHECK(strstr(header, v) != NULL);
    FUZZ_CHECK(strchr(v, ';') == NULL);
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
