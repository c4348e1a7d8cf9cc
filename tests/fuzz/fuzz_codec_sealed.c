/* Fuzz target: the sealed cookie decoder (lib/ms_codec_sealed.c) and the
 * strict Base64url reader under it, with a valid key.
 *
 * The sealed format's MAC is the AES-256-GCM tag. No hook is needed to get
 * past it: mode 2 builds the binary cookie from the input's header bytes
 * (version, key id, the three times, nonce) and plaintext and seals it with
 * the key ring's public ms_keyring_gcm_seal, the header as associated data,
 * so the decoder sees a valid tag over arbitrary header fields and reaches
 * every check behind the tag. The codec is compiled as the module has it.
 *
 * Input: one mode byte, then the data for that mode:
 *   0  the cookie value itself
 *   1  the binary cookie: the target adds "S1." and Base64url
 *   2  header fields and plaintext, sealed with a valid tag:
 *        byte 0      version
 *        byte 1      0: this key's id, else bytes 2..5 are the key id
 *        bytes 2..5  key id (when byte 1 is not 0)
 *        bytes 6..29 issued, seen, expires (big-endian seconds)
 *        bytes 30..41 nonce; the rest is the plaintext
 *   3  a plaintext and times for the encoder: bytes 0..23 the times, the
 *      rest the plaintext; encoded, then decoded (round trip)
 *
 * Checked: statuses have a phrase; an OK decode gives a NUL-terminated
 * plaintext of the reported length, times in order and an expiry after
 * now; in modes 2 and 3, well-ordered future times with the right version
 * and key id decode OK to exactly the plaintext sealed, and any other
 * header is refused. */
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "fuzz_common.h"
#include "ms_base64url.h"
#include "ms_codec_sealed.h"
#include "ms_json.h"
#include "ms_keyring.h"

#define FUZZ_KEY "fuzzing-key-fuzzing-key-fuzzing-key-0123456789"
#define NOW apr_time_from_sec(APR_INT64_C(1893456000))      /* 2030-01-01 */
#define HDR (1 + MS_SEALED_KID_LEN + 24 + MS_SEALED_NONCE_LEN)

#ifdef MS_FUZZ_LIBFUZZER
/* As in fuzz_codec_marten.c: LeakSanitizer cannot see the key ring's
 * cached cipher contexts in pool memory; the replay checks at exit. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
#endif

static ms_keyring *keyring(void)
{
    static ms_keyring *kr;
    const char *err = NULL;

    if (kr == NULL) {
        kr = ms_keyring_make(fuzz_root_pool());
        if (ms_keyring_add(kr, FUZZ_KEY, strlen(FUZZ_KEY), &err)
            != APR_SUCCESS) {
            fprintf(stderr, "fuzz: keyring: %s\n", err ? err : "?");
            abort();
        }
    }
    return kr;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_pool_t *p;
    ms_sealed_times t = { NOW, NOW, NOW + apr_time_from_sec(60) };
    char *cookie, *plain;
    apr_size_t plen;

    (void)argc;
    (void)argv;
    /* one seal and open first: the key ring's contexts are made on use */
    p = fuzz_input_pool();
    FUZZ_CHECK(ms_sealed_encode(keyring(), "{}", 2, &t, NULL, p, &cookie)
               == APR_SUCCESS);
    FUZZ_CHECK(ms_sealed_decode(keyring(), cookie, strlen(cookie), NOW, p,
                                &plain, &plen, NULL, NULL) == MS_SEALED_OK);
    apr_pool_destroy(p);
    return 0;
}

static apr_int64_t be64(const unsigned char *b)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return (apr_int64_t)v;
}

/* The times as the decoder must judge them: 1 if acceptable now. */
static int times_ok(const unsigned char *b)
{
    apr_int64_t is = be64(b), se = be64(b + 8), ex = be64(b + 16);
    const apr_int64_t max = APR_INT64_C(253402300799);   /* 9999-12-31 */

    if (is < 0 || is > max || se < 0 || se > max || ex < 0 || ex > max)
        return 0;
    return se >= is && ex >= se && apr_time_from_sec(ex) > NOW;
}

static ms_sealed_status decode(const char *cookie, size_t len, apr_pool_t *p,
                               char **plain, apr_size_t *plen)
{
    ms_sealed_times t;
    int key = -1;
    ms_sealed_status st;

    *plain = NULL;
    *plen = 0;
    st = ms_sealed_decode(keyring(), cookie, len, NOW, p, plain, plen, &t,
                          &key);
    FUZZ_CHECK(ms_sealed_status_str(st) != NULL);
    if (st == MS_SEALED_OK) {
        apr_table_t *tbl;

        FUZZ_CHECK(*plain != NULL && (*plain)[*plen] == '\0');
        FUZZ_CHECK(t.issued >= 0 && t.seen >= t.issued
                   && t.expires >= t.seen && t.expires > NOW);
        FUZZ_CHECK(key == 0);
        (void)ms_json_to_table(*plain, *plen, p, &tbl);
    }
    return st;
}

