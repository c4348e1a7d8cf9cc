/* Micro-benchmark of the Marten cookie codec against the bare OpenSSL floor.
 *
 *   codec_bench time            ns/op of every operation (native, best of
 *                               several batches)
 *   codec_bench count N         run every operation N times inside a
 *                               function named measure_<op>, for
 *                               valgrind --tool=callgrind
 *                               --collect-atstart=no
 *                               --toggle-collect=measure_*
 *                               (instructions/op = inclusive cost / N)
 *   codec_bench info            sizes of what is measured
 *
 * The session is the same 5-key session the httpd benchmarks use. The
 * floor is what the format cannot do without:
 *   decode: HMAC-SHA256 over the signed text (the base64 envelope) and an
 *           AES-256-CBC decrypt of the ciphertext;
 *   encode: the same HMAC over the new envelope, an AES-256-CBC encrypt of
 *           the plaintext and 16 random bytes for the IV.
 * Both as cheap as OpenSSL allows: HMAC from precomputed inner and outer
 * SHA-256 states, the AES key schedule made once and only the IV reset.
 * A second HMAC floor through EVP_MAC (one keyed context re-initialised)
 * is shown beside it. */
#define OPENSSL_SUPPRESS_DEPRECATED 1   /* low-level SHA256_* for the floor */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "ms_base64.h"
#include "ms_codec_marten.h"
#include "ms_json.h"
#include "ms_keyring.h"

#define BENCH_KEY "bench-secret-key-0123456789abcdef-0123456789abcdef-0123456789ab"

/* The benchmark session; bench/run.py uses the same keys and values. */
static const char *const session_kv[][2] = {
    { "user_id", "4217" },
    { "email", "alice@example.com" },
    { "role", "editor" },
    { "csrf_token", "9f86d081884c7d659a2feaa0c55ad015" },
    { "visits", "1" },
};

#define NOINLINE __attribute__((noinline))

static apr_pool_t *root, *scratch;
static ms_keyring *kr;
static apr_table_t *session;
static char *json, *cookie;
static apr_size_t json_len, cookie_len, signed_len;
static unsigned char cipher_text[256], iv[16];
static apr_size_t cipher_len;
static unsigned sink;

/* --- the floor ------------------------------------------------------------ */

static SHA256_CTX hmac_inner, hmac_outer;
static EVP_MAC_CTX *evp_mac;
static EVP_CIPHER_CTX *aes_dec, *aes_enc;

static void floor_setup(void)
{
    unsigned char k[64], pad[64];
    const char *key = BENCH_KEY;
    size_t klen = strlen(key), i;
    OSSL_PARAM params[2];
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_CIPHER *cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);

    memset(k, 0, sizeof(k));
    if (klen > 64)
        SHA256((const unsigned char *)key, klen, k);
    else
        memcpy(k, key, klen);
    for (i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    SHA256_Init(&hmac_inner);
    SHA256_Update(&hmac_inner, pad, 64);
    for (i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&hmac_outer);
    SHA256_Update(&hmac_outer, pad, 64);

    evp_mac = EVP_MAC_CTX_new(mac);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    EVP_MAC_init(evp_mac, (const unsigned char *)key, klen, params);

    aes_dec = EVP_CIPHER_CTX_new();
    aes_enc = EVP_CIPHER_CTX_new();
    EVP_CipherInit_ex2(aes_dec, cbc, (const unsigned char *)key, iv, 0, NULL);
    EVP_CipherInit_ex2(aes_enc, cbc, (const unsigned char *)key, iv, 1, NULL);
    EVP_MAC_free(mac);
    EVP_CIPHER_free(cbc);
}

static void hmac_floor(const void *data, size_t len, unsigned char md[32])
{
    SHA256_CTX c = hmac_inner;

    SHA256_Update(&c, data, len);
    SHA256_Final(md, &c);
    c = hmac_outer;
    SHA256_Update(&c, md, 32);
    SHA256_Final(md, &c);
}

static void hmac_evp(const void *data, size_t len, unsigned char md[32])
{
    size_t n;

    EVP_MAC_init(evp_mac, NULL, 0, NULL);
    EVP_MAC_update(evp_mac, data, len);
    EVP_MAC_final(evp_mac, md, &n, 32);
}

