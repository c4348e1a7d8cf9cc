/* JSON <-> apr_table_t for the session: Crystal's JSON::Builder escaping on
 * output, Hash(String, String).from_json on input. */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ms_hex.h"
#include "ms_json.h"

const char *ms_json_status_str(ms_json_status st)
{
    switch (st) {
    case MS_JSON_OK:             return "ok";
    case MS_JSON_SYNTAX:         return "not JSON";
    case MS_JSON_NOT_OBJECT:     return "not a JSON object";
    case MS_JSON_NOT_STRING:     return "a value is not a string";
    case MS_JSON_BAD_ESCAPE:     return "bad escape in a string";
    case MS_JSON_LONE_SURROGATE: return "lone UTF-16 surrogate escape";
    case MS_JSON_NUL:            return "a key or value contains U+0000";
    case MS_JSON_TOO_DEEP:       return "nesting too deep";
    }
    return "unknown JSON status";
}

/* --- reading ------------------------------------------------------------- */

static int cur_peek(const ms_json_cursor *c)
{
    return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

void ms_json_skip_ws(ms_json_cursor *c)
{
    while (c->pos < c->len) {
        char ch = c->s[c->pos];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
            break;
        c->pos++;
    }
}

static int hex_digit(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Four hex digits at s[i..i+4) of a string ending at end. */
static int read_hex4(const char *s, apr_size_t i, apr_size_t end,
                     unsigned *v)
{
    int k;

    if (end - i < 4)
        return 0;
    *v = 0;
    for (k = 0; k < 4; k++) {
        int h = hex_digit((unsigned char)s[i + k]);
        if (h < 0)
            return 0;
        *v = (*v << 4) | (unsigned)h;
    }
    return 1;
}

static apr_size_t put_utf8(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A \u escape with s[*i] on the 'u'; surrogate pairs are joined. */
static ms_json_status unicode_escape(const char *s, apr_size_t *i,
                                     apr_size_t end, unsigned *cp)
{
    unsigned lo;

    if (!read_hex4(s, *i + 1, end, cp))
        return MS_JSON_BAD_ESCAPE;
    *i += 5;
    if (*cp >= 0xDC00 && *cp <= 0xDFFF)
        return MS_JSON_LONE_SURROGATE;
    if (*cp < 0xD800 || *cp > 0xDBFF)
        return MS_JSON_OK;
    if (end - *i < 2 || s[*i] != '\\' || s[*i + 1] != 'u')
        return MS_JSON_LONE_SURROGATE;
    if (!read_hex4(s, *i + 2, end, &lo))
        return MS_JSON_BAD_ESCAPE;
    if (lo < 0xDC00 || lo > 0xDFFF)
        return MS_JSON_LONE_SURROGATE;
    *i += 6;
    *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
    return MS_JSON_OK;
}

/* One escape with s[*i] on the character after the backslash; writes the
 * decoded bytes to out (when not NULL) and adds their count to *n. */
static ms_json_status escape(const char *s, apr_size_t *i, apr_size_t end,
                             char *out, apr_size_t *n)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit;
    char buf[4];
    unsigned cp;
    apr_size_t k;
    ms_json_status st;

    if (s[*i] != 'u') {
        hit = s[*i] ? strchr(from, s[*i]) : NULL;
        if (hit == NULL)
            return MS_JSON_BAD_ESCAPE;
        if (out)
            out[*n] = to[hit - from];
        (*n)++;
        (*i)++;
        return MS_JSON_OK;
    }
    if ((st = unicode_escape(s, i, end, &cp)) != MS_JSON_OK)
        return st;
    k = put_utf8(cp, buf);
    if (out)
        memcpy(out + *n, buf, k);
    *n += k;
    return MS_JSON_OK;
}

/* Decode the escaped string body s[start..end) (end is the closing quote);
 * raw control characters were refused by scan_string already. */
static ms_json_status decode_body(const char *s, apr_size_t start,
                                  apr_size_t end, char *out, apr_size_t *n)
{
    apr_size_t i = start;
    ms_json_status st;

    *n = 0;
    while (i < end) {
        if (s[i] != '\\') {
            if (out)
                out[*n] = s[i];
            (*n)++;
            i++;
            continue;
        }
        i++;
        if ((st = escape(s, &i, end, out, n)) != MS_JSON_OK)
            return st;
    }
    return MS_JSON_OK;
}

/* The bytes that need a look in a string: controls, '"', '\\' and DEL.
 * The reader stops its fast scan on them (DEL is kept raw, but noted: see
 * SCAN_DEL); the writer escapes exactly these, as Crystal's builder does. */
static const unsigned char special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* What scan_string saw in a string body besides plain bytes. */
#define SCAN_ESCAPE 1       /* a backslash: the body must be decoded */
#define SCAN_DEL    2       /* a raw U+007F, which the writer escapes */

/* The high bit of each byte of w that ends the scan of a string body:
 * below 0x20, '"' (0x22), '\\' (0x5C) or DEL (0x7F). Only the lowest one
 * is sure to be right (a borrow can mark a byte above a true hit), and the
 * scan needs no other. */
static APR_INLINE apr_uint64_t stop_bytes(apr_uint64_t w)
{
    const apr_uint64_t ones = APR_UINT64_C(0x0101010101010101);
    apr_uint64_t q = w ^ (ones * 0x22), b = w ^ (ones * 0x5C),
                 d = w ^ (ones * 0x7F);

    return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)
            | ((d - ones) & ~d)) & (ones * 0x80);
}

