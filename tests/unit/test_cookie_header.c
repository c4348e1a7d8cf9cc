/* Cookie request header parsing, Set-Cookie building, validators. */
#include <string.h>

#include "ms_cookie_header.h"
#include "unit_tests.h"

#define T2099 apr_time_from_sec(APR_INT64_C(4070908800))   /* 2099-01-01 */
#define NOW apr_time_from_sec(APR_INT64_C(1795771305))     /* 2026-11-27 09:21:45 */

static const char *find(const char *header, const char *name)
{
    return ms_cookie_find(header, name, ut_pool);
}

START_TEST(find_among_several)
{
    const char *h = "a=1; sessionid=abc--def; b=2";

    ck_assert_str_eq(find(h, "sessionid"), "abc--def");
    ck_assert_str_eq(find(h, "a"), "1");
    ck_assert_str_eq(find(h, "b"), "2");
    ck_assert_ptr_null(find(h, "c"));
    ck_assert_str_eq(find("sessionid=only", "sessionid"), "only");
    /* base64 padding and '=' inside the value stay */
    ck_assert_str_eq(find("s=eyJ9fQ==--ab; t=x=y", "s"), "eyJ9fQ==--ab");
    ck_assert_str_eq(find("s=eyJ9fQ==--ab; t=x=y", "t"), "x=y");
}
END_TEST

START_TEST(find_first_duplicate_wins)
{
    ck_assert_str_eq(find("sessionid=first; sessionid=second", "sessionid"), "first");
    ck_assert_str_eq(find("x=0; sessionid=; sessionid=second", "sessionid"), "");
}
END_TEST

START_TEST(find_whitespace_and_separators)
{
    ck_assert_str_eq(find("a=1;sessionid=v", "sessionid"), "v");
    ck_assert_str_eq(find("a=1 ;\t sessionid \t=v \t; b=2", "sessionid"), "v");
    /* space after '=' belongs to the value (a signed value never has it) */
    ck_assert_str_eq(find("a=1; sessionid=\t v \t; b=2", "sessionid"), "\t v");
    ck_assert_str_eq(find("sessionid= v", "sessionid"), " v");
    ck_assert_str_eq(find("  sessionid=v  ", "sessionid"), "v");
    ck_assert_str_eq(find(";;sessionid=v;;", "sessionid"), "v");
    ck_assert_str_eq(find("sessionid=a b", "sessionid"), "a b");
    ck_assert_str_eq(find("sessionid=", "sessionid"), "");
    ck_assert_str_eq(find("sessionid=  ", "sessionid"), "");
}
END_TEST

START_TEST(find_quoted)
{
    ck_assert_str_eq(find("sessionid=\"abc\"", "sessionid"), "abc");
    ck_assert_str_eq(find("a=1; sessionid=\"a=b\" ; c=3", "sessionid"), "a=b");
    ck_assert_str_eq(find("sessionid=\"\"", "sessionid"), "");
    ck_assert_str_eq(find("sessionid=\"abc", "sessionid"), "\"abc");
    ck_assert_str_eq(find("sessionid=\"", "sessionid"), "\"");
}
END_TEST

START_TEST(find_skips_malformed_pairs)
{
    ck_assert_str_eq(find("=x; sessionid=v", "sessionid"), "v");
    ck_assert_str_eq(find(" =x;sessionid=v", "sessionid"), "v");
    ck_assert_str_eq(find("sessionid; sessionid=v", "sessionid"), "v");
    ck_assert_str_eq(find("junk; sessionid=v", "sessionid"), "v");
    ck_assert_ptr_null(find("=sessionid", "sessionid"));
    ck_assert_ptr_null(find("sessionid", "sessionid"));
    ck_assert_ptr_null(find("=x", ""));
}
END_TEST

START_TEST(find_exact_names)
{
    const char *h = "xsessionid=1; sessionidx=2; sessionid=3; SESSIONID=4";

    ck_assert_str_eq(find(h, "sessionid"), "3");
    ck_assert_str_eq(find(h, "xsessionid"), "1");
    ck_assert_str_eq(find(h, "sessionidx"), "2");
    ck_assert_str_eq(find(h, "SESSIONID"), "4");
    ck_assert_ptr_null(find("xsessionid=1; sessionidx=2", "sessionid"));
    ck_assert_ptr_null(find("session=1", "sessionid"));
    ck_assert_ptr_null(find("a=sessionid=1", "sessionid"));
}
END_TEST

START_TEST(find_null_safe)
{
    ck_assert_ptr_null(find(NULL, "sessionid"));
    ck_assert_ptr_null(find("sessionid=1", NULL));
    ck_assert_ptr_null(find("sessionid=1", ""));
    ck_assert_ptr_null(find("", "sessionid"));
    ck_assert_ptr_null(find("   ", "sessionid"));
    ck_assert_ptr_null(find(";", "sessionid"));
}
END_TEST