static size_t aes_cbc(EVP_CIPHER_CTX *ctx, int enc, const unsigned char *in,
                      size_t len, unsigned char *out)
{
    int n1 = 0, n2 = 0;

    EVP_CipherInit_ex2(ctx, NULL, NULL, iv, enc, NULL);
    EVP_CipherUpdate(ctx, out, &n1, in, (int)len);
    EVP_CipherFinal_ex(ctx, out + n1, &n2);
    return (size_t)(n1 + n2);
}

/* --- the operations ------------------------------------------------------- */

static unsigned long iteration;

static void scratch_tick(void)
{
    /* Pool memory is given back every 16 operations, as a request would. */
    if ((++iteration & 15) == 0)
        apr_pool_clear(scratch);
}

static void op_decode(void)
{
    char *plain;
    apr_size_t plen;

    if (ms_marten_decode(kr, cookie, cookie_len, apr_time_now(), scratch,
                         &plain, &plen, NULL, NULL) != MS_COOKIE_OK) {
        fprintf(stderr, "codec_bench: decode failed\n");
        exit(1);
    }
    sink += (unsigned)plen;
    scratch_tick();
}

static void op_decode_table(void)
{
    char *plain;
    apr_size_t plen;
    apr_table_t *t;

    if (ms_marten_decode(kr, cookie, cookie_len, apr_time_now(), scratch,
                         &plain, &plen, NULL, NULL) != MS_COOKIE_OK
        || ms_json_to_table(plain, plen, scratch, &t) != MS_JSON_OK) {
        fprintf(stderr, "codec_bench: decode+json failed\n");
        exit(1);
    }
    sink += (unsigned)apr_table_elts(t)->nelts;
    scratch_tick();
}

static void op_encode(void)
{
    apr_size_t n;
    char *j = ms_table_to_json(session, scratch, &n), *out;

    if (ms_marten_encode(kr, j, n, apr_time_from_sec(1900000000), NULL,
                         scratch, &out) != APR_SUCCESS) {
        fprintf(stderr, "codec_bench: encode failed\n");
        exit(1);
    }
    sink += (unsigned)out[0];
    scratch_tick();
}

static void op_floor_decode(void)
{
    unsigned char md[32], out[256];

    hmac_floor(cookie, signed_len, md);
    sink += md[0] + (unsigned)aes_cbc(aes_dec, 0, cipher_text, cipher_len, out);
}

static void op_floor_decode_evp(void)
{
    unsigned char md[32], out[256];

    hmac_evp(cookie, signed_len, md);
    sink += md[0] + (unsigned)aes_cbc(aes_dec, 0, cipher_text, cipher_len, out);
}

static void op_floor_encode(void)
{
    unsigned char md[32], out[256], rnd[16];

    RAND_bytes(rnd, sizeof(rnd));
    sink += rnd[0] + (unsigned)aes_cbc(aes_enc, 1, (const unsigned char *)json,
                                       json_len, out);
    hmac_floor(cookie, signed_len, md);
    sink += md[0];
}

static void op_hmac(void)
{
    unsigned char md[32];

    hmac_floor(cookie, signed_len, md);
    sink += md[0];
}

static void op_aes_dec(void)
{
    unsigned char out[256];

    sink += (unsigned)aes_cbc(aes_dec, 0, cipher_text, cipher_len, out);
}

/* One measure_<op> per operation, so callgrind's --toggle-collect sees
 * only the measured loop (not the set-up, not the warm-up). */
#define MEASURE(name) \
    NOINLINE void measure_##name(long n); \
    NOINLINE void measure_##name(long n) { long i; for (i = 0; i < n; i++) op_##name(); }
MEASURE(decode)
MEASURE(decode_table)
MEASURE(encode)
MEASURE(floor_decode)
MEASURE(floor_decode_evp)
MEASURE(floor_encode)
MEASURE(hmac)
MEASURE(aes_dec)

typedef struct {
    const char *name;
    void (*op)(void);
    void (*measure)(long);
} bench_op;