#if defined(__SSE2__)
/* Bit k set when s[k] of the 16 bytes at s ends the scan (as stop_bytes;
 * SSE2 is part of every x86-64, so no check is needed). */
static APR_INLINE unsigned stop_mask16(const unsigned char *s)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
    __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    __m128i d = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F));

    return (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(ctl, q), _mm_or_si128(b, d)));
}
#endif

/* Offset of the first stop byte in the 8 at s, given their stop_bytes. */
static APR_INLINE apr_size_t first_stop(apr_uint64_t hits,
                                        const unsigned char *s)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    (void)s;
    return (apr_size_t)__builtin_ctzll(hits) >> 3;
#else
    apr_size_t k = 0;

    (void)hits;
    while (!special[s[k]])
        k++;
    return k;
#endif
}

/* Find the closing quote of the string opening at c->pos, refusing raw
 * control characters (as Crystal does); *seen gets SCAN_* bits for what
 * the body holds. Sixteen or eight bytes a turn, stopping right on the
 * first byte that needs a look; the last few bytes go one by one. */
static ms_json_status scan_string(const ms_json_cursor *c, apr_size_t *end,
                                  int *seen)
{
    const unsigned char *s = (const unsigned char *)c->s;
    apr_size_t i = c->pos + 1;

    *seen = 0;
    if (c->pos >= c->len || s[c->pos] != '"')
        return MS_JSON_SYNTAX;
    while (i < c->len) {
        unsigned char ch;

#if defined(__SSE2__)
        if (c->len - i >= 16) {
            unsigned m = stop_mask16(s + i);
            if (m == 0) {
                i += 16;
                continue;
            }
            i += (apr_size_t)__builtin_ctz(m);
        }
        else
#endif
        if (c->len - i >= 8) {
            apr_uint64_t w, hits;
            memcpy(&w, s + i, 8);
            if ((hits = stop_bytes(w)) == 0) {
                i += 8;
                continue;
            }
            i += first_stop(hits, s + i);
        }
        else if (!special[s[i]]) {
            i++;
            continue;
        }
        ch = s[i];
        if (ch == '"') {
            *end = i;
            return MS_JSON_OK;
        }
        if (ch < 0x20)
            return MS_JSON_SYNTAX;
        if (ch == '\\') {
            *seen |= SCAN_ESCAPE;
            i++;            /* the escaped character is checked later */
        }
        else
            *seen |= SCAN_DEL;
        i++;
    }
    return MS_JSON_SYNTAX;
}

