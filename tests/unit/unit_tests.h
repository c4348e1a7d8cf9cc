/* Suite constructors and the shared per-test pool. */
#ifndef MS_UNIT_TESTS_H
#define MS_UNIT_TESTS_H

#include <check.h>
#include <apr_pools.h>

#include "ms_keyring.h"

/* A fresh pool for every test (ut_setup/ut_teardown as checked fixture). */
extern apr_pool_t *ut_pool;
void ut_setup(void);
void ut_teardown(void);

/* A key ring in ut_pool holding k1 and, unless NULL, k2 (failing the test
 * when a key is refused); ut_ring(k) holds k alone. */
ms_keyring *ut_ring2(const char *k1, const char *k2);
#define ut_ring(k) ut_ring2((k), NULL)

Suite *base64_suite(void);
Suite *base64url_suite(void);
Suite *hex_suite(void);
Suite *time_suite(void);
Suite *json_suite(void);
Suite *codec_marten_suite(void);
Suite *cookie_header_suite(void);
Suite *writeback_suite(void);
Suite *codec_sealed_suite(void);
Suite *chunks_suite(void);
Suite *meta_suite(void);
Suite *random_suite(void);
Suite *env_names_suite(void);
Suite *key_checks_suite(void);
Suite *keyfile_suite(void);
Suite *keyring_suite(void);
Suite *lifetime_suite(void);
Suite *outage_suite(void);
Suite *plan_suite(void);

#endif
