/* Strict base64url, no padding (see ms_base64url.h for why strict). */
#include <apr_strings.h>

#include "ms_base64url.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

apr_size_t ms_base64url_encoded_length(apr_size_t len)
{
    return (len / 3) * 4 + (len % 3 ? len % 3 + 1 : 0);
}

void ms_base64url_encode(const unsigned char *in, apr_size_t len, char *out)
{
    apr_size_t i;

    for (i = 0; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        *out++ = alphabet[v >> 18];
        *out++ = alphabet[(v >> 12) & 63];
        *out++ = alphabet[(v >> 6) & 63];
        *out++ = alphabet[v & 63];
    }
    if (len - i == 1) {
        *out++ = alphabet[in[i] >> 2];
        *out++ = alphabet[(in[i] & 3) << 4];
    }
    else if (len - i == 2) {
        unsigned v = (unsigned)in[i] << 8 | in[i + 1];
        *out++ = alphabet[v >> 10];
        *out++ = alphabet[(v >> 4) & 63];
        *out++ = alphabet[(v & 15) << 2];
    }
    *out = '\0';
}

static int value_of(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

apr_status_t ms_base64url_decode(const char *in, apr_size_t len, apr_pool_t *p,
                                 unsigned char **out, apr_size_t *outlen)
{
    apr_size_t i, n = 0, rest = len % 4;
    unsigned char *buf;
    unsigned acc = 0;
    int bits = 0;

    if (rest == 1)
        return APR_EINVAL;
    buf = apr_palloc(p, len / 4 * 3 + 3);
    for (i = 0; i < len; i++) {
        int v = value_of(in[i]);
        if (v < 0)
            return APR_EINVAL;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)                 /* non-canonical: unused bits set */
        return APR_EINVAL;
    *out = buf;
    *outlen = n;
    return APR_SUCCESS;
}
