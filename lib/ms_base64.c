/* Base64 as Marten reads and writes it.
 *
 * The reader mirrors Crystal's Base64.decode (the one Marten's signer uses):
 * trailing '=', CR and LF are stripped, CR/LF are skipped where a 4-character
 * group starts, a remainder of 2 or 3 characters is decoded with its unused
 * low bits ignored, a remainder of 1 is an error. apr_base64_decode reports
 * no errors at all, hence this reader. */
#include <limits.h>
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>

#include "ms_base64.h"

/* The value of every byte, both alphabets at once: '+' and '-' are 62, '/'
 * and '_' are 63, X marks a byte outside both. This runs over every cookie
 * byte, so the table is kept four times, pre-shifted to each position of a
 * 4-character group, with bit 31 set for X: a group is then four lookups
 * OR-ed together. */
#define B64_VALUES(F) \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(62), F(X), F(62), F(X), F(63), \
    F(52), F(53), F(54), F(55), F(56), F(57), F(58), F(59), \
    F(60), F(61), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(0), F(1), F(2), F(3), F(4), F(5), F(6), \
    F(7), F(8), F(9), F(10), F(11), F(12), F(13), F(14), \
    F(15), F(16), F(17), F(18), F(19), F(20), F(21), F(22), \
    F(23), F(24), F(25), F(X), F(X), F(X), F(X), F(63), \
    F(X), F(26), F(27), F(28), F(29), F(30), F(31), F(32), \
    F(33), F(34), F(35), F(36), F(37), F(38), F(39), F(40), \
    F(41), F(42), F(43), F(44), F(45), F(46), F(47), F(48), \
    F(49), F(50), F(51), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X)

#define B64_BAD 0x80000000u
#define B64_AT(v, shift) ((v) < 0 ? B64_BAD : (apr_uint32_t)(v) << (shift))
#define X (-1)
#define AT18(v) B64_AT(v, 18)
#define AT12(v) B64_AT(v, 12)
#define AT6(v) B64_AT(v, 6)
#define AT0(v) B64_AT(v, 0)
static const apr_uint32_t b64_at18[256] = { B64_VALUES(AT18) };
static const apr_uint32_t b64_at12[256] = { B64_VALUES(AT12) };
static const apr_uint32_t b64_at6[256] = { B64_VALUES(AT6) };
static const apr_uint32_t b64_at0[256] = { B64_VALUES(AT0) };
#undef X

static int is_crlf(unsigned char c)
{
    return c == '\r' || c == '\n';
}

/* Decode one full group of 4 characters into 3 bytes (the hot path). */
static APR_INLINE int decode_quad(const unsigned char *in, unsigned char *out)
{
    apr_uint32_t acc = b64_at18[in[0]] | b64_at12[in[1]]
                       | b64_at6[in[2]] | b64_at0[in[3]];

    if (acc & B64_BAD)
        return 0;
    out[0] = (unsigned char)(acc >> 16);
    out[1] = (unsigned char)(acc >> 8);
    out[2] = (unsigned char)acc;
    return 1;
}

/* Decode the final 2 or 3 characters into 1 or 2 bytes; the unused low
 * bits of the last character are dropped. */
static int decode_group(const unsigned char *in, int n, unsigned char *out)
{
    apr_uint32_t acc = b64_at18[in[0]] | b64_at12[in[1]]
                       | (n == 3 ? b64_at6[in[2]] : 0);

    if (acc & B64_BAD)
        return 0;
    out[0] = (unsigned char)(acc >> 16);
    if (n == 3)
        out[1] = (unsigned char)(acc >> 8);
    return 1;
}

/* The full groups of s[pos..end) when no byte is out of the alphabets (the
 * usual case): two groups per turn, the bad-byte bits OR-ed together and
 * checked once at the end, each group stored as one 4-byte write (buf has
 * room: see ms_base64_decode_lenient). Returns 0 when some byte was bad,
 * CR and LF included; then the careful loop below starts over. */
static int decode_groups_fast(const unsigned char *s, apr_size_t pos,
                              apr_size_t end, unsigned char *buf,
                              apr_size_t *outpos, apr_size_t *n)
{
    apr_uint32_t bad = 0, acc;
    unsigned char *o = buf;

#define B64_QUAD(q) (b64_at18[(q)[0]] | b64_at12[(q)[1]] \
                     | b64_at6[(q)[2]] | b64_at0[(q)[3]])
#if defined(__GNUC__) && defined(__BYTE_ORDER__) \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define B64_PUT(o, acc) do { \
        apr_uint32_t w_ = __builtin_bswap32((acc) << 8); \
        memcpy((o), &w_, 4); \
    } while (0)