static char *textual(const unsigned char *bin, apr_size_t n, apr_pool_t *p)
{
    char *out = apr_palloc(p, MS_SEALED_PREFIX_LEN
                              + ms_base64url_encoded_length(n) + 1);

    memcpy(out, MS_SEALED_PREFIX, MS_SEALED_PREFIX_LEN);
    ms_base64url_encode(bin, n, out + MS_SEALED_PREFIX_LEN);
    return out;
}

/* Mode 2: header fields from the input, a valid tag from the key. */
static void sealed_from_fields(const unsigned char *in, size_t n,
                               apr_pool_t *p)
{
    const unsigned char *kid = ms_keyring_sealed_kid(keyring(), 0);
    unsigned char *bin;
    const unsigned char *plain_in;
    apr_size_t plen_in, total, plen;
    char *cookie, *plain;
    ms_sealed_status st;
    int ok;

    if (n < 2 + 4 + 24 + MS_SEALED_NONCE_LEN)
        return;
    plain_in = in + 42;
    plen_in = n - 42;
    total = HDR + plen_in + MS_SEALED_TAG_LEN;
    bin = apr_palloc(p, total);
    bin[0] = in[0];
    memcpy(bin + 1, in[1] == 0 ? kid : in + 2, MS_SEALED_KID_LEN);
    memcpy(bin + 1 + MS_SEALED_KID_LEN, in + 6, 24);
    memcpy(bin + 1 + MS_SEALED_KID_LEN + 24, in + 30, MS_SEALED_NONCE_LEN);
    FUZZ_CHECK(ms_keyring_gcm_seal(keyring(), 0, bin + HDR - MS_SEALED_NONCE_LEN,
                                   bin, HDR, plain_in, plen_in, bin + HDR,
                                   bin + HDR + plen_in) == APR_SUCCESS);
    cookie = textual(bin, total, p);
    st = decode(cookie, strlen(cookie), p, &plain, &plen);
    ok = bin[0] == MS_SEALED_VERSION
         && memcmp(bin + 1, kid, MS_SEALED_KID_LEN) == 0
         && times_ok(bin + 1 + MS_SEALED_KID_LEN);
    FUZZ_CHECK(ok == (st == MS_SEALED_OK));
    if (ok)
        FUZZ_CHECK(plen == plen_in && memcmp(plain, plain_in, plen) == 0);
}

/* Mode 3: the encoder and back. */
static void round_trip(const unsigned char *in, size_t n, apr_pool_t *p)
{
    static const unsigned char nonce[MS_SEALED_NONCE_LEN] = { 1, 2, 3 };
    ms_sealed_times t;
    char *cookie, *plain;
    apr_size_t plen;
    ms_sealed_status st;

    if (n < 24)
        return;
    /* times within 0..9999-12-31 so the encoder can write them */
    t.issued = apr_time_from_sec(be64(in) & APR_INT64_C(0x3ffffffff));
    t.seen = apr_time_from_sec(be64(in + 8) & APR_INT64_C(0x3ffffffff));
    t.expires = apr_time_from_sec(be64(in + 16) & APR_INT64_C(0x3ffffffff));
    FUZZ_CHECK(ms_sealed_encode(keyring(), (const char *)in + 24, n - 24, &t,
                                nonce, p, &cookie) == APR_SUCCESS);
    FUZZ_CHECK(strlen(cookie) == ms_sealed_encoded_length(n - 24));
    FUZZ_CHECK(ms_sealed_is(cookie, strlen(cookie)));
    st = decode(cookie, strlen(cookie), p, &plain, &plen);
    if (t.issued <= t.seen && t.seen <= t.expires && t.expires > NOW) {
        FUZZ_CHECK(st == MS_SEALED_OK);
        FUZZ_CHECK(plen == n - 24 && memcmp(plain, in + 24, plen) == 0);
    }
    else {
        FUZZ_CHECK(st == MS_SEALED_BAD_TIMES || st == MS_SEALED_EXPIRED);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const unsigned char *in = data + 1;
    size_t n = size ? size - 1 : 0;
    char *cookie, *plain, *copy;
    apr_size_t plen;

    if (size == 0)
        return 0;
    p = fuzz_input_pool();
    switch (data[0] % 4) {
    case 0:
        copy = apr_palloc(p, n ? n : 1);   /* exactly n bytes */
        memcpy(copy, in, n);
        (void)decode(copy, n, p, &plain, &plen);
        break;
    case 1:
        cookie = textual(in, n, p);
        (void)decode(cookie, strlen(cookie), p, &plain, &plen);
        break;
    case 2:
        sealed_from_fields(in, n, p);
        break;
    default:
        round_trip(in, n, p);
        break;
    }
    apr_pool_destroy(p);
    return 0;
}
