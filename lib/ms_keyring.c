/* The key ring: per secret, the HMAC-SHA256 key as precomputed inner and
 * outer SHA-256 states, the AES-256 key and the sealed format's
 * HKDF-derived GCM key and key id, made once. Every call can run on any
 * thread: an HMAC copies the precomputed states onto the stack, and a cipher
 * call borrows a context that was keyed once (key schedule kept, only the
 * IV reset) from a small lock-free set of slots, so no per-call allocation,
 * keying or locking happens on the hot path (docs/performance.md). */

/* The low-level SHA-256 functions are deprecated in OpenSSL 3 but present
 * (they are what EVP's HMAC runs underneath, minus the provider layer).
 * Without them (OPENSSL_NO_DEPRECATED_3_0) the ring falls back to
 * duplicating a keyed EVP_MAC context per call. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/opensslconf.h>
#if !defined(OPENSSL_NO_DEPRECATED_3_0)
#include <openssl/sha.h>
#define MS_HMAC_STATES 1
#endif

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "ms_hex.h"
#include "ms_keyring.h"

#define AES_KEY_LEN 32
#define AES_BLOCK 16
#define SHA256_LEN 32

/* HKDF inputs of the sealed format (docs/cookie-formats.md): one salt, and
 * one info string per purpose, so no derived key serves two purposes. */
#define SEALED_SALT     "mod_marten_session sealed v1"
#define SEALED_INFO_ENC "aes-256-gcm cookie key"
#define SEALED_INFO_KID "key id"

/* Cipher contexts keyed once, per key and purpose, borrowed per call. A
 * slot is taken with a compare-and-swap on busy; its context is made by
 * the first thread that takes it. When all are busy a call makes a
 * temporary context, as it would without slots. */
#define CTX_SLOTS 64
enum { CTX_ECB_DEC, CTX_CBC_ENC, CTX_GCM_OPEN, CTX_GCM_SEAL, CTX_KINDS };

typedef struct {
    volatile apr_uint32_t busy;
    EVP_CIPHER_CTX *ctx;
} ctx_slot;

typedef struct {
    EVP_MAC_CTX *mac;                 /* keyed with the whole secret */
#ifdef MS_HMAC_STATES
    SHA256_CTX hmac_in, hmac_out;     /* after (key ^ ipad), (key ^ opad) */
#endif
    ctx_slot *slots[CTX_KINDS];       /* CTX_SLOTS each */
    unsigned char aes[AES_KEY_LEN];   /* the first 32 bytes of it */
    unsigned char gcm[AES_KEY_LEN];   /* sealed: HKDF(secret, ENC) */
    unsigned char kid[MS_SEALED_KID_LEN]; /* sealed: HKDF(secret, KID) */
} ms_key;

struct ms_keyring {
    apr_pool_t *pool;
    EVP_MAC *hmac;
    EVP_CIPHER *aes_cbc;
    EVP_CIPHER *aes_ecb;              /* CBC decryption, see cbc_decrypt */
    EVP_CIPHER *aes_gcm;
    EVP_KDF *hkdf;
    apr_array_header_t *keys;         /* of ms_key */
};

static apr_status_t keyring_cleanup(void *data)
{
    ms_keyring *kr = data;
    int i;

    for (i = 0; i < kr->keys->nelts; i++) {
        ms_key *k = &APR_ARRAY_IDX(kr->keys, i, ms_key);
        int kind, s;
        EVP_MAC_CTX_free(k->mac);
        k->mac = NULL;
        for (kind = 0; kind < CTX_KINDS; kind++) {
            for (s = 0; k->slots[kind] && s < CTX_SLOTS; s++) {
                EVP_CIPHER_CTX_free(k->slots[kind][s].ctx);
                k->slots[kind][s].ctx = NULL;
            }
        }
#ifdef MS_HMAC_STATES
        OPENSSL_cleanse(&k->hmac_in, sizeof(k->hmac_in));
        OPENSSL_cleanse(&k->hmac_out, sizeof(k->hmac_out));
#endif
        OPENSSL_cleanse(k->aes, sizeof(k->aes));
        OPENSSL_cleanse(k->gcm, sizeof(k->gcm));
    }
    kr->keys->nelts = 0;
    EVP_MAC_free(kr->hmac);
    EVP_CIPHER_free(kr->aes_cbc);
    EVP_CIPHER_free(kr->aes_ecb);
    EVP_CIPHER_free(kr->aes_gcm);
    EVP_KDF_free(kr->hkdf);
    kr->hmac = NULL;
    kr->aes_cbc = NULL;
    kr->aes_ecb = NULL;
    kr->aes_gcm = NULL;
    kr->hkdf = NULL;
    return APR_SUCCESS;
}

