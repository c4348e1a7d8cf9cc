/* Base64url without padding (RFC 4648 section 5), read strictly: the sealed
 * format has exactly one encoding for each byte string, so any change to
 * the text, even in the unused low bits of the last character, is a change
 * to the bytes and fails authentication. */
#ifndef MS_BASE64URL_H
#define MS_BASE64URL_H

#include <apr_pools.h>

/* Characters ms_base64url_encode makes for len bytes. */
apr_size_t ms_base64url_encoded_length(apr_size_t len);

/* Encode in[0..len) into out, which holds
 * ms_base64url_encoded_length(len) + 1 bytes; NUL-terminated. */
void ms_base64url_encode(const unsigned char *in, apr_size_t len, char *out);

/* Decode in[0..len): only A-Z a-z 0-9 - _, no padding, no dangling single
 * character, unused low bits zero. APR_EINVAL otherwise. *out is from p. */
apr_status_t ms_base64url_decode(const char *in, apr_size_t len, apr_pool_t *p,
                                 unsigned char **out, apr_size_t *outlen);

#endif