static const bench_op ops[] = {
    { "decode", op_decode, measure_decode },
    { "decode_table", op_decode_table, measure_decode_table },
    { "encode", op_encode, measure_encode },
    { "floor_decode", op_floor_decode, measure_floor_decode },
    { "floor_decode_evp", op_floor_decode_evp, measure_floor_decode_evp },
    { "floor_encode", op_floor_encode, measure_floor_encode },
    { "hmac", op_hmac, measure_hmac },
    { "aes_dec", op_aes_dec, measure_aes_dec },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* --- set-up --------------------------------------------------------------- */

static void setup(void)
{
    const char *error = NULL, *sep;
    unsigned char *env, *hex;
    apr_size_t envlen, hexlen, i;
    size_t k;
    char *p;

    apr_initialize();
    apr_pool_create(&root, NULL);
    apr_pool_create(&scratch, root);
    kr = ms_keyring_make(root);
    if (ms_keyring_add(kr, BENCH_KEY, strlen(BENCH_KEY), &error) != APR_SUCCESS) {
        fprintf(stderr, "codec_bench: %s\n", error);
        exit(1);
    }
    session = apr_table_make(root, 8);
    for (k = 0; k < sizeof(session_kv) / sizeof(session_kv[0]); k++)
        apr_table_set(session, session_kv[k][0], session_kv[k][1]);
    json = ms_table_to_json(session, root, &json_len);
    if (ms_marten_encode(kr, json, json_len, apr_time_from_sec(1900000000),
                         NULL, root, &cookie) != APR_SUCCESS) {
        fprintf(stderr, "codec_bench: encode failed\n");
        exit(1);
    }
    cookie_len = strlen(cookie);
    sep = strstr(cookie, "--");
    signed_len = (apr_size_t)(sep - cookie);

    /* The ciphertext inside, for the AES floor. */
    ms_base64_decode_lenient(cookie, signed_len, root, &env, &envlen);
    p = strstr((char *)env, "\"value\":\"") + 9;
    *strchr(p, '"') = '\0';
    ms_base64_decode_lenient(p, strlen(p), root, &hex, &hexlen);
    cipher_len = hexlen / 2 - 16;
    for (i = 0; i < cipher_len; i++)
        sscanf((char *)hex + 2 * i, "%2hhx", &cipher_text[i]);
    for (i = 0; i < 16; i++)
        sscanf((char *)hex + 2 * (cipher_len + i), "%2hhx", &iv[i]);
    floor_setup();
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void run_time(void)
{
    size_t k;

    for (k = 0; k < NOPS; k++) {
        double best = 1e30, t0;
        long n = 2000;
        int batch;

        ops[k].measure(200);                 /* warm-up */
        /* size a batch to about 20 ms, then keep the best of 7 */
        for (;;) {
            t0 = now_ns();
            ops[k].measure(n);
            if (now_ns() - t0 > 2e7 || n > 50000000)
                break;
            n *= 2;
        }
        for (batch = 0; batch < 7; batch++) {
            double per;
            t0 = now_ns();
            ops[k].measure(n);
            per = (now_ns() - t0) / n;
            if (per < best)
                best = per;
        }
        printf("%s %.1f\n", ops[k].name, best);
    }
}

int main(int argc, char **argv)
{
    size_t k;

    setup();
    if (argc >= 2 && strcmp(argv[1], "time") == 0) {
        run_time();
    }
    else if (argc >= 3 && strcmp(argv[1], "count") == 0) {
        long n = atol(argv[2]);
        for (k = 0; k < NOPS; k++) {
            ops[k].op();                     /* warm-up, not collected */
            ops[k].op();
            ops[k].measure(n);
        }
    }
    else if (argc >= 2 && strcmp(argv[1], "info") == 0) {
        printf("json_bytes %lu\ncookie_bytes %lu\nsigned_bytes %lu\n"
               "ciphertext_bytes %lu\n", (unsigned long)json_len,
               (unsigned long)cookie_len, (unsigned long)signed_len,
               (unsigned long)cipher_len);
        printf("json %s\n", json);
    }
    else {
        fprintf(stderr, "usage: codec_bench time | count N | info\n");
        return 2;
    }
    if (sink == 42)
        fputc(' ', stderr);
    apr_pool_destroy(root);
    apr_terminate();
    return 0;
}
