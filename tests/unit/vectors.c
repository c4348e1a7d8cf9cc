/* A JSON reader just big enough for the vectors file: objects, arrays,
 * strings (all escapes, surrogate pairs) and null. */
#include <stdio.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "vectors.h"

static apr_array_header_t *vectors;

typedef struct {
    const char *start, *s, *end;
    apr_pool_t *p;
    const char *error;
} reader;

static int fail(reader *r, const char *why)
{
    if (r->error == NULL)
        r->error = apr_psprintf(r->p, "%s at byte %ld", why,
                                (long)(r->s - r->start));
    return 0;
}

static void ws(reader *r)
{
    while (r->s < r->end && strchr(" \t\r\n", *r->s) && *r->s)
        r->s++;
}

static int expect(reader *r, char c)
{
    ws(r);
    if (r->s >= r->end || *r->s != c)
        return fail(r, apr_psprintf(r->p, "expected '%c'", c));
    r->s++;
    return 1;
}

static int hex4(reader *r, unsigned *v)
{
    int i;

    *v = 0;
    for (i = 0; i < 4; i++, r->s++) {
        char c = r->s < r->end ? *r->s : 0;
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return fail(r, "bad \\u escape");
        *v = *v * 16 + (unsigned)d;
    }
    return 1;
}

static char *utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

static int unicode(reader *r, char **o)
{
    unsigned cp, lo;

    if (!hex4(r, &cp))
        return 0;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (r->end - r->s < 2 || r->s[0] != '\\' || r->s[1] != 'u')
            return fail(r, "lone surrogate");
        r->s += 2;
        if (!hex4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF)
            return fail(r, "bad surrogate pair");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    *o = utf8(*o, cp);
    return 1;
}

static int string(reader *r, const char **out, apr_size_t *len)
{
    char *buf, *o;
    const char *simple = "\"\\/bfnrt", *plain = "\"\\/\b\f\n\r\t", *k;

    if (!expect(r, '"'))
        return 0;
    buf = o = apr_palloc(r->p, (apr_size_t)(r->end - r->s) + 1);
    while (r->s < r->end && *r->s != '"') {
        if (*r->s != '\\') {
            *o++ = *r->s++;
            continue;
        }
        if (++r->s >= r->end)
            return fail(r, "unterminated escape");
        if (*r->s == 'u') {
            r->s++;
            if (!unicode(r, &o))
                return 0;
            continue;
        }
        if (*r->s == '\0' || (k = strchr(simple, *r->s)) == NULL)
            return fail(r, "bad escape");
        *o++ = plain[k - simple];
        r->s++;
    }
    if (!expect(r, '"'))
        return 0;
    *o = '\0';
    *out = buf;
    if (len)
        *len = (apr_size_t)(o - buf);
    return 1;
}

/* A string or null. */
static int nullable(reader *r, const char **out, apr_size_t *len)
{
    ws(r);
    if (r->end - r->s >= 4 && memcmp(r->s, "null", 4) == 0) {
        r->s += 4;
        *out = NULL;
        return 1;
    }
    return string(r, out, len);
}

static int vector_field(reader *r, ms_vector *v, const char *name)
{
    if (!strcmp(name, "kind"))          return string(r, &v->kind, NULL);
    if (!strcmp(name, "key"))           return string(r, &v->key, &v->key_len);
    if (!strcmp(name, "cookie"))        return string(r, &v->cookie, &v->cookie_len);
    if (!strcmp(name, "expires"))       return nullable(r, &v->expires, NULL);
    if (!strcmp(name, "expected"))      return string(r, &v->expected, &v->expected_len);
    if (!strcmp(name, "marten_result")) return string(r, &v->marten_result, NULL);
    if (!strcmp(name, "note"))          return string(r, &v->note, NULL);
    return fail(r, apr_psprintf(r->p, "unknown vector field %s", name));
}

static int vector(reader *r)
{
    ms_vector *v = apr_array_push(vectors);
    const char *name;

    memset(v, 0, sizeof(*v));
    if (!expect(r, '{'))
        return 0;
    do {
        if (!string(r, &name, NULL) || !expect(r, ':') || !vector_field(r, v, name))
            return 0;
        ws(r);
    } while (r->s < r->end && *r->s == ',' && r->s++);
    if (!expect(r, '}'))
        return 0;
    if (!v->kind || !v->key || !v->cookie || !v->expected)
        return fail(r, "vector without kind, key, cookie or expected");
    return 1;
}

static int vector_list(reader *r)
{
    if (!expect(r, '['))
        return 0;
    do {
        if (!vector(r))
            return 0;
        ws(r);
    } while (r->s < r->end && *r->s == ',' && r->s++);
    return expect(r, ']');
}

static int document(reader *r)
{
    const char *name, *ignored;

    if (!expect(r, '{'))
        return 0;
    do {
        if (!string(r, &name, NULL) || !expect(r, ':'))
            return 0;
        if (!strcmp(name, "vectors") ? !vector_list(r)
                                     : !string(r, &ignored, NULL))
            return 0;
        ws(r);
    } while (r->s < r->end && *r->s == ',' && r->s++);
    if (!expect(r, '}'))
        return 0;
    ws(r);
    return r->s == r->end ? 1 : fail(r, "trailing data");
}

apr_status_t vectors_load(const char *path, apr_pool_t *p, const char **error)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    char *buf;
    reader r;
    apr_status_t rv;

    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p)) != APR_SUCCESS
        || (rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f)) != APR_SUCCESS) {
        *error = "cannot open";
        return rv;
    }
    n = (apr_size_t)fi.size;
    buf = apr_palloc(p, n + 1);
    rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        *error = "cannot read";
        return rv;
    }
    buf[n] = '\0';
    vectors = apr_array_make(p, 64, sizeof(ms_vector));
    r.start = r.s = buf;
    r.end = buf + n;
    r.p = p;
    r.error = NULL;
    if (!document(&r) || vectors->nelts == 0) {
        *error = r.error ? r.error : "no vectors";
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

int vectors_count(void)
{
    return vectors ? vectors->nelts : 0;
}

const ms_vector *vectors_get(int i)
{
    return &APR_ARRAY_IDX(vectors, i, ms_vector);
}

int vector_is_ok(const ms_vector *v)
{
    return strcmp(v->expected, "invalid") != 0;
}
