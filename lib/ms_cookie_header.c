/* The Cookie request header and the Set-Cookie response header. */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "ms_cookie_header.h"

/* --- Cookie -------------------------------------------------------------- */

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Trim spaces and tabs from both ends of s[*a..*b). */
static void trim(const char *s, apr_size_t *a, apr_size_t *b)
{
    while (*a < *b && is_ows(s[*a]))
        (*a)++;
    while (*b > *a && is_ows(s[*b - 1]))
        (*b)--;
}

/* The value of the pair s[a..b) if it is called name, else NULL. */
static const char *pair_value(const char *s, apr_size_t a, apr_size_t b,
                              const char *name, apr_size_t nlen,
                              apr_pool_t *p)
{
    const char *eq = memchr(s + a, '=', b - a);
    apr_size_t na = a, nb, va, vb = b;

    if (eq == NULL)
        return NULL;                /* no '=': not a pair */
    nb = (apr_size_t)(eq - s);
    va = nb + 1;
    trim(s, &na, &nb);
    /* Only trailing space is dropped from the value: Marten's parser stops
     * a value at a space but does not skip one after '=', so it reads
     * "sessionid= v" as a different value from "v", and so do we. */
    while (vb > va && is_ows(s[vb - 1]))
        vb--;
    if (nb - na != nlen || nlen == 0 || memcmp(s + na, name, nlen) != 0)
        return NULL;
    if (vb - va >= 2 && s[va] == '"' && s[vb - 1] == '"') {
        va++;
        vb--;
    }
    return apr_pstrmemdup(p, s + va, vb - va);
}

const char *ms_cookie_find(const char *header, const char *name,
                           apr_pool_t *p)
{
    apr_size_t nlen, a = 0, b, len;
    const char *v, *semi;

    if (header == NULL || name == NULL || (nlen = strlen(name)) == 0)
        return NULL;
    len = strlen(header);
    while (a < len) {
        semi = memchr(header + a, ';', len - a);
        b = semi ? (apr_size_t)(semi - header) : len;
        if ((v = pair_value(header, a, b, name, nlen, p)) != NULL)
            return v;
        a = b + 1;
    }
    return NULL;
}

/* --- validators ---------------------------------------------------------- */

/* RFC 7230 tchar. */
static int is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z')
           || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int ms_cookie_name_valid(const char *name)
{
    const unsigned char *s = (const unsigned char *)name;

    if (s == NULL || *s == '\0')
        return 0;
    for (; *s; s++)
        if (!is_tchar(*s))
            return 0;
    return 1;
}

int ms_cookie_attr_value_valid(const char *v)
{
    const unsigned char *s = (const unsigned char *)v;

    if (s == NULL || *s == '\0')
        return 0;
    for (; *s; s++) {
        /* RFC 6265 av-octet is US-ASCII without CTLs and ';'; ',' and
         * spaces would confuse header folding and lax parsers. */
        if (*s <= 0x20 || *s >= 0x7F || *s == ';' || *s == ',')
            return 0;
    }
    return 1;
}

/* --- SameSite ------------------------------------------------------------ */

static const char *const samesite_names[] = { "Off", "Lax", "Strict", "None" };

int ms_samesite_parse(const char *s)
{
    int i;

    if (s == NULL)
        return -1;
    for (i = 0; i < 4; i++)
        if (strcasecmp(s, samesite_names[i]) == 0)
            return i;
    return -1;
}

const char *ms_samesite_name(ms_samesite s)
{
    return (int)s >= 0 && (int)s < 4 ? samesite_names[s] : NULL;
}

/* --- Set-Cookie ---------------------------------------------------------- */

/* "; Expires=...; Max-Age=N", Max-Age never negative. */
static const char *expiry_attrs(apr_time_t expires, apr_time_t now,
                                apr_pool_t *p)
{
    char date[APR_RFC822_DATE_LEN];
    apr_int64_t age = expires > now ? (expires - now) / APR_USEC_PER_SEC : 0;

    if (apr_rfc822_date(date, expires) != APR_SUCCESS)
        return "";
    return apr_psprintf(p, "; Expires=%s; Max-Age=%" APR_INT64_T_FMT,
                        date, age);
}

static apr_size_t decimal_digits(apr_int64_t n)
{
    apr_size_t d = 1;

    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* Must agree with ms_set_cookie_build byte for byte (a unit test checks):
 * the size checks run on every change, so they measure, not build. */
/* apr_rfc822_date writes "Sun, 06 Nov 1994 08:49:37 GMT" and nothing
 * else: always this many characters (the year is always 4 digits). */
#define RFC822_DATE_CHARS (APR_RFC822_DATE_LEN - 1)

apr_size_t ms_set_cookie_length(const ms_set_cookie *c, apr_time_t now)
{
    apr_size_t len;

    if (c == NULL || c->name == NULL)
        return 0;
    len = strlen(c->name) + 1 + (c->value ? strlen(c->value) : 0);
    if (c->path)
        len += sizeof("; Path=") - 1 + strlen(c->path);
    if (c->domain)
        len += sizeof("; Domain=") - 1 + strlen(c->domain);
    if (c->expires) {
        apr_int64_t age = c->expires > now
                          ? (c->expires - now) / APR_USEC_PER_SEC : 0;
        len += sizeof("; Expires=") - 1 + RFC822_DATE_CHARS
               + sizeof("; Max-Age=") - 1 + decimal_digits(age);
    }
    if (c->secure)
        len += sizeof("; Secure") - 1;
    if (c->http_only)
        len += sizeof("; HttpOnly") - 1;
    if (c->same_site != MS_SAMESITE_OFF && ms_samesite_name(c->same_site))
        len += sizeof("; SameSite=") - 1 + strlen(ms_samesite_name(c->same_site));
    return len;
}

char *ms_set_cookie_build(const ms_set_cookie *c, apr_time_t now,
                          apr_pool_t *p)
{
    const char *site;

    if (c == NULL || c->name == NULL)
        return NULL;
    site = c->same_site == MS_SAMESITE_OFF ? NULL
                                           : ms_samesite_name(c->same_site);
    return apr_pstrcat(p, c->name, "=", c->value ? c->value : "",
                       c->path ? "; Path=" : "", c->path ? c->path : "",
                       c->domain ? "; Domain=" : "", c->domain ? c->domain : "",
                       c->expires ? expiry_attrs(c->expires, now, p) : "",
                       c->secure ? "; Secure" : "",
                       c->http_only ? "; HttpOnly" : "",
                       site ? "; SameSite=" : "", site ? site : "",
                       NULL);
}
