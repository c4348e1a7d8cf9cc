/* The key ring: short keys refused, HMAC-SHA256 and AES-256-CBC against
 * published answers and OpenSSL, the sealed format's keys, cleanup. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ms_keyring.h"
#include "unit_tests.h"

#define K1 "0123456789abcdef0123456789abcdef"
#define K_NEW "new-secret-key-new-secret-key-new-secret-key"
#define K_OLD "old-secret-key-old-secret-key-old-secret-key"

START_TEST(keyring_refuses_short_keys)
{
    ms_keyring *kr = ms_keyring_make(ut_pool);
    const char *err = NULL;

    ck_assert_int_eq(ms_keyring_count(kr), 0);
    ck_assert_int_eq(ms_keyring_add(kr, K1, 31, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "32"));
    ck_assert_int_eq(ms_keyring_add(kr, "", 0, NULL), APR_EINVAL);
    ck_assert_int_eq(ms_keyring_add(kr, NULL, 40, NULL), APR_EINVAL);
    ck_assert_int_eq(ms_keyring_count(kr), 0);
    ck_assert_int_eq(ms_keyring_add(kr, K1, 32, &err), APR_SUCCESS);
    ck_assert_int_eq(ms_keyring_count(kr), 1);
    ck_assert_int_eq(ms_keyring_count(NULL), 0);
}
END_TEST

/* RFC 4231 test cases 6 and 7: keys longer than a block are hashed. */
START_TEST(keyring_hmac_known_answers)
{
    char key[131], mac[MS_HMAC_HEX_LEN + 1];
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    const char *m7 = "This is a test using a larger than block-size key and a "
                     "larger than block-size data. The key needs to be hashed "
                     "before being used by the HMAC algorithm.";
    ms_keyring *kr = ms_keyring_make(ut_pool);

    memset(key, 0xaa, sizeof(key));
    ck_assert_int_eq(ms_keyring_add(kr, key, sizeof(key), NULL), APR_SUCCESS);
    ck_assert_int_eq(ms_keyring_hmac_hex(kr, 0, m6, strlen(m6), mac), APR_SUCCESS);
    ck_assert_str_eq(mac, "60e431591ee0b67f0d8a26aacbf5b77f"
                          "8e0bc6213728c5140546040f0ee37f54");
    ck_assert_int_eq(ms_keyring_hmac_hex(kr, 0, m7, strlen(m7), mac), APR_SUCCESS);
    ck_assert_str_eq(mac, "9b09ffa71b942fcb27635fbcd5b0e944"
                          "bfdc63644f0713938a7f51535c3a35e2");
    ck_assert_int_ne(ms_keyring_hmac_hex(kr, 1, m6, 1, mac), APR_SUCCESS);
    ck_assert_int_ne(ms_keyring_hmac_hex(kr, -1, m6, 1, mac), APR_SUCCESS);
}
END_TEST

