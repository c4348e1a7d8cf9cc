/* RFC 3339 output and ISO 8601 input. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ms_time.h"
#include "unit_tests.h"

#define T2099 APR_INT64_C(4070908800)   /* 2099-01-01T00:00:00Z */

static char *fmt(apr_time_t t)
{
    char *out = apr_palloc(ut_pool, MS_RFC3339_LEN + 2);

    memset(out, 'X', MS_RFC3339_LEN + 2);
    ms_time_format_rfc3339(t, out);
    ck_assert_int_eq(out[MS_RFC3339_LEN + 1], 'X');   /* no overflow */
    return out;
}

static apr_time_t parse_ok(const char *s)
{
    apr_time_t t = -1;

    ck_assert_msg(ms_time_parse_iso8601(s, strlen(s), &t) == APR_SUCCESS,
                  "\"%s\" should parse", s);
    return t;
}

static void parse_bad(const char *s)
{
    apr_time_t t = 77;

    ck_assert_msg(ms_time_parse_iso8601(s, strlen(s), &t) != APR_SUCCESS,
                  "\"%s\" should be rejected", s);
    ck_assert_int_eq(t, 77);
}

START_TEST(format_known_instants)
{
    ck_assert_str_eq(fmt(0), "1970-01-01T00:00:00Z");
    ck_assert_str_eq(fmt(apr_time_from_sec(T2099)), "2099-01-01T00:00:00Z");
    ck_assert_str_eq(fmt(apr_time_from_sec(T2099) - 1), "2098-12-31T23:59:59Z");
    ck_assert_str_eq(fmt(apr_time_from_sec(951782400)), "2000-02-29T00:00:00Z");
    ck_assert_str_eq(fmt(apr_time_from_sec(4107542399LL)), "2100-02-28T23:59:59Z");
    ck_assert_str_eq(fmt(apr_time_from_sec(4107542400LL)), "2100-03-01T00:00:00Z");
    ck_assert_str_eq(fmt(apr_time_from_sec(1764235305)), "2025-11-27T09:21:45Z");
    /* sub-seconds are truncated */
    ck_assert_str_eq(fmt(apr_time_from_sec(T2099) + 999999), "2099-01-01T00:00:00Z");
    /* clamped to what the format can hold */
    ck_assert_str_eq(fmt(-5), "1970-01-01T00:00:00Z");
    ck_assert_str_eq(fmt(apr_time_from_sec(APR_INT64_C(300000000000))),
                     "9999-12-31T23:59:59Z");
}
END_TEST

/* Against the C library's own calendar, over the whole range. */
START_TEST(format_matches_gmtime)
{
    unsigned seed = 12345;
    char want[64];
    struct tm tm;
    time_t tt;
    int i;

    for (i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        tt = (time_t)(((apr_int64_t)seed << 8) % APR_INT64_C(253402300800));
        if (i < 2)
            tt = i ? 253402300799LL : 0;
        gmtime_r(&tt, &tm);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        ck_assert_str_eq(fmt(apr_time_from_sec(tt)), want);
        ck_assert_int_eq(parse_ok(want), apr_time_from_sec(tt));
    }
}
END_TEST

START_TEST(parse_marten_form)
{
    ck_assert_int_eq(parse_ok("2099-01-01T00:00:00Z"), apr_time_from_sec(T2099));
    ck_assert_int_eq(parse_ok("2099-12-31T23:59:59Z"),
                     apr_time_from_sec(T2099 + 365 * 86400 - 1));
    ck_assert_int_eq(parse_ok("1970-01-01T00:00:00Z"), 0);
    ck_assert_int_eq(parse_ok("2000-02-29T12:00:00Z"),
                     apr_time_from_sec(951782400 + 43200));
}
END_TEST

START_TEST(parse_variants)
{
    apr_time_t t = apr_time_from_sec(T2099);

    ck_assert_int_eq(parse_ok("2099-01-01T00:00:00z"), t);
    ck_assert_int_eq(parse_ok("2099-01-01T01:00:00+01:00"), t);
    ck_assert_int_eq(parse_ok("2099-01-01T01:00:00+0100"), t);
    ck_assert_int_eq(parse_ok("2098-12-31T18:30:00-05:30"), t);
    ck_assert_int_eq(parse_ok("2098-12-31T18:30:00-0530"), t);
    ck_assert_int_eq(parse_ok("2099-01-01T00:00:00+00:00"), t);
    ck_assert_int_eq(parse_ok("2099-01-01T00:00:00.999Z"), t);
    ck_assert_int_eq(parse_ok("2099-01-01T00:00:00,5Z"), t);
    ck_assert_int_eq(parse_ok("2099-01-01T00:00:00.123456789+00:00"), t);
    ck_assert_int_eq(parse_ok("2099-01-01T00:00Z"), t);
    ck_assert_int_eq(parse_ok("2099-01-01T01:00+01:00"), t);
    ck_assert_int_eq(parse_ok("20990101T000000Z"), t);
    ck_assert_int_eq(parse_ok("20990101T0000Z"), t);
    ck_assert_int_eq(parse_ok("20990101T010000+0100"), t);
    ck_assert_int_eq(parse_ok("20990101T000000.5Z"), t);
}
END_TEST

