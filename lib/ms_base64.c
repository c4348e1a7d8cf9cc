/* Base64 as Marten reads and writes it.
 *
 * The reader mirrors Crystal's Base64.decode (the one Marten's signer uses):
 * trailing '=', CR and LF are stripped, CR/LF are skipped where a 4-character
 * group starts, a remainder of 2 or 3 characters is decoded with its unused
 * low bits ignored, a remainder of 1 is an error. apr_base64_decode reports
 * no errors at all, hence this reader. */
#include <limits.h>

#include <apr_base64.h>
#include <apr_strings.h>

#include "ms_base64.h"

#define B64_BAD 0xFF

/* Both alphabets at once: '+' and '-' are 62, '/' and '_' are 63. */
static unsigned char b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return (unsigned char)(c - 'A');
    if (c >= 'a' && c <= 'z') return (unsigned char)(c - 'a' + 26);
    if (c >= '0' && c <= '9') return (unsigned char)(c - '0' + 52);
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return B64_BAD;
}

static int is_crlf(unsigned char c)
{
    return c == '\r' || c == '\n';
}

/* Decode n (2..4) characters into n-1 bytes. */
static int decode_group(const unsigned char *in, int n, unsigned char *out)
{
    apr_uint32_t acc = 0;
    int i;

    for (i = 0; i < n; i++) {
        unsigned char v = b64_value(in[i]);
        if (v == B64_BAD)
            return 0;
        acc = (acc << 6) | v;
    }
    acc <<= 6 * (4 - n);            /* align as a full group; extra bits drop */
    for (i = 0; i < n - 1; i++)
        out[i] = (unsigned char)(acc >> (16 - 8 * i));
    return 1;
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
    for (;;) {
        while (pos < end && is_crlf(s[pos]))
            pos++;
        if (end - pos < 4)
            break;
        if (!decode_group(s + pos, 4, buf + n))
            return APR_EINVAL;
        pos += 4;
        n += 3;
    }
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

char *ms_base64_encode(const void *in, apr_size_t len, apr_pool_t *p,
                       apr_size_t *outlen)
{
    char *out;
    int n;

    /* apr_base64 counts in int: refuse what it cannot size. */
    if (len > (apr_size_t)(INT_MAX / 4 * 3 - 3))
        return NULL;
    out = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)len));
    n = apr_base64_encode_binary(out, (const unsigned char *)in, (int)len);
    if (outlen)
        *outlen = (apr_size_t)n - 1;   /* apr counts the NUL */
    return out;
}
