/* Fuzz target: the Marten cookie decoder (lib/ms_codec_marten.c), with a
 * valid key. Built with -DMS_FUZZING_SKIP_MAC, the test hook that makes the
 * codec skip only the HMAC comparison, so mutated cookies reach the
 * envelope, Base64, hex and AES layers; everything else is the codec as
 * the module runs it. The hook is never compiled into the module.
 *
 * Input: one mode byte, then the data for that mode:
 *   0  the cookie value itself
 *   1  the signed DATA (the envelope JSON, or the no-expiry hex form):
 *      the target adds base64 and a "--" digest
 *   2  the hex payload text: the target wraps it in an envelope that
 *      expires in 2099 and signs it
 *   3  a session plaintext: encoded with the key and a fixed IV, then
 *      decoded, which must give the plaintext back exactly (this mode
 *      needs no hook: the MAC is real)
 * Whatever decodes is then read as session JSON, as the cookie store does.
 *
 * Checked: decode statuses have a phrase; an OK decode gives a
 * NUL-terminated plaintext of the reported length and an expiry after
 * now; the round trip of mode 3. */
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "fuzz_common.h"
#include "ms_base64.h"
#include "ms_codec_marten.h"
#include "ms_json.h"
#include "ms_keyring.h"

#define FUZZ_KEY "fuzzing-key-fuzzing-key-fuzzing-key-0123456789"
#define NOW apr_time_from_sec(APR_INT64_C(1893456000))      /* 2030-01-01 */
#define E2099 apr_time_from_sec(APR_INT64_C(4070908800))    /* 2099-01-01 */
#define DUMMY_DIGEST \
    "0000000000000000000000000000000000000000000000000000000000000000"

static const unsigned char fixed_iv[16] = {
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};

/* One encode and decode before the first input: the key ring makes its
 * cipher contexts on first use and keeps them (in pool memory), which
 * libFuzzer's per-input leak check would otherwise take for a leak. */
static void warm_up(ms_keyring *kr)
{
    apr_pool_t *p = fuzz_input_pool();
    char *cookie, *plain;
    apr_size_t plen;

    FUZZ_CHECK(ms_marten_encode(kr, "{}", 2, E2099, fixed_iv, p, &cookie)
               == APR_SUCCESS);
    FUZZ_CHECK(ms_marten_decode(kr, cookie, strlen(cookie), NOW, p, &plain,
                                &plen, NULL, NULL) == MS_COOKIE_OK);
    apr_pool_destroy(p);
}

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
        warm_up(kr);
    }
    return kr;
}

/* Base64 of data and a digest: signed with the key (so it verifies even
 * without the hook) when sign is set, else a dummy digest. */
static char *wrap(const char *data, size_t len, int sign, apr_pool_t *p)
{
    char mac[MS_HMAC_HEX_LEN + 1];
    apr_size_t blen;
    char *b = ms_base64_encode(data, len, p, &blen);

    FUZZ_CHECK(b != NULL);
    if (!sign)
        return apr_pstrcat(p, b, "--", DUMMY_DIGEST, NULL);
    FUZZ_CHECK(ms_keyring_hmac_hex(keyring(), 0, b, blen, mac) == APR_SUCCESS);
    return apr_pstrcat(p, b, "--", mac, NULL);
}

static ms_cookie_status decode(const char *cookie, size_t len, apr_pool_t *p,
                               char **plain, apr_size_t *plen)
{
    apr_time_t expires = -1;
    int key = -1;
    ms_cookie_status st;

    *plain = NULL;
    *plen = 0;
    st = ms_marten_decode(keyring(), cookie, len, NOW, p, plain, plen,
                          &expires, &key);
    FUZZ_CHECK(ms_cookie_status_str(st) != NULL);
    if (st == MS_COOKIE_OK) {
        apr_table_t *t;

        FUZZ_CHECK(*plain != NULL && (*plain)[*plen] == '\0');
        FUZZ_CHECK(expires == 0 || expires > NOW);
        FUZZ_CHECK(key == 0);
        (void)ms_json_to_table(*plain, *plen, p, &t);
    }
    return st;
}

#ifdef MS_FUZZ_LIBFUZZER
/* No leak checks while fuzzing this target: LeakSanitizer does not see
 * pointers kept in APR pool memory, so the key ring's cached cipher
 * contexts (made on first use, freed by the pool's cleanup) look leaked at
 * every check libFuzzer makes mid-run. The replay driver (make check)
 * still checks for leaks at exit, after the pools are destroyed. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
#endif

/* Before the first input (libFuzzer and the replay driver call it), so
 * the key ring's one-time allocations are not counted against an input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    (void)keyring();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *in = (const char *)data + 1;
    size_t n = size ? size - 1 : 0;
    char *cookie, *plain, *copy;
    apr_size_t plen;

    if (size == 0)
        return 0;
    p = fuzz_input_pool();
    switch (data[0] % 4) {
    case 0:
        /* exactly n bytes, so a read past the end is caught */
        copy = apr_palloc(p, n ? n : 1);
        memcpy(copy, in, n);
        (void)decode(copy, n, p, &plain, &plen);
        break;
    case 1:
        cookie = wrap(in, n, 0, p);
        (void)decode(cookie, strlen(cookie), p, &plain, &plen);
        break;
    case 2: {
        apr_size_t vlen;
        char *value = ms_base64_encode(in, n, p, &vlen);
        char *env = apr_pstrcat(p, "{\"_marten\":{\"value\":\"", value,
                                "\",\"expires\":\"2099-01-01T00:00:00Z\"}}",
                                NULL);
        cookie = wrap(env, strlen(env), 1, p);
        (void)decode(cookie, strlen(cookie), p, &plain, &plen);
        break;
    }
    default:
        FUZZ_CHECK(ms_marten_encode(keyring(), in, n, E2099, fixed_iv, p,
                                    &cookie) == APR_SUCCESS);
        FUZZ_CHECK(strlen(cookie) == ms_marten_encoded_length(n));
        FUZZ_CHECK(decode(cookie, strlen(cookie), p, &plain, &plen)
                   == MS_COOKIE_OK);
        FUZZ_CHECK(plen == n && memcmp(plain, in, n) == 0);
        break;
    }
    apr_pool_destroy(p);
    return 0;
}
