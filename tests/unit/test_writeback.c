/* Write-back header parsing: strict, all or nothing. */
#include <check.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "ms_writeback.h"
#include "unit_tests.h"

static apr_pool_t *pool;

static void setup(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
    apr_terminate();
}

static const ms_wb_pair *set_at(const ms_writeback *wb, int i)
{
    return &APR_ARRAY_IDX(wb->sets, i, ms_wb_pair);
}

START_TEST(kinds_by_name)
{
    ck_assert_int_eq(ms_writeback_kind("X-Marten-Session-Flush"), MS_WB_FLUSH);
    ck_assert_int_eq(ms_writeback_kind("x-marten-session-set"), MS_WB_SET);
    ck_assert_int_eq(ms_writeback_kind("X-MARTEN-SESSION-DELETE"), MS_WB_DELETE);
    ck_assert_int_eq(ms_writeback_kind("X-Marten-Session-Cycle-Key"), MS_WB_CYCLE_KEY);
    ck_assert_int_eq(ms_writeback_kind("X-Marten-Session-Expires-In"), MS_WB_EXPIRES_IN);
    ck_assert_int_eq(ms_writeback_kind("X-Marten-Session-Expires-At-Browser-Close"),
                     MS_WB_BROWSER_CLOSE);
    ck_assert_int_eq(ms_writeback_kind("X-Marten-Session-Other"), MS_WB_UNKNOWN);
    ck_assert_int_eq(ms_writeback_kind("X-Marten-Sessio"), -1);
    ck_assert_int_eq(ms_writeback_kind("Content-Type"), -1);
    ck_assert_int_eq(ms_writeback_kind(NULL), -1);
}
END_TEST

START_TEST(set_decodes_items)
{
    ms_writeback *wb = ms_writeback_make(pool);

    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_SET,
        "user_id=42, name=Zo%C3%AB%20K, a%2Cb=c%3Dd%25, empty=", pool));
    ck_assert_int_eq(wb->sets->nelts, 4);
    ck_assert_str_eq(set_at(wb, 0)->key, "user_id");
    ck_assert_str_eq(set_at(wb, 0)->value, "42");
    ck_assert_str_eq(set_at(wb, 1)->value, "Zo\xc3\xab K");
    ck_assert_str_eq(set_at(wb, 2)->key, "a,b");
    ck_assert_str_eq(set_at(wb, 2)->value, "c=d%");
    ck_assert_str_eq(set_at(wb, 3)->key, "empty");
    ck_assert_str_eq(set_at(wb, 3)->value, "");
    /* a second header adds to the first */
    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_SET, "x=1", pool));
    ck_assert_int_eq(wb->sets->nelts, 5);
    ck_assert_int_eq(wb->count, 2);
}
END_TEST

START_TEST(set_rejects_malformed)
{
    static const char *const bad[] = {
        "novalue", "k=%", "k=%4", "k=%zz", "k=a%00b", "%00=v",
        "k=two words", "k=tab\there", "k=\x01", "k=caf\xc3\xa9", "a=1,,b=2", "",
    };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ms_writeback *wb = ms_writeback_make(pool);
        ck_assert_msg(ms_writeback_add(wb, MS_WB_SET, bad[i], pool) != NULL,
                      "accepted Set value #%u", (unsigned)i);
    }
}
END_TEST

START_TEST(size_limits)
{
    ms_writeback *wb = ms_writeback_make(pool);
    char *key256 = apr_pstrcat(pool, apr_psprintf(pool, "%0256d", 0), "=v", NULL);
    char *key257 = apr_pstrcat(pool, apr_psprintf(pool, "%0257d", 0), "=v", NULL);
    char *val4096 = apr_pstrcat(pool, "k=", apr_psprintf(pool, "%04096d", 0), NULL);
    char *val4097 = apr_pstrcat(pool, "k=", apr_psprintf(pool, "%04097d", 0), NULL);
    /* the limits count decoded bytes: 4096 x "%41" is 4096 bytes */
    char *enc = apr_palloc(pool, 3 * 4096 + 3);
    int i;

    for (i = 0; i < 4096; i++) {
        memcpy(enc + 2 + 3 * i, "%41", 3);
    }
    memcpy(enc, "k=", 2);
    enc[2 + 3 * 4096] = '\0';

    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_SET, key256, pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_SET, key257, pool));
    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_SET, val4096, pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_SET, val4097, pool));
    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_SET, enc, pool));
    ck_assert_int_eq((int)strlen(set_at(wb, wb->sets->nelts - 1)->value), 4096);
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_DELETE, key257, pool));
}
END_TEST

