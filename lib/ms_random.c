/* RAND_bytes has a fixed cost per call (the DRBG's locks and checks) of
 * about 6,600 instructions, whether it makes 16 bytes or 1,024 (8,400):
 * more than the AES of a whole cookie. Every saved cookie needs 12 or 16
 * random bytes, so each thread draws BATCH at a time and hands them out
 * in order, each byte once.
 *
 * After a fork the child would otherwise hand out the same bytes as the
 * parent: an atfork handler empties the forking thread's batch in the
 * child (the only thread the child has), as OpenSSL reseeds its own
 * generators there. Without thread-local storage every call goes to
 * RAND_bytes. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ms_random.h"   /* apr.h: APR_HAS_THREADS */

#define BATCH 1024
#define BATCHED_MAX 64          /* larger requests go to RAND_bytes */

#if defined(__GNUC__) && APR_HAS_THREADS && defined(__unix__)
#define MS_RANDOM_BATCHES 1
#endif

#ifdef MS_RANDOM_BATCHES
#include <pthread.h>

typedef struct {
    unsigned char bytes[BATCH];
    apr_size_t left;            /* unused bytes at the end of bytes */
} batch;

static __thread batch mine;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void forget_in_child(void)
{
    OPENSSL_cleanse(mine.bytes, sizeof(mine.bytes));
    mine.left = 0;
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, forget_in_child);
}

apr_status_t ms_random_bytes(unsigned char *out, apr_size_t n)
{
    if (n > BATCHED_MAX)
        return RAND_bytes(out, (int)n) == 1 ? APR_SUCCESS : APR_EGENERAL;
    if (mine.left < n) {
        pthread_once(&atfork_once, register_atfork);
        if (RAND_bytes(mine.bytes, BATCH) != 1) {
            mine.left = 0;
            return APR_EGENERAL;
        }
        mine.left = BATCH;
    }
    memcpy(out, mine.bytes + BATCH - mine.left, n);
    mine.left -= n;
    return APR_SUCCESS;
}

#else

apr_status_t ms_random_bytes(unsigned char *out, apr_size_t n)
{
    return RAND_bytes(out, (int)n) == 1 ? APR_SUCCESS : APR_EGENERAL;
}

#endif
