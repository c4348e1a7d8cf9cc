/* Shared by the fuzz targets in tests/fuzz: one APR pool for the process
 * and a fresh sub-pool per input, plus a small assertion that aborts (so
 * libFuzzer and the replay driver both report it as a crash). */
#ifndef MS_FUZZ_COMMON_H
#define MS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <apr_general.h>
#include <apr_pools.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *fuzz_root;

/* At exit the root pool is destroyed, so its cleanups free what they own
 * (the key ring's OpenSSL objects) before LeakSanitizer looks: it does not
 * scan APR's pool memory (mmap'ed, not malloc'ed), so an object only a pool
 * points to would otherwise look leaked. */
static void fuzz_cleanup(void)
{
    if (fuzz_root != NULL) {
        apr_pool_destroy(fuzz_root);
        fuzz_root = NULL;
        apr_terminate();
    }
}

/* The process-wide pool, made on first use (apr_initialize once). */
static apr_pool_t *fuzz_root_pool(void)
{
    if (fuzz_root == NULL) {
        if (apr_initialize() != APR_SUCCESS
            || apr_pool_create(&fuzz_root, NULL) != APR_SUCCESS) {
            fprintf(stderr, "fuzz: cannot initialise APR\n");
            abort();
        }
        atexit(fuzz_cleanup);
    }
    return fuzz_root;
}

/* A sub-pool for one input; destroy it at the end of the input. */
static apr_pool_t *fuzz_input_pool(void)
{
    apr_pool_t *p;

    if (apr_pool_create(&p, fuzz_root_pool()) != APR_SUCCESS)
        abort();
    return p;
}

#define FUZZ_CHECK(cond) do { \
    if (!(cond)) { \
        fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
                #cond); \
        abort(); \
    } \
} while (0)

#endif
