/* Base64 reading as Marten's reader does it (lenient), and writing. */
#ifndef MS_BASE64_H
#define MS_BASE64_H

#include <apr_pools.h>

/* Decode in[0..len) the way Crystal's Base64.decode does:
 *  - the standard (+/) and URL-safe (-_) alphabets are both accepted, mixed;
 *  - '=' padding is optional; trailing '=', CR and LF are ignored;
 *  - CR/LF are skipped where a 4-character group starts (between groups);
 *    inside a group they are bad bytes, as in Crystal;
 *  - unused low bits of the last character are ignored.
 * Any other byte (including '=' before the end and NUL), or a length that
 * leaves a single dangling character, is an error (APR_EINVAL). On success
 * *out is NUL-terminated (the NUL is not counted in *outlen), allocated
 * from p. */
apr_status_t ms_base64_decode_lenient(const char *in, apr_size_t len,
                                      apr_pool_t *p,
                                      unsigned char **out, apr_size_t *outlen);

/* Standard alphabet with '=' padding, no line breaks; NUL-terminated. */
char *ms_base64_encode(const void *in, apr_size_t len, apr_pool_t *p,
                       apr_size_t *outlen);

/* The whole 3-byte groups of in[0..len) as 4 characters each into out,
 * url: "-_" for the last two characters, else "+/"; nothing is written
 * past those characters (the vector loops too). Returns the bytes done,
 * len - len % 3; the callers write the last 1 or 2 bytes. */
apr_size_t ms_base64_encode_groups(const unsigned char *in, apr_size_t len,
                                   char *out, int url);

/* The widest vector code to use: 2 AVX2, 1 SSSE3, 0 none (always 0 but
 * on x86-64). The base64, base64url and hex coders choose their loops
 * with it. */
int ms_simd_level(void);

/* Tests only: cap ms_simd_level at level, so that each path can be run on
 * one machine; returns the previous cap. */
int ms_simd_limit(int level);

#endif