#else
#define B64_PUT(o, acc) do { \
        (o)[0] = (unsigned char)((acc) >> 16); \
        (o)[1] = (unsigned char)((acc) >> 8); \
        (o)[2] = (unsigned char)(acc); \
    } while (0)
#endif
    while (end - pos >= 8) {
        apr_uint32_t a2;
        acc = B64_QUAD(s + pos);
        a2 = B64_QUAD(s + pos + 4);
        bad |= acc | a2;
        B64_PUT(o, acc);
        B64_PUT(o + 3, a2);
        o += 6;
        pos += 8;
    }
    if (end - pos >= 4) {
        acc = B64_QUAD(s + pos);
        bad |= acc;
        B64_PUT(o, acc);
        o += 3;
        pos += 4;
    }
#undef B64_QUAD
#undef B64_PUT
    /* the careful loop also skips CR/LF before a final partial group */
    for (acc = 0; pos + acc < end; acc++)
        if (is_crlf(s[pos + acc]))
            return 0;
    if (bad & B64_BAD)
        return 0;
    *outpos = pos;
    *n = (apr_size_t)(o - buf);
    return 1;
}

/* The full groups of s[pos..end), skipping CR/LF where a group starts;
 * returns 0 on a bad byte. */
static int decode_groups(const unsigned char *s, apr_size_t *pos,
                         apr_size_t end, unsigned char *buf, apr_size_t *n)
{
    if (decode_groups_fast(s, *pos, end, buf, pos, n))
        return 1;
    *n = 0;
    for (;;) {
        while (*pos < end && is_crlf(s[*pos]))
            (*pos)++;
        if (end - *pos < 4)
            return 1;
        if (!decode_quad(s + *pos, buf + *n))
            return 0;
        *pos += 4;
        *n += 3;
    }
}

apr_status_t ms_base64_decode_lenient(const char *in, apr_size_t len,
                                      apr_pool_t *p,
                                      unsigned char **out, apr_size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)in;
    apr_size_t end = len, pos = 0, n = 0;
    unsigned char *buf;

    if (in == NULL && len > 0)
        return APR_EINVAL;
    while (end > 0 && (is_crlf(s[end - 1]) || s[end - 1] == '='))
        end--;

    buf = apr_palloc(p, end / 4 * 3 + 3);
    if (end > 0 && !decode_groups(s, &pos, end, buf, &n))
        return APR_EINVAL;
    switch (end - pos) {
    case 1:
        return APR_EINVAL;          /* 6 bits cannot make a byte */
    case 2:
    case 3:
        if (!decode_group(s + pos, (int)(end - pos), buf + n))
            return APR_EINVAL;
        n += end - pos - 1;
        break;
    default:
        break;
    }
    buf[n] = '\0';
    *out = buf;
    if (outlen)
        *outlen = n;
    return APR_SUCCESS;
}

/* Standard alphabet, '=' padding; three bytes to four characters a turn
 * (the output is what apr_base64_encode_binary writes, at a fraction of
 * its cost: every saved cookie is base64-encoded twice). */
char *ms_base64_encode(const void *in, apr_size_t len, apr_pool_t *p,
                       apr_size_t *outlen)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = in;
    apr_size_t i, olen;
    char *out, *o;

    if (len > (APR_SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    olen = (len + 2) / 3 * 4;
    o = out = apr_palloc(p, olen + 1);
    for (i = 0; i + 3 <= len; i += 3, o += 4) {
        apr_uint32_t v = (apr_uint32_t)u[i] << 16 | (apr_uint32_t)u[i + 1] << 8
                         | u[i + 2];
        o[0] = b64[v >> 18];
        o[1] = b64[(v >> 12) & 63];
        o[2] = b64[(v >> 6) & 63];
        o[3] = b64[v & 63];
    }
    if (len - i == 1) {
        apr_uint32_t v = (apr_uint32_t)u[i] << 16;
        o[0] = b64[v >> 18];
        o[1] = b64[(v >> 12) & 63];
        o[2] = o[3] = '=';
        o += 4;
    }
    else if (len - i == 2) {
        apr_uint32_t v = (apr_uint32_t)u[i] << 16 | (apr_uint32_t)u[i + 1] << 8;
        o[0] = b64[v >> 18];
        o[1] = b64[(v >> 12) & 63];
        o[2] = b64[(v >> 6) & 63];
        o[3] = '=';
        o += 4;
    }
    *o = '\0';
    if (outlen)
        *outlen = olen;
    return out;
}