ms_keyring *ms_keyring_make(apr_pool_t *p)
{
    ms_keyring *kr = apr_pcalloc(p, sizeof(*kr));

    kr->pool = p;
    kr->keys = apr_array_make(p, 2, sizeof(ms_key));
    /* A failed fetch is retried, and reported, by ms_keyring_add. */
    kr->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    kr->aes_cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    kr->aes_ecb = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
    kr->aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    kr->hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    apr_pool_cleanup_register(p, kr, keyring_cleanup, apr_pool_cleanup_null);
    return kr;
}

static int fetch_algorithms(ms_keyring *kr)
{
    if (kr->hmac == NULL)
        kr->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (kr->aes_cbc == NULL)
        kr->aes_cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    if (kr->aes_ecb == NULL)
        kr->aes_ecb = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
    if (kr->aes_gcm == NULL)
        kr->aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    if (kr->hkdf == NULL)
        kr->hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    return kr->hmac != NULL && kr->aes_cbc != NULL && kr->aes_ecb != NULL
           && kr->aes_gcm != NULL
           && kr->hkdf != NULL;
}

/* HKDF-SHA256 (RFC 5869, extract then expand) of the secret for one
 * purpose, into out[0..outlen). */
static int hkdf(EVP_KDF *kdf, const char *secret, apr_size_t len,
                const char *info, unsigned char *out, apr_size_t outlen)
{
    OSSL_PARAM params[5];
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    int ok;

    if (ctx == NULL)
        return 0;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  (void *)secret, len);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                  (void *)SEALED_SALT,
                                                  sizeof(SEALED_SALT) - 1);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                  (void *)info, strlen(info));
    params[4] = OSSL_PARAM_construct_end();
    ok = EVP_KDF_derive(ctx, out, outlen, params) > 0;
    EVP_KDF_CTX_free(ctx);
    return ok;
}

static EVP_MAC_CTX *keyed_hmac(EVP_MAC *hmac, const char *secret,
                               apr_size_t len)
{
    OSSL_PARAM params[2];
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac);

    if (ctx == NULL)
        return NULL;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(ctx, (const unsigned char *)secret, len, params)) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

#ifdef MS_HMAC_STATES
/* RFC 2104: the key (hashed first when longer than a block) padded to 64
 * bytes, XOR ipad and XOR opad, each absorbed into its own SHA-256. */
