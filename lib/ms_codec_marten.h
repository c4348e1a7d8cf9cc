/* Marten's cookie-store format (see docs/cookie-formats.md):
 *   base64(envelope) "--" hex(HMAC-SHA256(secret, base64(envelope)))
 *   envelope = {"_marten":{"value":base64(hex(AES-256-CBC(json) || iv)),
 *                          "expires":"YYYY-MM-DDTHH:MM:SSZ"}}
 * This layer turns a cookie value into the plaintext JSON and back; what
 * the JSON holds is ms_json's business. */
#ifndef MS_CODEC_MARTEN_H
#define MS_CODEC_MARTEN_H

#include <apr_pools.h>
#include <apr_time.h>
#include "ms_keyring.h"

typedef enum {
    MS_COOKIE_OK = 0,
    MS_COOKIE_BLANK,          /* empty or only whitespace */
    MS_COOKIE_NOT_UTF8,
    MS_COOKIE_NO_SEPARATOR,   /* no "--", or an empty side */
    MS_COOKIE_BAD_MAC,        /* no configured key signed it */
    MS_COOKIE_BAD_BASE64,
    MS_COOKIE_BAD_ENVELOPE,   /* "_marten" present but malformed */
    MS_COOKIE_BAD_EXPIRES,    /* expires not an ISO 8601 date-time */
    MS_COOKIE_EXPIRED,
    MS_COOKIE_BAD_HEX,
    MS_COOKIE_TOO_SHORT,      /* fewer than 16 bytes after hex */
    MS_COOKIE_BAD_CIPHERTEXT  /* empty, not whole blocks, or bad padding */
} ms_cookie_status;

/* A short fixed phrase for logs and the CLI; never contains cookie data. */
const char *ms_cookie_status_str(ms_cookie_status st);

/* Decode cookie[0..len) as of now. Each key of kr is tried for the MAC,
 * compared in constant time. On MS_COOKIE_OK: *plaintext (NUL-terminated,
 * from p) and *plaintext_len hold the JSON text, *expires the signed expiry
 * (0 for the old no-expiry form), *key_index which key verified it (any
 * output pointer except plaintext may be NULL). */
ms_cookie_status ms_marten_decode(const ms_keyring *kr,
                                  const char *cookie, apr_size_t len,
                                  apr_time_t now, apr_pool_t *p,
                                  char **plaintext, apr_size_t *plaintext_len,
                                  apr_time_t *expires, int *key_index);

/* Encode plaintext[0..len) with the first key of kr, expiring at expires
 * (whole seconds, UTC). iv: 16 bytes, or NULL for a random one (tests pass
 * the IV of a vector). *cookie is NUL-terminated, from p. */
apr_status_t ms_marten_encode(const ms_keyring *kr,
                              const char *plaintext, apr_size_t len,
                              apr_time_t expires, const unsigned char *iv,
                              apr_pool_t *p, char **cookie);

/* Exact length of the cookie value ms_marten_encode makes for a plaintext
 * of plaintext_len bytes. */
apr_size_t ms_marten_encoded_length(apr_size_t plaintext_len);

#endif
