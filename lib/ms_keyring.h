/* The secret keys, each prepared once at startup. For the Marten cookie:
 * an AES-256 key (the first 32 bytes of the secret) and an HMAC-SHA256 key
 * (all of it). For the sealed format (docs/cookie-formats.md): an AES-256-GCM
 * key and a 4-byte key id, both derived with HKDF-SHA256, each for its own
 * purpose. The first key writes; every key is tried when reading. */
#ifndef MS_KEYRING_H
#define MS_KEYRING_H

#include <apr_pools.h>

#define MS_KEY_MIN_LEN 32
#define MS_HMAC_HEX_LEN 64

typedef struct ms_keyring ms_keyring;

/* An empty keyring. Key material is wiped (OPENSSL_cleanse) and OpenSSL
 * objects are freed when p is cleared. */
ms_keyring *ms_keyring_make(apr_pool_t *p);

/* Add a secret of len bytes (any bytes; at least MS_KEY_MIN_LEN). Algorithms
 * are fetched and keyed contexts made here, not per use.
 * On failure returns APR_EINVAL and *error (from the keyring's pool). */
apr_status_t ms_keyring_add(ms_keyring *kr, const char *secret, apr_size_t len,
                            const char **error);

int ms_keyring_count(const ms_keyring *kr);

/* Lowercase hex HMAC-SHA256 of data under key i, into out
 * (MS_HMAC_HEX_LEN + 1 bytes, NUL-terminated). */
apr_status_t ms_keyring_hmac_hex(const ms_keyring *kr, int i,
                                 const void *data, apr_size_t len, char *out);

/* AES-256-CBC with PKCS#7 padding under key i. out must hold len + 16 bytes
 * (encrypt) or len bytes (decrypt); for decrypt it must not overlap in.
 * Decrypt fails (APR_EINVAL) on an empty input, a length that is not a
 * multiple of 16, or bad padding. */
apr_status_t ms_keyring_cbc_encrypt(const ms_keyring *kr, int i,
                                    const unsigned char iv[16],
                                    const unsigned char *in, apr_size_t len,
                                    unsigned char *out, apr_size_t *outlen);
apr_status_t ms_keyring_cbc_decrypt(const ms_keyring *kr, int i,
                                    const unsigned char iv[16],
                                    const unsigned char *in, apr_size_t len,
                                    unsigned char *out, apr_size_t *outlen);

/* --- sealed format ------------------------------------------------------- */

#define MS_SEALED_KID_LEN   4
#define MS_SEALED_NONCE_LEN 12
#define MS_SEALED_TAG_LEN   16

/* The key id of key i (MS_SEALED_KID_LEN bytes, not secret). */
const unsigned char *ms_keyring_sealed_kid(const ms_keyring *kr, int i);

/* AES-256-GCM under the sealed key of key i. aad is authenticated, not
 * encrypted. out holds len bytes. Open fails (APR_EINVAL) on a bad tag. */
apr_status_t ms_keyring_gcm_seal(const ms_keyring *kr, int i,
                                 const unsigned char nonce[MS_SEALED_NONCE_LEN],
                                 const unsigned char *aad, apr_size_t aad_len,
                                 const unsigned char *in, apr_size_t len,
                                 unsigned char *out,
                                 unsigned char tag[MS_SEALED_TAG_LEN]);
apr_status_t ms_keyring_gcm_open(const ms_keyring *kr, int i,
                                 const unsigned char nonce[MS_SEALED_NONCE_LEN],
                                 const unsigned char *aad, apr_size_t aad_len,
                                 const unsigned char *in, apr_size_t len,
                                 const unsigned char tag[MS_SEALED_TAG_LEN],
                                 unsigned char *out);

#endif