START_TEST(name_validator)
{
    ck_assert(ms_cookie_name_valid("sessionid"));
    ck_assert(ms_cookie_name_valid("__Host-session"));
    ck_assert(ms_cookie_name_valid("a!#$%&'*+-.^_`|~9Z"));
    ck_assert(!ms_cookie_name_valid(NULL));
    ck_assert(!ms_cookie_name_valid(""));
    ck_assert(!ms_cookie_name_valid("a b"));
    ck_assert(!ms_cookie_name_valid("a=b"));
    ck_assert(!ms_cookie_name_valid("a;b"));
    ck_assert(!ms_cookie_name_valid("a,b"));
    ck_assert(!ms_cookie_name_valid("a\"b"));
    ck_assert(!ms_cookie_name_valid("a(b)"));
    ck_assert(!ms_cookie_name_valid("a/b"));
    ck_assert(!ms_cookie_name_valid("a\tb"));
    ck_assert(!ms_cookie_name_valid("a\x7f"));
    ck_assert(!ms_cookie_name_valid("caf\xc3\xa9"));
}
END_TEST

START_TEST(attr_validator)
{
    ck_assert(ms_cookie_attr_value_valid("/"));
    ck_assert(ms_cookie_attr_value_valid("/app/v1"));
    ck_assert(ms_cookie_attr_value_valid(".example.org"));
    ck_assert(ms_cookie_attr_value_valid("a=b"));
    ck_assert(!ms_cookie_attr_value_valid(NULL));
    ck_assert(!ms_cookie_attr_value_valid(""));
    ck_assert(!ms_cookie_attr_value_valid("/a;b"));
    ck_assert(!ms_cookie_attr_value_valid("/a,b"));
    ck_assert(!ms_cookie_attr_value_valid("/a b"));
    ck_assert(!ms_cookie_attr_value_valid("/a\tb"));
    ck_assert(!ms_cookie_attr_value_valid("/a\r\nSet-Cookie: x=y"));
    ck_assert(!ms_cookie_attr_value_valid("/a\x01"));
    ck_assert(!ms_cookie_attr_value_valid("/a\x7f"));
    ck_assert(!ms_cookie_attr_value_valid("/caf\xc3\xa9"));
}
END_TEST

START_TEST(samesite_values)
{
    ck_assert_int_eq(ms_samesite_parse("Lax"), MS_SAMESITE_LAX);
    ck_assert_int_eq(ms_samesite_parse("lax"), MS_SAMESITE_LAX);
    ck_assert_int_eq(ms_samesite_parse("STRICT"), MS_SAMESITE_STRICT);
    ck_assert_int_eq(ms_samesite_parse("none"), MS_SAMESITE_NONE);
    ck_assert_int_eq(ms_samesite_parse("Off"), MS_SAMESITE_OFF);
    ck_assert_int_eq(ms_samesite_parse("OFF"), MS_SAMESITE_OFF);
    ck_assert_int_eq(ms_samesite_parse(""), -1);
    ck_assert_int_eq(ms_samesite_parse("Laxx"), -1);
    ck_assert_int_eq(ms_samesite_parse("La"), -1);
    ck_assert_int_eq(ms_samesite_parse(NULL), -1);
    ck_assert_str_eq(ms_samesite_name(MS_SAMESITE_LAX), "Lax");
    ck_assert_str_eq(ms_samesite_name(MS_SAMESITE_STRICT), "Strict");
    ck_assert_str_eq(ms_samesite_name(MS_SAMESITE_NONE), "None");
    ck_assert_str_eq(ms_samesite_name(MS_SAMESITE_OFF), "Off");
    ck_assert_ptr_null(ms_samesite_name((ms_samesite)7));
}
END_TEST

static ms_set_cookie base(void)
{
    ms_set_cookie c;

    memset(&c, 0, sizeof(c));
    c.name = "sessionid";
    c.value = "V";
    return c;
}

/* The size checks measure with ms_set_cookie_length: it must agree with
 * the builder for every combination of attributes. */
START_TEST(length_matches_build)
{
    static const char *const values[] = { NULL, "", "V", "a-much-longer-value--0123" };
    static const char *const domains[] = { NULL, "example.org" };
    static const char *const paths[] = { NULL, "/", "/app/x" };
    /* up to MartenSessionCookieMaxAge's 100 years: the date stays 29 bytes */
    static const apr_int64_t ages[] = { -1, 0, 1, 9, 10, 3599, 1209600, -31536000,
                                        APR_INT64_C(3153600000) };
    unsigned v, d, pa, a, flags, checked = 0;

    for (v = 0; v < 4; v++)
    for (d = 0; d < 2; d++)
    for (pa = 0; pa < 3; pa++)
    for (a = 0; a < 9; a++)
    for (flags = 0; flags < 32; flags++) {
        ms_set_cookie c = base();
        const char *built;

        c.value = values[v];
        c.domain = domains[d];
        c.path = paths[pa];
        c.expires = ages[a] < 0 && a == 0 ? 0 : NOW + apr_time_from_sec(ages[a]);
        c.secure = flags & 1;
        c.http_only = (flags >> 1) & 1;
        c.same_site = (ms_samesite)((flags >> 2) & 3);
        built = ms_set_cookie_build(&c, NOW, ut_pool);
        ck_assert_uint_eq(ms_set_cookie_length(&c, NOW), strlen(built));
        checked++;
    }
    ck_assert_uint_eq(checked, 4 * 2 * 3 * 9 * 32);
    ck_assert_uint_eq(ms_set_cookie_length(NULL, NOW), 0);
}
END_TEST