/* The body of the string that scan_string found to end at end, decoded
 * into buf, which has room for end - c->pos bytes (decoding never grows
 * the text; the NUL takes the closing quote's place); c moves past it. */
static ms_json_status take_string(ms_json_cursor *c, apr_size_t end, int seen,
                                  char *buf, apr_size_t *outlen)
{
    apr_size_t n = end - c->pos - 1;
    ms_json_status st;

    if (!(seen & SCAN_ESCAPE))
        memcpy(buf, c->s + c->pos + 1, n);
    else if ((st = decode_body(c->s, c->pos + 1, end, buf, &n)) != MS_JSON_OK)
        return st;
    buf[n] = '\0';
    c->pos = end + 1;
    *outlen = n;
    return MS_JSON_OK;
}

ms_json_status ms_json_read_string(ms_json_cursor *c, apr_pool_t *p,
                                   char **out, apr_size_t *outlen)
{
    apr_size_t end, n;
    ms_json_status st;
    int seen;

    if ((st = scan_string(c, &end, &seen)) != MS_JSON_OK)
        return st;
    *out = apr_palloc(p, end - c->pos);
    st = take_string(c, end, seen, *out, &n);
    if (outlen)
        *outlen = n;
    return st;
}


static ms_json_status skip_string(ms_json_cursor *c)
{
    apr_size_t end, n;
    ms_json_status st;
    int seen;

    if ((st = scan_string(c, &end, &seen)) != MS_JSON_OK)
        return st;
    if (seen & SCAN_ESCAPE)
        st = decode_body(c->s, c->pos + 1, end, NULL, &n);
    if (st != MS_JSON_OK)
        return st;
    c->pos = end + 1;
    return MS_JSON_OK;
}