static int hmac_states(const char *secret, apr_size_t len, SHA256_CTX *in,
                       SHA256_CTX *out)
{
    unsigned char k[64], pad[64];
    int i, ok;

    memset(k, 0, sizeof(k));
    if (len > sizeof(k))
        SHA256((const unsigned char *)secret, len, k);
    else
        memcpy(k, secret, len);
    for (i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    ok = SHA256_Init(in) && SHA256_Update(in, pad, sizeof(pad));
    for (i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    ok = ok && SHA256_Init(out) && SHA256_Update(out, pad, sizeof(pad));
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(pad, sizeof(pad));
    return ok;
}
#endif

apr_status_t ms_keyring_add(ms_keyring *kr, const char *secret, apr_size_t len,
                            const char **error)
{
    int kind;
    ms_key *k;
    EVP_MAC_CTX *mac;
    const char *dummy;

    if (error == NULL)
        error = &dummy;
    if (kr == NULL || secret == NULL || len < MS_KEY_MIN_LEN) {
        *error = kr ? apr_psprintf(kr->pool, "a secret key must have at "
                                   "least %d bytes", MS_KEY_MIN_LEN)
                    : "no key ring";
        return APR_EINVAL;
    }
    if (!fetch_algorithms(kr)) {
        *error = "OpenSSL provides no HMAC, AES-256-CBC, AES-256-GCM or HKDF";
        return APR_EINVAL;
    }
    if ((mac = keyed_hmac(kr->hmac, secret, len)) == NULL) {
        *error = "cannot key HMAC-SHA256 with this secret";
        return APR_EINVAL;
    }
    k = apr_array_push(kr->keys);
    memset(k, 0, sizeof(*k));
    k->mac = mac;
    for (kind = 0; kind < CTX_KINDS; kind++)
        k->slots[kind] = apr_pcalloc(kr->pool, CTX_SLOTS * sizeof(ctx_slot));
#ifdef MS_HMAC_STATES
    if (!hmac_states(secret, len, &k->hmac_in, &k->hmac_out)) {
        EVP_MAC_CTX_free(k->mac);
        OPENSSL_cleanse(k, sizeof(*k));
        kr->keys->nelts--;
        *error = "cannot key HMAC-SHA256 with this secret";
        return APR_EINVAL;
    }
#endif
    memcpy(k->aes, secret, AES_KEY_LEN);
    if (!hkdf(kr->hkdf, secret, len, SEALED_INFO_ENC, k->gcm, sizeof(k->gcm))
        || !hkdf(kr->hkdf, secret, len, SEALED_INFO_KID, k->kid,
                 sizeof(k->kid))) {
        EVP_MAC_CTX_free(k->mac);
        OPENSSL_cleanse(k, sizeof(*k));
        kr->keys->nelts--;
        *error = "cannot derive the sealed-format keys (HKDF-SHA256)";
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

int ms_keyring_count(const ms_keyring *kr)
{
    return kr ? kr->keys->nelts : 0;
}

static const ms_key *key_at(const ms_keyring *kr, int i)
{
    if (kr == NULL || i < 0 || i >= kr->keys->nelts)
        return NULL;
    return &APR_ARRAY_IDX(kr->keys, i, ms_key);
}

apr_status_t ms_keyring_hmac_hex(const ms_keyring *kr, int i,
                                 const void *data, apr_size_t len, char *out)
{
    const ms_key *k = key_at(kr, i);
    unsigned char md[SHA256_LEN];
    int ok;
#ifdef MS_HMAC_STATES
    SHA256_CTX c;

    if (k == NULL)
        return APR_EINVAL;
    c = k->hmac_in;
    ok = SHA256_Update(&c, data, len) && SHA256_Final(md, &c);
    c = k->hmac_out;
    ok = ok && SHA256_Update(&c, md, sizeof(md)) && SHA256_Final(md, &c);
    OPENSSL_cleanse(&c, sizeof(c));
#else
    size_t mdlen = 0;
    EVP_MAC_CTX *ctx;

    if (k == NULL || (ctx = EVP_MAC_CTX_dup(k->mac)) == NULL)
        return APR_EINVAL;
    ok = EVP_MAC_update(ctx, data, len)
         && EVP_MAC_final(ctx, md, &mdlen, sizeof(md))
         && mdlen == SHA256_LEN;
    EVP_MAC_CTX_free(ctx);
#endif
    if (!ok)
        return APR_EGENERAL;
    ms_hex_encode_lower(md, SHA256_LEN, out);
    OPENSSL_cleanse(md, sizeof(md));
    return APR_SUCCESS;
}

/* --- keyed cipher contexts ----------------------------------------------- */

/* A new context of this kind for key k, its key schedule made. */
static EVP_CIPHER_CTX *keyed_ctx(const ms_keyring *kr, const ms_key *k,
                                 int kind)
{
    const EVP_CIPHER *cipher = kind == CTX_ECB_DEC ? kr->aes_ecb
                               : kind == CTX_CBC_ENC ? kr->aes_cbc : kr->aes_gcm;
    const unsigned char *key = kind <= CTX_CBC_ENC ? k->aes : k->gcm;
    int enc = kind == CTX_CBC_ENC || kind == CTX_GCM_SEAL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    if (ctx == NULL || !EVP_CipherInit_ex2(ctx, cipher, key, NULL, enc, NULL)
        /* whole blocks in, whole blocks out: cbc_decrypt unpads */
        || (kind == CTX_ECB_DEC && !EVP_CIPHER_CTX_set_padding(ctx, 0))) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* A context of this kind for key k with its key schedule made, and the
 * slot to give back (NULL: a temporary context, to free). */
static EVP_CIPHER_CTX *ctx_take(const ms_keyring *kr, const ms_key *k,
                                int kind, ctx_slot **slot)
{
    ctx_slot *slots = k->slots[kind];
    int s;

    *slot = NULL;
    for (s = 0; slots && s < CTX_SLOTS; s++) {
        if (slots[s].busy || apr_atomic_cas32(&slots[s].busy, 1, 0) != 0)
            continue;
        if (slots[s].ctx == NULL
            && (slots[s].ctx = keyed_ctx(kr, k, kind)) == NULL) {
            apr_atomic_set32(&slots[s].busy, 0);
            return NULL;
        }
        *slot = &slots[s];
        return slots[s].ctx;
    }
    return keyed_ctx(kr, k, kind);
}

static void ctx_give(EVP_CIPHER_CTX *ctx, ctx_slot *slot)
{
    if (slot)
        apr_atomic_set32(&slot->busy, 0);
    else
        EVP_CIPHER_CTX_free(ctx);
}

apr_status_t ms_keyring_cbc_encrypt(const ms_keyring *kr, int i,
                                    const unsigned char iv[16],
                                    const unsigned char *in, apr_size_t len,
                                    unsigned char *out, apr_size_t *outlen)
{
    const ms_key *k = key_at(kr, i);
    EVP_CIPHER_CTX *ctx;
    ctx_slot *slot;
    int n1 = 0, n2 = 0, ok;

    if (k == NULL || iv == NULL || len > (apr_size_t)(INT_MAX - AES_BLOCK))
        return APR_EINVAL;
    if ((ctx = ctx_take(kr, k, CTX_CBC_ENC, &slot)) == NULL)
        return APR_ENOMEM;
    /* no cipher, no key: keep the schedule, set the IV, reset the state */
    ok = EVP_CipherInit_ex2(ctx, NULL, NULL, iv, 1, NULL)
         && EVP_CipherUpdate(ctx, out, &n1, in, (int)len)
         && EVP_CipherFinal_ex(ctx, out + n1, &n2);
    ctx_give(ctx, slot);
    if (!ok)
        return APR_EGENERAL;
    if (outlen)
        *outlen = (apr_size_t)n1 + (apr_size_t)n2;
    return APR_SUCCESS;
}

/* out[0..16) ^= in[0..16), a word at a time */
static APR_INLINE void xor_block(unsigned char *out, const unsigned char *in)
{
    apr_uint64_t a[2], b[2];

    memcpy(a, out, AES_BLOCK);
    memcpy(b, in, AES_BLOCK);
    a[0] ^= b[0];
    a[1] ^= b[1];
    memcpy(out, a, AES_BLOCK);
}

/* CBC decryption is block-wise: P[j] = AES-decrypt(C[j]) XOR C[j-1], with
 * the IV as C[-1]. So every block goes through one ECB pass of a context
 * keyed once, and the chaining and the PKCS#7 check are done here: no IV
 * to set per call, which costs more than the AES itself for a cookie.
 * The MAC was verified before anything is decrypted, so the padding check
 * is no oracle. */
apr_status_t ms_keyring_cbc_decrypt(const ms_keyring *kr, int i,
                                    const unsigned char iv[16],
                                    const unsigned char *in, apr_size_t len,
                                    unsigned char *out, apr_size_t *outlen)
{
    const ms_key *k = key_at(kr, i);
    EVP_CIPHER_CTX *ctx;
    ctx_slot *slot;
    apr_size_t j, pad;
    int n = 0, ok;

    /* OpenSSL would accept an empty input; Marten's cipher does not. */
    if (k == NULL || iv == NULL || len == 0 || len % AES_BLOCK != 0
        || len > (apr_size_t)INT_MAX || out == in)
        return APR_EINVAL;
    if ((ctx = ctx_take(kr, k, CTX_ECB_DEC, &slot)) == NULL)
        return APR_ENOMEM;
    ok = EVP_CipherUpdate(ctx, out, &n, in, (int)len) && (apr_size_t)n == len;
    ctx_give(ctx, slot);
    if (!ok)
        return APR_EINVAL;
    xor_block(out, iv);
    for (j = AES_BLOCK; j < len; j += AES_BLOCK)
        xor_block(out + j, in + j - AES_BLOCK);
    pad = out[len - 1];
    if (pad < 1 || pad > AES_BLOCK)
        return APR_EINVAL;
    for (j = len - pad; j < len; j++)
        if (out[j] != pad)
            return APR_EINVAL;
    if (outlen)
        *outlen = len - pad;
    return APR_SUCCESS;
}

/* --- sealed format: AES-256-GCM ----------------------------------------- */

const unsigned char *ms_keyring_sealed_kid(const ms_keyring *kr, int i)
{
    const ms_key *k = key_at(kr, i);
    return k ? k->kid : NULL;
}

/* One whole GCM pass; enc is 1 to seal, 0 to open (tag checked). */
static apr_status_t gcm(const ms_keyring *kr, int i, int enc,
                        const unsigned char *nonce,
                        const unsigned char *aad, apr_size_t aad_len,
                        const unsigned char *in, apr_size_t len,
                        unsigned char *out, unsigned char *tag)
{
    const ms_key *k = key_at(kr, i);
    EVP_CIPHER_CTX *ctx;
    int n = 0, ok;

    ctx_slot *slot;

    if (k == NULL || nonce == NULL || tag == NULL || len > INT_MAX
        || aad_len > INT_MAX)
        return APR_EINVAL;
    if ((ctx = ctx_take(kr, k, enc ? CTX_GCM_SEAL : CTX_GCM_OPEN, &slot))
        == NULL)
        return APR_ENOMEM;
    /* 12-byte nonces are GCM's default IV length. The key schedule was made
     * once; this sets the nonce and resets the GCM state. */
    ok = EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, enc, NULL)
         && (aad_len == 0
             || EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len))
         && (len == 0 || EVP_CipherUpdate(ctx, out, &n, in, (int)len))
         && (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
                                        MS_SEALED_TAG_LEN, tag))
         && EVP_CipherFinal_ex(ctx, out + (len ? n : 0), &n)
         && (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
                                         MS_SEALED_TAG_LEN, tag));
    ctx_give(ctx, slot);
    if (!ok) {
        if (!enc && len)
            OPENSSL_cleanse(out, len);   /* never hand out unverified text */
        return enc ? APR_EGENERAL : APR_EINVAL;
    }
    return APR_SUCCESS;
}

apr_status_t ms_keyring_gcm_seal(const ms_keyring *kr, int i,
                                 const unsigned char nonce[MS_SEALED_NONCE_LEN],
                                 const unsigned char *aad, apr_size_t aad_len,
                                 const unsigned char *in, apr_size_t len,
                                 unsigned char *out,
                                 unsigned char tag[MS_SEALED_TAG_LEN])
{
    return gcm(kr, i, 1, nonce, aad, aad_len, in, len, out, tag);
}

apr_status_t ms_keyring_gcm_open(const ms_keyring *kr, int i,
                                 const unsigned char nonce[MS_SEALED_NONCE_LEN],
                                 const unsigned char *aad, apr_size_t aad_len,
                                 const unsigned char *in, apr_size_t len,
                                 const unsigned char tag[MS_SEALED_TAG_LEN],
                                 unsigned char *out)
{
    return gcm(kr, i, 0, nonce, aad, aad_len, in, len, out,
               (unsigned char *)tag);
}