START_TEST(build_minimal)
{
    ms_set_cookie c = base();

    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool), "sessionid=V");
    c.value = NULL;
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool), "sessionid=");
    c.name = NULL;
    ck_assert_ptr_null(ms_set_cookie_build(&c, NOW, ut_pool));
    ck_assert_ptr_null(ms_set_cookie_build(NULL, NOW, ut_pool));
}
END_TEST

START_TEST(build_each_attribute)
{
    ms_set_cookie c = base();

    c.path = "/";
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool), "sessionid=V; Path=/");
    c.path = NULL;
    c.domain = ".example.org";
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool),
                     "sessionid=V; Domain=.example.org");
    c.domain = NULL;
    c.secure = 1;
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool), "sessionid=V; Secure");
    c.secure = 0;
    c.http_only = 1;
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool), "sessionid=V; HttpOnly");
    c.http_only = 0;
    c.same_site = MS_SAMESITE_LAX;
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool), "sessionid=V; SameSite=Lax");
    c.same_site = MS_SAMESITE_STRICT;
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool),
                     "sessionid=V; SameSite=Strict");
    c.same_site = MS_SAMESITE_NONE;
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool), "sessionid=V; SameSite=None");
    c.same_site = MS_SAMESITE_OFF;
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool), "sessionid=V");
}
END_TEST

START_TEST(build_expiry)
{
    ms_set_cookie c = base();

    c.expires = T2099;
    ck_assert_str_eq(ms_set_cookie_build(&c, T2099 - apr_time_from_sec(1209600), ut_pool),
                     "sessionid=V; Expires=Thu, 01 Jan 2099 00:00:00 GMT; Max-Age=1209600");
    /* whole seconds, truncated */
    ck_assert_str_eq(ms_set_cookie_build(&c, T2099 - apr_time_from_sec(60) - 300000,
                                         ut_pool),
                     "sessionid=V; Expires=Thu, 01 Jan 2099 00:00:00 GMT; Max-Age=60");
    /* at or past expiry: a deletion cookie */
    ck_assert_str_eq(ms_set_cookie_build(&c, T2099, ut_pool),
                     "sessionid=V; Expires=Thu, 01 Jan 2099 00:00:00 GMT; Max-Age=0");
    c.value = "";
    c.expires = NOW - apr_time_from_sec(365 * 86400);
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool),
                     "sessionid=; Expires=Thu, 27 Nov 2025 09:21:45 GMT; Max-Age=0");
    c.expires = 0;      /* browser-session cookie */
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool), "sessionid=");
}
END_TEST

START_TEST(build_full_order)
{
    ms_set_cookie c = base();

    c.path = "/app";
    c.domain = "example.com";
    c.expires = T2099;
    c.secure = 1;
    c.http_only = 1;
    c.same_site = MS_SAMESITE_LAX;
    ck_assert_str_eq(ms_set_cookie_build(&c, T2099 - apr_time_from_sec(3600), ut_pool),
                     "sessionid=V; Path=/app; Domain=example.com; "
                     "Expires=Thu, 01 Jan 2099 00:00:00 GMT; Max-Age=3600; "
                     "Secure; HttpOnly; SameSite=Lax");
    c.expires = 0;
    c.same_site = MS_SAMESITE_NONE;
    ck_assert_str_eq(ms_set_cookie_build(&c, NOW, ut_pool),
                     "sessionid=V; Path=/app; Domain=example.com; Secure; HttpOnly; "
                     "SameSite=None");
}
END_TEST

Suite *cookie_header_suite(void)
{
    Suite *s = suite_create("cookie_header");
    TCase *tc = tcase_create("cookie_header");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, find_among_several);
    tcase_add_test(tc, find_first_duplicate_wins);
    tcase_add_test(tc, find_whitespace_and_separators);
    tcase_add_test(tc, find_quoted);
    tcase_add_test(tc, find_skips_malformed_pairs);
    tcase_add_test(tc, find_exact_names);
    tcase_add_test(tc, find_null_safe);
    tcase_add_test(tc, name_validator);
    tcase_add_test(tc, attr_validator);
    tcase_add_test(tc, samesite_values);
    tcase_add_test(tc, build_minimal);
    tcase_add_test(tc, length_matches_build);
    tcase_add_test(tc, build_each_attribute);
    tcase_add_test(tc, build_expiry);
    tcase_add_test(tc, build_full_order);
    suite_add_tcase(s, tc);
    return s;
}