static int skip_digits(ms_json_cursor *c)
{
    apr_size_t start = c->pos;

    while (cur_peek(c) >= '0' && cur_peek(c) <= '9')
        c->pos++;
    return c->pos > start;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static ms_json_status skip_number(ms_json_cursor *c)
{
    if (cur_peek(c) == '-')
        c->pos++;
    if (cur_peek(c) == '0')
        c->pos++;
    else if (!skip_digits(c))
        return MS_JSON_SYNTAX;
    if (cur_peek(c) == '.') {
        c->pos++;
        if (!skip_digits(c))
            return MS_JSON_SYNTAX;
    }
    if (cur_peek(c) == 'e' || cur_peek(c) == 'E') {
        c->pos++;
        if (cur_peek(c) == '+' || cur_peek(c) == '-')
            c->pos++;
        if (!skip_digits(c))
            return MS_JSON_SYNTAX;
    }
    return MS_JSON_OK;
}

static ms_json_status skip_literal(ms_json_cursor *c, const char *word)
{
    apr_size_t n = strlen(word);

    if (c->len - c->pos < n || memcmp(c->s + c->pos, word, n) != 0)
        return MS_JSON_SYNTAX;
    c->pos += n;
    return MS_JSON_OK;
}

/* The members of an object or array after its opening bracket; an object
 * member is a string, ':' and a value. */
static ms_json_status skip_members(ms_json_cursor *c, int depth, int close)
{
    ms_json_status st;

    ms_json_skip_ws(c);
    if (cur_peek(c) == close) {
        c->pos++;
        return MS_JSON_OK;
    }
    for (;;) {
        if (close == '}') {
            ms_json_skip_ws(c);
            if ((st = skip_string(c)) != MS_JSON_OK)
                return st;
            ms_json_skip_ws(c);
            if (cur_peek(c) != ':')
                return MS_JSON_SYNTAX;
            c->pos++;
        }
        if ((st = ms_json_skip_value(c, depth + 1)) != MS_JSON_OK)
            return st;
        ms_json_skip_ws(c);
        if (cur_peek(c) == close) {
            c->pos++;
            return MS_JSON_OK;
        }
        if (cur_peek(c) != ',')
            return MS_JSON_SYNTAX;
        c->pos++;
    }
}

ms_json_status ms_json_skip_value(ms_json_cursor *c, int depth)
{
    ms_json_skip_ws(c);
    switch (cur_peek(c)) {
    case '"':
        return skip_string(c);
    case '{':
    case '[':
        if (depth >= MS_JSON_MAX_DEPTH)
            return MS_JSON_TOO_DEEP;
        c->pos++;
        return skip_members(c, depth, c->s[c->pos - 1] == '{' ? '}' : ']');
    case 't':
        return skip_literal(c, "true");
    case 'f':
        return skip_literal(c, "false");
    case 'n':
        return skip_literal(c, "null");
    default:
        return skip_number(c);
    }
}

/* Why a document that does not start with '{' fails. */
static ms_json_status classify_non_object(ms_json_cursor *c)
{
    if (ms_json_skip_value(c, 0) != MS_JSON_OK)
        return MS_JSON_SYNTAX;
    ms_json_skip_ws(c);
    return c->pos == c->len ? MS_JSON_NOT_OBJECT : MS_JSON_SYNTAX;
}

/* The state of one document read. Beside the table it follows whether the
 * text is exactly what ms_table_to_json would write for that table. */
typedef struct doc_reader {
    ms_json_cursor c;
    char *strings;      /* room for the keys and values still to come */
    apr_table_t *t;
    int nul;            /* a key or value held U+0000 */
    int rewritten;      /* the writer would write other bytes */
} doc_reader;

/* Whitespace is never written: any at all makes the text non-canonical.
 * JSON whitespace is all below '!', so one compare settles the usual case. */
static APR_INLINE void skip_ws(doc_reader *d)
{
    apr_size_t at = d->c.pos;

    if (at < d->c.len && (unsigned char)d->c.s[at] > ' ')
        return;
    ms_json_skip_ws(&d->c);
    d->rewritten |= d->c.pos != at;
}

/* A string of the document; escapes and DEL would be written otherwise
 * (or may be: the check is cheap, not exact). */
static ms_json_status doc_string(doc_reader *d, char **out, apr_size_t *len)
{
    apr_size_t end;
    ms_json_status st;
    int seen;

    if ((st = scan_string(&d->c, &end, &seen)) != MS_JSON_OK)
        return st;
    d->rewritten |= seen;
    *out = d->strings;
    if ((st = take_string(&d->c, end, seen, *out, len)) == MS_JSON_OK)
        d->strings += *len + 1;
    return st;
}

/* One "key":"value" member. */
static ms_json_status read_member(doc_reader *d)
{
    ms_json_cursor *c = &d->c;
    char *key, *val;
    apr_size_t klen, vlen;
    ms_json_status st;

    skip_ws(d);
    if ((st = doc_string(d, &key, &klen)) != MS_JSON_OK)
        return st;
    skip_ws(d);
    if (cur_peek(c) != ':')
        return MS_JSON_SYNTAX;
    c->pos++;
    skip_ws(d);
    if (cur_peek(c) != '"')
        return ms_json_skip_value(c, 1) == MS_JSON_OK ? MS_JSON_NOT_STRING
                                                      : MS_JSON_SYNTAX;
    if ((st = doc_string(d, &val, &vlen)) != MS_JSON_OK)
        return st;
    /* a raw NUL is a control byte, refused by the scan: only an escape
     * (which marks the document rewritten) can make one */
    if (d->rewritten && (memchr(key, '\0', klen) || memchr(val, '\0', vlen)))
        d->nul = 1;     /* keep parsing: only a well-formed document is NUL */
    else {
        /* added without a search: duplicates are settled at the end */
        apr_table_addn(d->t, key, val);
    }
    return MS_JSON_OK;
}

/* Does t hold a key twice (apr's case-insensitive compare)? apr's key
 * checksum (the first bytes, case-folded) rules most pairs out. */
static int has_duplicate_keys(const apr_table_t *t)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i, j;

    for (i = 1; i < arr->nelts; i++)
        for (j = 0; j < i; j++)
            if (e[i].key_checksum == e[j].key_checksum && e[i].key && e[j].key
                && strcasecmp(e[i].key, e[j].key) == 0)
                return 1;
    return 0;
}