/* NIST SP 800-38A F.2.5, first block, then PKCS#7 and failure modes. */
START_TEST(keyring_cbc)
{
    static const unsigned char key[32] = {
        0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0,
        0x85, 0x7d, 0x77, 0x81, 0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7,
        0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4 };
    static const unsigned char iv[16] = {
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
    static const unsigned char pt[16] = {
        0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
        0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a };
    static const unsigned char ct[16] = {
        0xf5, 0x8c, 0x4c, 0x04, 0xd6, 0xe5, 0xf1, 0xba,
        0x77, 0x9e, 0xab, 0xfb, 0x5f, 0x7b, 0xfb, 0xd6 };
    unsigned char secret[40], out[64], back[64];
    apr_size_t n = 0, m = 0;
    ms_keyring *kr = ms_keyring_make(ut_pool);

    memcpy(secret, key, 32);
    memset(secret + 32, 'z', 8);        /* only the first 32 bytes are AES */
    ck_assert_int_eq(ms_keyring_add(kr, (const char *)secret, 40, NULL), APR_SUCCESS);
    ck_assert_int_eq(ms_keyring_cbc_encrypt(kr, 0, iv, pt, 16, out, &n), APR_SUCCESS);
    ck_assert_uint_eq(n, 32);           /* a whole block of padding */
    ck_assert_mem_eq(out, ct, 16);
    ck_assert_int_eq(ms_keyring_cbc_decrypt(kr, 0, iv, out, n, back, &m), APR_SUCCESS);
    ck_assert_uint_eq(m, 16);
    ck_assert_mem_eq(back, pt, 16);
    ck_assert_int_eq(ms_keyring_cbc_encrypt(kr, 0, iv, pt, 0, out, &n), APR_SUCCESS);
    ck_assert_uint_eq(n, 16);
    ck_assert_int_eq(ms_keyring_cbc_decrypt(kr, 0, iv, out, 16, back, &m), APR_SUCCESS);
    ck_assert_uint_eq(m, 0);
    /* the first block alone decrypts to pt, whose last byte is no padding */
    ck_assert_int_eq(ms_keyring_cbc_encrypt(kr, 0, iv, pt, 16, out, &n), APR_SUCCESS);
    ck_assert_int_eq(ms_keyring_cbc_decrypt(kr, 0, iv, out, 16, back, &m), APR_EINVAL);
    ck_assert_int_eq(ms_keyring_cbc_decrypt(kr, 0, iv, out, 0, back, &m), APR_EINVAL);
    ck_assert_int_eq(ms_keyring_cbc_decrypt(kr, 0, iv, out, 24, back, &m), APR_EINVAL);
    ck_assert_int_ne(ms_keyring_cbc_decrypt(kr, 1, iv, out, 32, back, &m), APR_SUCCESS);
    ck_assert_int_ne(ms_keyring_cbc_encrypt(kr, 1, iv, pt, 16, out, &n), APR_SUCCESS);
}
END_TEST

/* What OpenSSL's own AES-256-CBC decryption (with its PKCS#7 check) makes
 * of in: the plaintext length, or -1 when it refuses. */
static int evp_cbc_decrypt(const unsigned char *key, const unsigned char *iv,
                           const unsigned char *in, int len, unsigned char *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0, ok;

    ck_assert_ptr_nonnull(ctx);
    ok = EVP_DecryptInit_ex2(ctx, EVP_aes_256_cbc(), key, iv, NULL)
         && EVP_DecryptUpdate(ctx, out, &n1, in, len)
         && EVP_DecryptFinal_ex(ctx, out + n1, &n2);
    EVP_CIPHER_CTX_free(ctx);
    return ok ? n1 + n2 : -1;
}

/* The ring decrypts CBC block by block (ECB plus its own chaining and
 * unpadding): it must agree with OpenSSL's CBC on every input, the valid
 * paddings and the broken ones alike. */
START_TEST(keyring_cbc_decrypt_agrees_with_openssl)
{
    unsigned char secret[32], iv[16], buf[96], want[96], got[96];
    ms_keyring *kr = ms_keyring_make(ut_pool);
    apr_size_t m;
    int round, len, pad, n;

    ck_assert_int_eq(RAND_bytes(secret, sizeof(secret)), 1);
    ck_assert_int_eq(ms_keyring_add(kr, (const char *)secret, 32, NULL),
                     APR_SUCCESS);
    for (round = 0; round < 400; round++) {
        len = 16 * (1 + round % 6);
        ck_assert_int_eq(RAND_bytes(iv, 16), 1);
        /* a plaintext block ending in pad copies of pad, spoiled at times */
        ck_assert_int_eq(RAND_bytes(buf, len), 1);
        pad = round % 18;       /* 0 and 17 are never valid */
        if (pad >= 1 && pad <= 16)
            memset(buf + len - pad, pad, pad);
        else
            buf[len - 1] = (unsigned char)pad;
        if (round % 7 == 3)
            buf[len - 1 - (round % 16)] ^= 0x01;
        /* encrypt buf under CBC without padding: C is what to decrypt */
        {
            EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
            int c1 = 0, c2 = 0;
            ck_assert_int_eq(EVP_EncryptInit_ex2(ctx, EVP_aes_256_cbc(), secret,
                                                 iv, NULL), 1);
            EVP_CIPHER_CTX_set_padding(ctx, 0);
            ck_assert_int_eq(EVP_EncryptUpdate(ctx, want, &c1, buf, len), 1);
            ck_assert_int_eq(EVP_EncryptFinal_ex(ctx, want + c1, &c2), 1);
            ck_assert_int_eq(c1 + c2, len);
            EVP_CIPHER_CTX_free(ctx);
            memcpy(buf, want, len);
        }
        n = evp_cbc_decrypt(secret, iv, buf, len, want);
        m = 0;
        if (n < 0) {
            ck_assert_int_eq(ms_keyring_cbc_decrypt(kr, 0, iv, buf, len, got, &m),
                             APR_EINVAL);
        }
        else {
            ck_assert_int_eq(ms_keyring_cbc_decrypt(kr, 0, iv, buf, len, got, &m),
                             APR_SUCCESS);
            ck_assert_uint_eq(m, (apr_size_t)n);
            ck_assert_mem_eq(got, want, m);
        }
    }
    /* one buffer for both is refused, not garbled */
    ck_assert_int_eq(ms_keyring_cbc_decrypt(kr, 0, iv, buf, 16, buf, &m),
                     APR_EINVAL);
}
END_TEST

START_TEST(keyring_pool_cleanup)
{
    apr_pool_t *sub;
    ms_keyring *kr;
    int i;

    /* made and wiped many times: leaks would show under valgrind */
    for (i = 0; i < 50; i++) {
        ck_assert_int_eq(apr_pool_create(&sub, ut_pool), APR_SUCCESS);
        kr = ms_keyring_make(sub);
        ck_assert_int_eq(ms_keyring_add(kr, K_NEW, strlen(K_NEW), NULL), APR_SUCCESS);
        ck_assert_int_eq(ms_keyring_add(kr, K_OLD, strlen(K_OLD), NULL), APR_SUCCESS);
        apr_pool_clear(sub);
        apr_pool_destroy(sub);
    }
}
END_TEST

/* A secret is all of its bytes: one differing only after a NUL is another
 * key, for the MAC and for the sealed key id alike. */
START_TEST(keyring_binary_secret)
{
    char secret[48], mac1[MS_HMAC_HEX_LEN + 1], mac2[MS_HMAC_HEX_LEN + 1];
    ms_keyring *kr = ms_keyring_make(ut_pool);

    memset(secret, 0, sizeof(secret));
    secret[47] = 1;
    ck_assert_int_eq(ms_keyring_add(kr, secret, sizeof(secret), NULL), APR_SUCCESS);
    secret[47] = 2;
    ck_assert_int_eq(ms_keyring_add(kr, secret, sizeof(secret), NULL), APR_SUCCESS);
    ck_assert_int_eq(ms_keyring_hmac_hex(kr, 0, "x", 1, mac1), APR_SUCCESS);
    ck_assert_int_eq(ms_keyring_hmac_hex(kr, 1, "x", 1, mac2), APR_SUCCESS);
    ck_assert_str_ne(mac1, mac2);
    ck_assert_mem_ne(ms_keyring_sealed_kid(kr, 0), ms_keyring_sealed_kid(kr, 1),
                     MS_SEALED_KID_LEN);
}
END_TEST

/* The sealed key id is derived, not a piece of the secret, and each key
 * has its own. */
START_TEST(keyring_sealed_kids)
{
    ms_keyring *kr = ut_ring2(K_NEW, K_OLD);

    ck_assert_mem_ne(ms_keyring_sealed_kid(kr, 0), ms_keyring_sealed_kid(kr, 1),
                     MS_SEALED_KID_LEN);
    ck_assert_mem_ne(ms_keyring_sealed_kid(kr, 0), K_NEW, MS_SEALED_KID_LEN);
    ck_assert_mem_eq(ms_keyring_sealed_kid(ut_ring2(K_NEW, NULL), 0),
                     ms_keyring_sealed_kid(kr, 0), MS_SEALED_KID_LEN);
    ck_assert_ptr_null(ms_keyring_sealed_kid(kr, 2));
}
END_TEST

/* AES-256-GCM: a round trip with AAD; any change to the ciphertext, the
 * AAD or the tag, or the other key, fails to open. */
START_TEST(keyring_gcm)
{
    static const unsigned char nonce[MS_SEALED_NONCE_LEN] = { 1, 2, 3 };
    static const unsigned char aad[] = "header";
    const unsigned char *pt = (const unsigned char *)"the plaintext";
    unsigned char ct[13], tag[MS_SEALED_TAG_LEN], back[13];
    ms_keyring *kr = ut_ring2(K_NEW, K_OLD);

    ck_assert_int_eq(ms_keyring_gcm_seal(kr, 0, nonce, aad, 6, pt, 13, ct, tag),
                     APR_SUCCESS);
    ck_assert_mem_ne(ct, pt, 13);
    ck_assert_int_eq(ms_keyring_gcm_open(kr, 0, nonce, aad, 6, ct, 13, tag, back),
                     APR_SUCCESS);
    ck_assert_mem_eq(back, pt, 13);
    ck_assert_int_eq(ms_keyring_gcm_open(kr, 1, nonce, aad, 6, ct, 13, tag, back),
                     APR_EINVAL);
    ck_assert_int_eq(ms_keyring_gcm_open(kr, 0, nonce, aad, 5, ct, 13, tag, back),
                     APR_EINVAL);
    ct[4] ^= 1;
    ck_assert_int_eq(ms_keyring_gcm_open(kr, 0, nonce, aad, 6, ct, 13, tag, back),
                     APR_EINVAL);
    ct[4] ^= 1;
    tag[15] ^= 0x80;
    ck_assert_int_eq(ms_keyring_gcm_open(kr, 0, nonce, aad, 6, ct, 13, tag, back),
                     APR_EINVAL);
    ck_assert_int_ne(ms_keyring_gcm_seal(kr, 2, nonce, aad, 6, pt, 13, ct, tag),
                     APR_SUCCESS);
}
END_TEST

Suite *keyring_suite(void)
{
    Suite *s = suite_create("keyring");
    TCase *tc = tcase_create("keyring");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, keyring_refuses_short_keys);
    tcase_add_test(tc, keyring_hmac_known_answers);
    tcase_add_test(tc, keyring_cbc);
    tcase_add_test(tc, keyring_cbc_decrypt_agrees_with_openssl);
    tcase_add_test(tc, keyring_binary_secret);
    tcase_add_test(tc, keyring_sealed_kids);
    tcase_add_test(tc, keyring_gcm);
    tcase_add_test(tc, keyring_pool_cleanup);
    suite_add_tcase(s, tc);
    return s;
}
