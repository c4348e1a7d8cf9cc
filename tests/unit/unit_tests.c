/* libcheck runner for the pure library. The Marten vectors are loaded once,
 * before any suite is built, so that suites can loop over them. Exits
 * non-zero when any check fails. CK_FORK=no in the environment runs the
 * tests in-process (for gdb or valgrind); CK_VERBOSITY=verbose lists them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>

#include "unit_tests.h"
#include "vectors.h"

apr_pool_t *ut_pool;

void ut_setup(void)
{
    ck_assert_int_eq(apr_pool_create(&ut_pool, NULL), APR_SUCCESS);
}

void ut_teardown(void)
{
    apr_pool_destroy(ut_pool);
    ut_pool = NULL;
}

ms_keyring *ut_ring2(const char *k1, const char *k2)
{
    ms_keyring *kr = ms_keyring_make(ut_pool);
    const char *err = NULL;

    ck_assert_int_eq(ms_keyring_add(kr, k1, strlen(k1), &err), APR_SUCCESS);
    if (k2)
        ck_assert_int_eq(ms_keyring_add(kr, k2, strlen(k2), &err), APR_SUCCESS);
    return kr;
}

int main(void)
{
    apr_pool_t *pool;
    const char *error = NULL;
    SRunner *sr;
    int failed;

    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&pool, NULL)) {
        fprintf(stderr, "unit_tests: cannot initialise APR\n");
        return EXIT_FAILURE;
    }
    if (vectors_load(MS_VECTORS_FILE, pool, &error) != APR_SUCCESS) {
        fprintf(stderr, "unit_tests: %s: %s\n", MS_VECTORS_FILE, error);
        return EXIT_FAILURE;
    }
    sr = srunner_create(base64_suite());
    srunner_add_suite(sr, base64url_suite());
    srunner_add_suite(sr, hex_suite());
    srunner_add_suite(sr, time_suite());
    srunner_add_suite(sr, json_suite());
    srunner_add_suite(sr, codec_marten_suite());
    srunner_add_suite(sr, cookie_header_suite());
    srunner_add_suite(sr, writeback_suite());
    srunner_add_suite(sr, codec_sealed_suite());
    srunner_add_suite(sr, chunks_suite());
    srunner_add_suite(sr, meta_suite());
    srunner_add_suite(sr, random_suite());
    srunner_add_suite(sr, env_names_suite());
    srunner_add_suite(sr, key_checks_suite());
    srunner_add_suite(sr, keyfile_suite());
    srunner_add_suite(sr, keyring_suite());
    srunner_add_suite(sr, lifetime_suite());
    srunner_add_suite(sr, outage_suite());
    srunner_add_suite(sr, plan_suite());
    srunner_run_all(sr, CK_ENV);       /* CK_VERBOSITY, default normal */
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_pool_destroy(pool);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