/* JSON.parse's Hash semantics for a table read with duplicates: the last
 * value wins, at the first key's place (what apr_table_setn does). */
static apr_table_t *last_value_wins(const apr_table_t *t, apr_pool_t *p)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_table_t *out = apr_table_make(p, arr->nelts);
    int i;

    for (i = 0; i < arr->nelts; i++)
        apr_table_setn(out, e[i].key, e[i].val);
    return out;
}

ms_json_status ms_json_read_session(const char *json, apr_size_t len,
                                    apr_pool_t *p, apr_table_t **table,
                                    int *canonical)
{
    doc_reader d = { { json, json ? len : 0, 0 }, NULL, NULL, 0, 0 };
    ms_json_status st;

    skip_ws(&d);
    if (cur_peek(&d.c) != '{')
        return classify_non_object(&d.c);
    d.c.pos++;
    d.t = apr_table_make(p, 8);
    /* Each string takes at most the bytes of its text, quotes included:
     * one allocation holds them all. */
    d.strings = apr_palloc(p, d.c.len);
    skip_ws(&d);
    if (cur_peek(&d.c) == '}')
        d.c.pos++;
    else {
        for (;;) {
            if ((st = read_member(&d)) != MS_JSON_OK)
                return st;
            skip_ws(&d);
            if (cur_peek(&d.c) == ',') {
                d.c.pos++;
                continue;
            }
            if (cur_peek(&d.c) != '}')
                return MS_JSON_SYNTAX;
            d.c.pos++;
            break;
        }
    }
    skip_ws(&d);
    if (d.c.pos != d.c.len)
        return MS_JSON_SYNTAX;
    if (d.nul)
        return MS_JSON_NUL;
    if (has_duplicate_keys(d.t)) {
        d.t = last_value_wins(d.t, p);
        d.rewritten = 1;            /* a duplicate key is written once */
    }
    *table = d.t;
    if (canonical)
        *canonical = !d.rewritten;
    return MS_JSON_OK;
}

ms_json_status ms_json_to_table(const char *json, apr_size_t len,
                                apr_pool_t *p, apr_table_t **table)
{
    return ms_json_read_session(json, len, p, table, NULL);
}

/* --- writing ------------------------------------------------------------- */

/* The escape of one byte that needs one, into esc (7 bytes); its length. */
static apr_size_t escape_byte(unsigned char ch, char *esc)
{
    char digits[3];

    esc[0] = '\\';
    switch (ch) {
    case '"':  esc[1] = '"'; return 2;
    case '\\': esc[1] = '\\'; return 2;
    case '\b': esc[1] = 'b'; return 2;
    case '\f': esc[1] = 'f'; return 2;
    case '\n': esc[1] = 'n'; return 2;
    case '\r': esc[1] = 'r'; return 2;
    case '\t': esc[1] = 't'; return 2;
    default:
        /* via digits: the encoder adds a NUL, and esc may be the output */
        ms_hex_encode_lower(&ch, 1, digits);
        memcpy(esc + 1, "u00", 3);
        memcpy(esc + 4, digits, 2);
        return 6;
    }
}

/* The bytes the escapes of s[0..len) add to it. Escapes are rare: the
 * scan goes 16 bytes a turn where it can. */
static apr_size_t escape_extra(const unsigned char *u, apr_size_t len)
{
    char esc[7];
    apr_size_t i = 0, extra = 0;

#if defined(__SSE2__)
    for (; i + 16 <= len; i += 16) {
        unsigned m = stop_mask16(u + i);
        for (; m; m &= m - 1)
            extra += escape_byte(u[i + (apr_size_t)__builtin_ctz(m)], esc) - 1;
    }
#endif
    for (; i < len; i++)
        if (special[u[i]])
            extra += escape_byte(u[i], esc) - 1;
    return extra;
}

