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

/* Append the n bytes of src at *o. */
static void put(char **o, const char *src, apr_size_t n)
{
    memcpy(*o, src, n);
    *o += n;
}

#define PUT_LIT(o, lit) put((o), (lit), sizeof(lit) - 1)

static void put_str(char **o, const char *s)
{
    put(o, s, strlen(s));
}

/* n (>= 0) in decimal, written backwards from its last digit. */
static void put_decimal(char **o, apr_int64_t n)
{
    apr_size_t k = decimal_digits(n);
    char *end = *o + k;

    do {
        *--end = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    *o += k;
}

/* Written in place into one allocation of the exact length: this runs for
 * every saved session (apr_pstrcat and a formatted date cost 3x more). */
char *ms_set_cookie_build(const ms_set_cookie *c, apr_time_t now,
                          apr_pool_t *p)
{
    const char *site;
    char *out, *o;

    if (c == NULL || c->name == NULL)
        return NULL;
    o = out = apr_palloc(p, ms_set_cookie_length(c, now) + 1);
    put_str(&o, c->name);
    *o++ = '=';
    if (c->value)
        put_str(&o, c->value);
    if (c->path) {
        PUT_LIT(&o, "; Path=");
        put_str(&o, c->path);
    }
    if (c->domain) {
        PUT_LIT(&o, "; Domain=");
        put_str(&o, c->domain);
    }
    if (c->expires) {
        char date[APR_RFC822_DATE_LEN];
        apr_rfc822_date(date, c->expires);
        PUT_LIT(&o, "; Expires=");
        put(&o, date, RFC822_DATE_CHARS);
        PUT_LIT(&o, "; Max-Age=");
        put_decimal(&o, c->expires > now ? (c->expires - now) / APR_USEC_PER_SEC
                                         : 0);
    }
    if (c->secure)
        PUT_LIT(&o, "; Secure");
    if (c->http_only)
        PUT_LIT(&o, "; HttpOnly");
    site = c->same_site == MS_SAMESITE_OFF ? NULL : ms_samesite_name(c->same_site);
    if (site) {
        PUT_LIT(&o, "; SameSite=");
        put_str(&o, site);
    }
    *o = '\0';
    return out;
}
