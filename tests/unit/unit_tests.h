/* Suite constructors and the shared per-test pool. */
#ifndef MS_UNIT_TESTS_H
#define MS_UNIT_TESTS_H

#include <check.h>
#include <apr_pools.h>

/* A fresh pool for every test (ut_setup/ut_teardown as checked fixture). */
extern apr_pool_t *ut_pool;
void ut_setup(void);
void ut_teardown(void);

Suite *base64_suite(void);
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
Suite *outage_suite(void);

#endif
