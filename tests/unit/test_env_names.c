/* MartenSessionEnvPrefix values that could forge a reserved variable. */
#include "ms_env_names.h"
#include "unit_tests.h"

/* The name a prefix clashes with ("" when none), for short assertions. */
static const char *clash(const char *prefix)
{
    const ms_env_reserved *r = ms_env_prefix_clash(prefix);
    return r ? r->name : "";
}

START_TEST(own_prefixes_allowed)
{
    ck_assert_str_eq(clash("MARTEN_SESSION_"), "");
    ck_assert_str_eq(clash("MARTEN_SESSION"), "");
    ck_assert_str_eq(clash("APP_"), "");
    ck_assert_str_eq(clash("MY_SESSION_"), "");
    ck_assert_str_eq(clash("X"), "");
    ck_assert_str_eq(clash("AUTHOR_"), "");
    ck_assert_str_eq(clash("USERS_"), "");
}
END_TEST

START_TEST(prefix_inside_a_family)
{
    /* every name it makes belongs to the family */
    ck_assert_str_eq(clash("HTTP_"), "HTTP_");
    ck_assert_str_eq(clash("HTTP_X_USER_"), "HTTP_");
    ck_assert_str_eq(clash("SSL_CLIENT_"), "SSL_");
    ck_assert_str_eq(clash("REDIRECT_"), "REDIRECT_");
    ck_assert_str_eq(clash("HTTPS"), "HTTPS");
    ck_assert_str_eq(clash("PHPRC"), "PHP");
    ck_assert_str_eq(clash("PYTHONX_"), "PYTHON");
    ck_assert_str_eq(clash("LD_"), "LD_");
}
END_TEST

START_TEST(prefix_completed_by_a_key)
{
    /* REMOTE_ + USER, R + EMOTE_USER, PA + TH_INFO */
    ck_assert_str_eq(clash("REMOTE_"), "REMOTE_");
    ck_assert_str_eq(clash("R"), "REMOTE_");
    ck_assert_str_eq(clash("PA"), "PATH");
    ck_assert_str_eq(clash("PATH"), "PATH");
    ck_assert_str_eq(clash("S"), "SCRIPT_");
    ck_assert_str_eq(clash("SSL"), "SSL_");
    ck_assert_str_eq(clash("NOKEEP"), "NOKEEPALIVE");
    ck_assert_str_eq(clash("U"), "UNIQUE_ID");
    ck_assert_str_eq(clash("E"), "ENV");
}
END_TEST

START_TEST(json_variable_is_a_name)
{
    /* the JSON variable drops the trailing '_': LOGNAME_ names LOGNAME */
    ck_assert_str_eq(clash("USER_"), "USER_NAME");  /* and USER */
    ck_assert_str_eq(clash("LOGNAME_"), "LOGNAME");
    ck_assert_str_eq(clash("HOME__"), "HOME");
    ck_assert_str_eq(clash("TZ_"), "TZ");
    ck_assert_str_eq(clash("IFS_"), "IFS");
}
END_TEST

START_TEST(case_does_not_matter)
{
    /* apr tables, hence r->subprocess_env, ignore case */
    ck_assert_str_eq(clash("http_"), "HTTP_");
    ck_assert_str_eq(clash("Remote_"), "REMOTE_");
    ck_assert_str_eq(clash("logname_"), "LOGNAME");
    ck_assert_str_eq(clash("marten_session_"), "");
}
END_TEST

START_TEST(owner_is_named)
{
    const ms_env_reserved *r = ms_env_prefix_clash("REMOTE_");

    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->family, 1);
    ck_assert_str_eq(r->owner, "CGI");
    r = ms_env_prefix_clash("SSL_");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->owner, "mod_ssl and OpenSSL");
}
END_TEST

Suite *env_names_suite(void)
{
    Suite *s = suite_create("env_names");
    TCase *tc = tcase_create("env_names");

    tcase_add_test(tc, own_prefixes_allowed);
    tcase_add_test(tc, prefix_inside_a_family);
    tcase_add_test(tc, prefix_completed_by_a_key);
    tcase_add_test(tc, json_variable_is_a_name);
    tcase_add_test(tc, case_does_not_matter);
    tcase_add_test(tc, owner_is_named);
    suite_add_tcase(s, tc);
    return s;
}
