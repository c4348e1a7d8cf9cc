/* The sealed cookie format (docs/cookie-formats.md): our own, versioned,
 *   "S1." base64url(version | key id | issued | seen | expires | nonce |
 *                   AES-256-GCM(json) | tag)
 * with the header authenticated as associated data. Smaller than Marten's
 * format (no hex, no double Base64, no JSON envelope) and carrying the
 * times that the idle timeout and the maximum lifetime need. */
#ifndef MS_CODEC_SEALED_H
#define MS_CODEC_SEALED_H

#include <apr_pools.h>
#include <apr_time.h>
#include "ms_keyring.h"

#define MS_SEALED_PREFIX      "S1."
#define MS_SEALED_PREFIX_LEN  3
#define MS_SEALED_VERSION     1
#define MS_SEALED_HEADER_LEN  (1 + MS_SEALED_KID_LEN + 3 * 8 + MS_SEALED_NONCE_LEN)

/* The authenticated times, whole seconds (apr_time_t, microseconds). */
typedef struct ms_sealed_times {
    apr_time_t issued;            /* the session began (login, new session) */
    apr_time_t seen;              /* the last save or touch */
    apr_time_t expires;           /* the session is void from then on */
} ms_sealed_times;

typedef enum {
    MS_SEALED_OK = 0,
    MS_SEALED_NOT_SEALED,         /* no "S1." prefix: another format */
    MS_SEALED_BAD_BASE64,
    MS_SEALED_TOO_SHORT,
    MS_SEALED_BAD_VERSION,
    MS_SEALED_UNKNOWN_KEY,        /* no configured key has this key id */
    MS_SEALED_BAD_TAG,            /* tampered, or not made with our key */
    MS_SEALED_BAD_TIMES,          /* seen before issued, or expires before */
    MS_SEALED_EXPIRED
} ms_sealed_status;

/* A short fixed phrase for logs; never contains cookie data. */
const char *ms_sealed_status_str(ms_sealed_status st);

/* Is this value in the sealed format (by its prefix)? */
int ms_sealed_is(const char *cookie, apr_size_t len);

/* Seal plaintext[0..len) with the first key of kr. nonce: 12 bytes, or NULL
 * for a random one (tests pin vectors with a fixed nonce). Times are
 * truncated to whole seconds. *cookie is NUL-terminated, from p. */
apr_status_t ms_sealed_encode(const ms_keyring *kr,
                              const char *plaintext, apr_size_t len,
                              const ms_sealed_times *times,
                              const unsigned char *nonce,
                              apr_pool_t *p, char **cookie);

/* Open cookie[0..len) as of now. Only the key whose id the cookie names is
 * tried (every key with that id, should two collide). On MS_SEALED_OK:
 * *plaintext (NUL-terminated, from p) and *plaintext_len, *times, and
 * *key_index (may be NULL). A cookie whose expiry is at or before now is
 * MS_SEALED_EXPIRED; idle and lifetime limits are the caller's policy. */
ms_sealed_status ms_sealed_decode(const ms_keyring *kr,
                                  const char *cookie, apr_size_t len,
                                  apr_time_t now, apr_pool_t *p,
                                  char **plaintext, apr_size_t *plaintext_len,
                                  ms_sealed_times *times, int *key_index);

/* Exact length of the cookie value for a plaintext of plaintext_len bytes. */
apr_size_t ms_sealed_encoded_length(apr_size_t plaintext_len);

#endif