START_TEST(delete_items)
{
    ms_writeback *wb = ms_writeback_make(pool);

    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_DELETE, "a, b%20c ,d", pool));
    ck_assert_int_eq(wb->deletes->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(wb->deletes, 1, const char *), "b c");
    ck_assert_str_eq(APR_ARRAY_IDX(wb->deletes, 2, const char *), "d");
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_DELETE, "a,", pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_DELETE, "a,,b", pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_DELETE, "x%00", pool));
}
END_TEST

/* Marten allows session[""]: "=v" sets it, a lone empty Delete removes it. */
START_TEST(empty_key)
{
    ms_writeback *wb = ms_writeback_make(pool);

    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_SET, "=v, a=1", pool));
    ck_assert_str_eq(set_at(wb, 0)->key, "");
    ck_assert_str_eq(set_at(wb, 0)->value, "v");
    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_DELETE, " ", pool));
    ck_assert_int_eq(wb->deletes->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(wb->deletes, 0, const char *), "");
}
END_TEST

/* Request headers that httpd would hand a CGI as HTTP_X_MARTEN_SESSION_*. */
START_TEST(lookalike_names)
{
    ck_assert(ms_writeback_lookalike("X-Marten-Session-Set"));
    ck_assert(ms_writeback_lookalike("x_marten_session_set"));
    ck_assert(ms_writeback_lookalike("X_Marten-Session_Cycle_Key"));
    ck_assert(ms_writeback_lookalike("X-MARTEN-SESSION-"));
    ck_assert(!ms_writeback_lookalike("X-Marten-Sessio"));
    ck_assert(!ms_writeback_lookalike("X.Marten-Session-Set"));
    ck_assert(!ms_writeback_lookalike("X-Marten-Sessions-Set"));
    ck_assert(!ms_writeback_lookalike(NULL));
}
END_TEST

START_TEST(flags)
{
    ms_writeback *wb = ms_writeback_make(pool);

    ck_assert_int_eq(wb->browser_close, -1);
    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_FLUSH, "1", pool));
    ck_assert_int_eq(wb->flush, 1);
    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_CYCLE_KEY, " 1 , 1", pool));
    ck_assert_int_eq(wb->cycle_key, 1);
    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_BROWSER_CLOSE, "0", pool));
    ck_assert_int_eq(wb->browser_close, 0);
    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_BROWSER_CLOSE, "1", pool));
    ck_assert_int_eq(wb->browser_close, 1);

    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_FLUSH, "yes", pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_FLUSH, "0", pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_CYCLE_KEY, "true", pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_CYCLE_KEY, "", pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_BROWSER_CLOSE, "2", pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_UNKNOWN, "1", pool));
}
END_TEST

START_TEST(expires_in)
{
    ms_writeback *wb = ms_writeback_make(pool);

    ck_assert_ptr_null(ms_writeback_add(wb, MS_WB_EXPIRES_IN, "3600", pool));
    ck_assert_int_eq(wb->expires_in, 3600);
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_EXPIRES_IN, "0", pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_EXPIRES_IN, "-5", pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_EXPIRES_IN, "12s", pool));
    ck_assert_ptr_nonnull(ms_writeback_add(wb, MS_WB_EXPIRES_IN, "99999999999999", pool));
    ck_assert_int_eq(wb->expires_in, 3600);
}
END_TEST

Suite *writeback_suite(void)
{
    Suite *s = suite_create("writeback");
    TCase *tc = tcase_create("parse");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, kinds_by_name);
    tcase_add_test(tc, set_decodes_items);
    tcase_add_test(tc, set_rejects_malformed);
    tcase_add_test(tc, size_limits);
    tcase_add_test(tc, delete_items);
    tcase_add_test(tc, empty_key);
    tcase_add_test(tc, lookalike_names);
    tcase_add_test(tc, flags);
    tcase_add_test(tc, expires_in);
    suite_add_tcase(s, tc);
    return s;
}