START_TEST(parse_rejects)
{
    parse_bad("");
    parse_bad("2099-01-01");
    parse_bad("2099-01-01 00:00:00Z");     /* space for T */
    parse_bad("2099-01-01t00:00:00Z");     /* lowercase t */
    parse_bad("2099-01-01T00:00:00");      /* no zone */
    parse_bad("2099-01-01T00:00:00+01");   /* +HH alone */
    parse_bad("2099-01-01T00:00:00+1:00");
    parse_bad("2099-01-01T00:00:00 Z");
    parse_bad("2099-01-01T00:00:00ZZ");    /* trailing */
    parse_bad("2099-01-01T00:00:00Z ");
    parse_bad("2099-01-01T00:00:00.Z");    /* empty fraction */
    parse_bad("2099-01-01T00.5Z");         /* decimal hours */
    parse_bad("2099-01-01T00:00.5Z");      /* decimal minutes */
    parse_bad("2099-W01-1T00:00:00Z");     /* week date */
    parse_bad("2099W011T000000Z");
    parse_bad("2099-001T00:00:00Z");       /* ordinal date */
    parse_bad("2099001T000000Z");
    parse_bad("99-01-01T00:00:00Z");
    parse_bad("2099-1-1T0:0:0Z");
    parse_bad("2099-01-0100:00:00Z");
    parse_bad("2099-01-01T00:0000Z");      /* mixed in the time */
    parse_bad("2099-0101T00:00:00Z");
    parse_bad("2099-13-01T00:00:00Z");
    parse_bad("2099-00-01T00:00:00Z");
    parse_bad("2099-01-00T00:00:00Z");
    parse_bad("2099-01-32T00:00:00Z");
    parse_bad("2099-04-31T00:00:00Z");
    parse_bad("2099-02-29T00:00:00Z");
    parse_bad("2100-02-29T00:00:00Z");     /* not a leap year */
    parse_bad("2099-01-01T24:00:00Z");
    parse_bad("2099-01-01T00:60:00Z");
    parse_bad("2099-01-01T00:00:60Z");
    parse_bad("2099-01-01T00:00:00+24:00");
    parse_bad("2099-01-01T00:00:00+01:60");
    parse_bad("0000-01-01T00:00:00Z");
    parse_bad("+2099-01-01T00:00:00Z");
    /* the written form's places, with a non-digit in one */
    parse_bad("2099-0a-01T00:00:00Z");
    parse_bad("20 9-01-01T00:00:00Z");
    parse_bad("2099-01-01T00:00:0/Z");
    parse_bad("2099-01-01T0:-00:00Z");
}
END_TEST

START_TEST(parse_written_form_round_trips)
{
    /* every instant the writer can produce reads back as itself */
    apr_int64_t secs = 0;
    int i;

    srand(7);
    for (i = 0; i < 20000; i++) {
        secs = (secs * 7919 + rand()) % APR_INT64_C(253402300800); /* < 10000 */
        ck_assert_int_eq(parse_ok(fmt(apr_time_from_sec(secs))),
                         apr_time_from_sec(secs));
    }
}
END_TEST

START_TEST(parse_leap_days)
{
    ck_assert_int_eq(parse_ok("2096-02-29T00:00:00Z"), apr_time_from_sec(3981312000LL));
    ck_assert_int_eq(parse_ok("2400-02-29T00:00:00Z"), apr_time_from_sec(13574563200LL));
    ck_assert_int_eq(parse_ok("9999-12-31T23:59:59Z"), apr_time_from_sec(253402300799LL));
}
END_TEST

START_TEST(parse_honours_length)
{
    apr_time_t t = 0;
    const char *s = "2099-01-01T00:00:00Zjunk";

    ck_assert_int_eq(ms_time_parse_iso8601(s, 20, &t), APR_SUCCESS);
    ck_assert_int_eq(t, apr_time_from_sec(T2099));
    ck_assert_int_ne(ms_time_parse_iso8601(s, 19, &t), APR_SUCCESS);
    ck_assert_int_ne(ms_time_parse_iso8601("2099-01-01T00:00:00Z\0", 21, &t),
                     APR_SUCCESS);
    ck_assert_int_ne(ms_time_parse_iso8601(NULL, 0, &t), APR_SUCCESS);
}
END_TEST

Suite *time_suite(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("time");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, format_known_instants);
    tcase_add_test(tc, format_matches_gmtime);
    tcase_add_test(tc, parse_marten_form);
    tcase_add_test(tc, parse_variants);
    tcase_add_test(tc, parse_rejects);
    tcase_add_test(tc, parse_written_form_round_trips);
    tcase_add_test(tc, parse_leap_days);
    tcase_add_test(tc, parse_honours_length);
    suite_add_tcase(s, tc);
    return s;
}