/* One key or value to write: its bytes and what its escapes add. */
typedef struct {
    const char *s;
    apr_size_t len, extra;
} out_string;

static out_string measure(const char *s)
{
    out_string o;

    o.s = s ? s : "";
    o.len = strlen(o.s);
    o.extra = escape_extra((const unsigned char *)o.s, o.len);
    return o;
}

/* Write o as a JSON string, quotes included, at out; returns the end. */
static char *put_string(const out_string *o, char *out)
{
    const unsigned char *u = (const unsigned char *)o->s;
    apr_size_t i, k;

    *out++ = '"';
    if (o->extra == 0) {            /* nearly always */
        memcpy(out, o->s, o->len);
        out += o->len;
    }
    else {
        for (i = 0; i < o->len; i++) {
            if (!special[u[i]]) {
                *out++ = (char)u[i];
                continue;
            }
            k = escape_byte(u[i], out);
            out += k;
        }
    }
    *out++ = '"';
    return out;
}

/* Index of the last entry with the key of entry i, or -1 when an earlier
 * entry has that key (then it was written already). apr tables compare
 * keys without regard to case, and so do we; apr's key checksum (the
 * first bytes, case-folded) rules most pairs out without a strcasecmp. */
static int same_key(const apr_table_entry_t *a, const apr_table_entry_t *b)
{
    return a->key_checksum == b->key_checksum && strcasecmp(a->key, b->key) == 0;
}

static int last_of_key(const apr_table_entry_t *e, int n, int i)
{
    int j, last = i;

    for (j = 0; j < i; j++)
        if (e[j].key && same_key(&e[j], &e[i]))
            return -1;
    for (j = i + 1; j < n; j++)
        if (e[j].key && same_key(&e[j], &e[i]))
            last = j;
    return last;
}

/* Serialise t in two steps: measure every key and value once (the exact
 * length, so one allocation), then copy them out. A key that appears
 * more than once (only a table handed out can have one) is written once,
 * at its first place, with its last value. */
char *ms_table_to_json(const apr_table_t *t, apr_pool_t *p, apr_size_t *len)
{
    const apr_array_header_t *arr;
    const apr_table_entry_t *e;
    out_string *strs;
    apr_size_t n = 2;
    int i, last, pairs = 0, dups;
    char *out, *o;

    if (t == NULL) {
        if (len) *len = 2;
        return apr_pstrdup(p, "{}");
    }
    arr = apr_table_elts(t);
    e = (const apr_table_entry_t *)arr->elts;
    dups = has_duplicate_keys(t);
    strs = apr_palloc(p, sizeof(*strs) * 2 * (apr_size_t)(arr->nelts ? arr->nelts : 1));
    for (i = 0; i < arr->nelts; i++) {
        last = !e[i].key ? -1 : dups ? last_of_key(e, arr->nelts, i) : i;
        if (last < 0)
            continue;
        strs[2 * pairs] = measure(e[i].key);
        strs[2 * pairs + 1] = measure(e[last].val);
        n += strs[2 * pairs].len + strs[2 * pairs].extra
             + strs[2 * pairs + 1].len + strs[2 * pairs + 1].extra
             + 5 + (pairs > 0);     /* 4 quotes, ':' and ',' */
        pairs++;
    }
    o = out = apr_palloc(p, n + 1);
    *o++ = '{';
    for (i = 0; i < pairs; i++) {
        if (i > 0)
            *o++ = ',';
        o = put_string(&strs[2 * i], o);
        *o++ = ':';
        o = put_string(&strs[2 * i + 1], o);
    }
    *o++ = '}';
    *o = '\0';
    if (len)
        *len = n;
    return out;
}
