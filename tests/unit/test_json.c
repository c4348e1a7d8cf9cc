/* The session JSON: Crystal's writer, Hash(String, String).from_json. */
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "ms_json.h"
#include "unit_tests.h"
#include "vectors.h"

static apr_table_t *parse_ok(const char *json)
{
    apr_table_t *t = NULL;
    ms_json_status st = ms_json_to_table(json, strlen(json), ut_pool, &t);

    ck_assert_msg(st == MS_JSON_OK, "%s: %s", json, ms_json_status_str(st));
    ck_assert_ptr_nonnull(t);
    return t;
}

static void parse_fails(const char *json, ms_json_status want)
{
    apr_table_t *t = NULL;
    ms_json_status st = ms_json_to_table(json, strlen(json), ut_pool, &t);

    ck_assert_msg(st == want, "%s: got \"%s\", want \"%s\"", json,
                  ms_json_status_str(st), ms_json_status_str(want));
    ck_assert_ptr_null(t);
}

static const char *to_json(const apr_table_t *t)
{
    apr_size_t n = 0;
    const char *s = ms_table_to_json(t, ut_pool, &n);

    ck_assert_uint_eq(n, strlen(s));
    return s;
}

/* Parses and re-serialises to the same bytes. */
static void roundtrip(const char *json)
{
    ck_assert_str_eq(to_json(parse_ok(json)), json);
}

START_TEST(vector_plaintexts_roundtrip)
{
    int i, done = 0, nul = 0;

    for (i = 0; i < vectors_count(); i++) {
        const ms_vector *v = vectors_get(i);
        apr_table_t *t = NULL;
        apr_size_t n = 0;
        const char *out;
        ms_json_status st;

        if (!vector_is_ok(v))
            continue;
        st = ms_json_to_table(v->expected, v->expected_len, ut_pool, &t);
        if (strstr(v->expected, "\\u0000")) {
            ck_assert_int_eq(st, MS_JSON_NUL);
            nul++;
            continue;
        }
        ck_assert_msg(st == MS_JSON_OK, "vector %d: %s", i, ms_json_status_str(st));
        out = ms_table_to_json(t, ut_pool, &n);
        ck_assert_uint_eq(n, v->expected_len);
        ck_assert_msg(memcmp(out, v->expected, n) == 0, "vector %d: %s", i, out);
        done++;
    }
    ck_assert_int_eq(done, 28);   /* 31 decodable vectors, 3 with \u0000 */
    ck_assert_int_eq(nul, 3);
}
END_TEST

START_TEST(empty_hash)
{
    apr_table_t *t = parse_ok("{}");

    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
    ck_assert_str_eq(to_json(t), "{}");
    t = parse_ok(" \t\r\n{ \n }\r\n ");
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
    ck_assert_str_eq(to_json(apr_table_make(ut_pool, 1)), "{}");
    ck_assert_str_eq(ms_table_to_json(NULL, ut_pool, NULL), "{}");
}
END_TEST

START_TEST(reads_values_and_order)
{
    apr_table_t *t = parse_ok("{ \"b\" : \"2\" ,\n\t\"a\":\"1\", \"c\":\"\" }");
    const apr_array_header_t *a = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;

    ck_assert_int_eq(a->nelts, 3);
    ck_assert_str_eq(e[0].key, "b");
    ck_assert_str_eq(e[1].key, "a");
    ck_assert_str_eq(e[2].key, "c");
    ck_assert_str_eq(e[2].val, "");
    ck_assert_str_eq(to_json(t), "{\"b\":\"2\",\"a\":\"1\",\"c\":\"\"}");
}
END_TEST

START_TEST(escapes_decoded)
{
    apr_table_t *t = parse_ok(
        "{\"q\":\"a\\\"b\\\\c\\/d\",\"c\":\"\\b\\f\\n\\r\\t\","
        "\"u\":\"\\u00e9\\u00E9\\u65e5\\ud83d\\ude00\\uD83D\\uDE00\\u0041\"}");

    ck_assert_str_eq(apr_table_get(t, "q"), "a\"b\\c/d");
    ck_assert_str_eq(apr_table_get(t, "c"), "\b\f\n\r\t");
    ck_assert_str_eq(apr_table_get(t, "u"),
                     "\xc3\xa9\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xf0\x9f\x98\x80" "A");
    /* written back the Crystal way: '/' and non-ASCII raw */
    ck_assert_str_eq(to_json(t),
        "{\"q\":\"a\\\"b\\\\c/d\",\"c\":\"\\b\\f\\n\\r\\t\","
        "\"u\":\"\xc3\xa9\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xf0\x9f\x98\x80" "A\"}");
}
END_TEST

START_TEST(roundtrips)
{
    roundtrip("{\"user_id\":\"42\"}");
    roundtrip("{\"name\":\"Zo\xc3\xab\",\"jp\":\"\xe6\x97\xa5\xe6\x9c\xac\","
              "\"emoji\":\"\xf0\x9f\x98\x80\",\"c1\":\"\xc2\x80\xc2\x9f\"}");
    roundtrip("{\"ls\":\"\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\"}");
    roundtrip("{\"q\":\"he said \\\"hi\\\"\",\"b\":\"C:\\\\path\\\\\"}");
    roundtrip("{\"n\":\"line1\\nline2\\r\\n\",\"t\":\"a\\tb\"}");
    roundtrip("{\"ctl\":\"\\u0001\\b\\u000b\\f\\u001b\\u001f\\u007f\"}");
    roundtrip("{\"url\":\"https://example.com/a/b?x=1&y=<z>\",\"s\":\"</script>\"}");
    roundtrip("{\"k\\\"ey\\\\\":\"v\",\"\xc3\xbc\\n\":\"\xc3\xbc\"}");
    roundtrip("{\"\":\"\"}");
}
END_TEST

START_TEST(writer_escapes_like_crystal)
{
    apr_table_t *t = apr_table_make(ut_pool, 4);
    char ctl[40];
    int i;

    apr_table_set(t, "del", "\x7f");
    apr_table_set(t, "slash", "/");
    apr_table_set(t, "nonascii", "\xc2\x85\xe2\x80\xa8\xff\xfe");  /* raw, even invalid */
    ck_assert_str_eq(to_json(t), "{\"del\":\"\\u007f\",\"slash\":\"/\","
                     "\"nonascii\":\"\xc2\x85\xe2\x80\xa8\xff\xfe\"}");

    for (i = 1; i < 32; i++)
        ctl[i - 1] = (char)i;
    ctl[31] = '\0';
    t = apr_table_make(ut_pool, 1);
    apr_table_set(t, "c", ctl);
    ck_assert_str_eq(to_json(t), "{\"c\":\""
        "\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
        "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
        "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"}");
}
END_TEST

START_TEST(duplicate_keys_read)
{
    apr_table_t *t = parse_ok("{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}");

    ck_assert_int_eq(apr_table_elts(t)->nelts, 2);
    ck_assert_str_eq(to_json(t), "{\"a\":\"3\",\"b\":\"2\"}");
    /* apr tables ignore case: a documented, accepted difference */
    t = parse_ok("{\"A\":\"1\",\"a\":\"2\"}");
    ck_assert_str_eq(to_json(t), "{\"A\":\"2\"}");
}
END_TEST

START_TEST(duplicate_keys_written_once)
{
    apr_table_t *t = apr_table_make(ut_pool, 4);

    apr_table_add(t, "a", "1");
    apr_table_add(t, "b", "2");
    apr_table_add(t, "a", "3");
    apr_table_add(t, "c", "4");
    apr_table_add(t, "A", "5");
    ck_assert_str_eq(to_json(t), "{\"a\":\"5\",\"b\":\"2\",\"c\":\"4\"}");
}
END_TEST

/* canonical = 1 promises that the writer gives the text back byte for
 * byte; 0 is allowed to be cautious. */
static int canonical_of(const char *json)
{
    apr_table_t *t = NULL;
    int canonical = -1;

    ck_assert_int_eq(ms_json_read_session(json, strlen(json), ut_pool, &t,
                                          &canonical), MS_JSON_OK);
    if (canonical)
        ck_assert_str_eq(to_json(t), json);
    return canonical;
}

START_TEST(canonical_text_recognised)
{
    static const char *const same[] = {
        "{}", "{\"a\":\"1\"}",
        "{\"user_id\":\"42\",\"role\":\"admin\",\"csrf_token\":"
        "\"0123456789abcdef0123456789abcdef\"}",
        "{\"k\xff\":\"\xc3\x28\"}", "{\"\":\"\"}", "{\"p\":\"a/b\"}",
        "{\"long\":\"0123456789012345678901234567890123456789\"}",
    };
    static const char *const other[] = {
        " {}", "{ }", "{\"a\": \"1\"}", "{\"a\":\"1\"}\n",
        "{\"a\":\"1\",\"a\":\"2\"}", "{\"A\":\"1\",\"a\":\"2\"}",
        "{\"a\":\"\\/\"}", "{\"a\":\"\\u0041\"}", "{\"a\":\"\\n\"}",
        "{\"a\":\"x\x7f" "y\"}", "{\"a\x7f\":\"1\"}",
        "{\"a\":\"0123456789\x7f" "0123456789\"}",
    };
    apr_size_t i;

    for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        ck_assert_msg(canonical_of(same[i]) == 1, "%s", same[i]);
    for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        ck_assert_msg(canonical_of(other[i]) == 0, "%s", other[i]);
}
END_TEST

START_TEST(strings_stop_at_every_special_byte)
{
    /* the scan reads 8 bytes a turn: put each special byte at each offset
     * of a long value and check what the reader makes of it */
    char json[64], want[40];
    apr_table_t *t;
    int at, canonical;

    for (at = 0; at < 24; at++) {
        memset(want, 'v', 24);
        want[24] = '\0';
        want[at] = '\x7f';
        apr_snprintf(json, sizeof(json), "{\"k\":\"%s\"}", want);
        ck_assert_int_eq(ms_json_read_session(json, strlen(json), ut_pool, &t,
                                              &canonical), MS_JSON_OK);
        ck_assert_str_eq(apr_table_get(t, "k"), want);
        ck_assert_int_eq(canonical, 0);
        want[at] = '\x01';
        apr_snprintf(json, sizeof(json), "{\"k\":\"%s\"}", want);
        parse_fails(json, MS_JSON_SYNTAX);
        want[at] = '"';
        want[at + 1] = '\0';
        apr_snprintf(json, sizeof(json), "{\"k\":\"%s\"}", want);
        parse_fails(json, MS_JSON_SYNTAX);      /* "k":"vv" then garbage */
        want[at] = '\0';
        apr_snprintf(json, sizeof(json), "{\"k\":\"%s\\\"\"}", want);
        t = parse_ok(json);
        ck_assert_int_eq((int)strlen(apr_table_get(t, "k")), at + 1);
    }
}
END_TEST

/* Crystal's escaping, one byte at a time: the reference for the writer. */
static char *reference_json_string(const char *v)
{
    char *out = apr_palloc(ut_pool, 6 * strlen(v) + 3), *o = out;
    const unsigned char *u;

    *o++ = '"';
    for (u = (const unsigned char *)v; *u; u++) {
        switch (*u) {
        case '"':  *o++ = '\\'; *o++ = '"'; break;
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        case '\b': *o++ = '\\'; *o++ = 'b'; break;
        case '\f': *o++ = '\\'; *o++ = 'f'; break;
        case '\n': *o++ = '\\'; *o++ = 'n'; break;
        case '\r': *o++ = '\\'; *o++ = 'r'; break;
        case '\t': *o++ = '\\'; *o++ = 't'; break;
        default:
            if (*u < 0x20 || *u == 0x7f)
                o += apr_snprintf(o, 7, "\\u%04x", *u);
            else
                *o++ = (char)*u;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

START_TEST(writer_escapes_at_every_offset)
{
    /* the writer measures 16 bytes a turn: each special byte at each
     * offset of values around that width, one or two in a value */
    static const unsigned char specials[] = { '"', '\\', '\n', 0x01, 0x1f, 0x7f, 'x' };
    char v[48];
    apr_size_t len, at, k, second;

    for (len = 1; len < sizeof(v); len += 7)
    for (at = 0; at < len; at++)
    for (k = 0; k < sizeof(specials); k++) {
        apr_table_t *t = apr_table_make(ut_pool, 2);
        memset(v, 'a' + (int)(len % 26), len);
        v[len] = '\0';
        v[at] = (char)specials[k];
        second = (at * 5 + 3) % len;
        if (second != at)
            v[second] = (char)specials[(k + 1) % sizeof(specials)];
        apr_table_set(t, "k", v);
        apr_table_set(t, v, "w");
        ck_assert_str_eq(to_json(t), apr_pstrcat(ut_pool, "{\"k\":",
                         reference_json_string(v), ",", reference_json_string(v),
                         ":\"w\"}", NULL));
    }
}
END_TEST

START_TEST(invalid_utf8_kept)
{
    apr_table_t *t = parse_ok("{\"k\xff\":\"\xc3\x28\xed\xa0\x80\xf8\"}");

    ck_assert_str_eq(apr_table_get(t, "k\xff"), "\xc3\x28\xed\xa0\x80\xf8");
    roundtrip("{\"k\xff\":\"\xc3\x28\xed\xa0\x80\xf8\"}");
}
END_TEST

START_TEST(nul_escape)
{
    parse_fails("{\"a\":\"x\\u0000y\"}", MS_JSON_NUL);
    parse_fails("{\"a\\u0000\":\"x\"}", MS_JSON_NUL);
    parse_fails("{\"a\":\"\\u0000\",\"b\":\"c\"}", MS_JSON_NUL);
    /* a broken document is a syntax error first */
    parse_fails("{\"a\":\"\\u0000\",}", MS_JSON_SYNTAX);
}
END_TEST

START_TEST(lone_surrogates)
{
    parse_fails("{\"a\":\"\\ud800\"}", MS_JSON_LONE_SURROGATE);
    parse_fails("{\"a\":\"\\udbff x\"}", MS_JSON_LONE_SURROGATE);
    parse_fails("{\"a\":\"\\udc00\"}", MS_JSON_LONE_SURROGATE);
    parse_fails("{\"a\":\"\\ude00\\ud83d\"}", MS_JSON_LONE_SURROGATE);
    parse_fails("{\"a\":\"\\ud83d\\u0041\"}", MS_JSON_LONE_SURROGATE);
    parse_fails("{\"a\":\"\\ud83d\\ud83d\"}", MS_JSON_LONE_SURROGATE);
    parse_fails("{\"a\":\"\\ud83d\\n\"}", MS_JSON_LONE_SURROGATE);
    parse_fails("{\"\\ud800\":\"a\"}", MS_JSON_LONE_SURROGATE);
}
END_TEST

START_TEST(bad_escapes)
{
    parse_fails("{\"a\":\"\\x41\"}", MS_JSON_BAD_ESCAPE);
    parse_fails("{\"a\":\"\\'\"}", MS_JSON_BAD_ESCAPE);
    parse_fails("{\"a\":\"\\u12\"}", MS_JSON_BAD_ESCAPE);
    parse_fails("{\"a\":\"\\u12g4\"}", MS_JSON_BAD_ESCAPE);
    parse_fails("{\"a\":\"\\U0041\"}", MS_JSON_BAD_ESCAPE);
    parse_fails("{\"a\":\"\\ud83d\\uzzzz\"}", MS_JSON_BAD_ESCAPE);
}
END_TEST

START_TEST(non_string_values)
{
    parse_fails("{\"a\":1}", MS_JSON_NOT_STRING);
    parse_fails("{\"a\":-1.5e3}", MS_JSON_NOT_STRING);
    parse_fails("{\"a\":null}", MS_JSON_NOT_STRING);
    parse_fails("{\"a\":true}", MS_JSON_NOT_STRING);
    parse_fails("{\"a\":false}", MS_JSON_NOT_STRING);
    parse_fails("{\"a\":[\"x\"]}", MS_JSON_NOT_STRING);
    parse_fails("{\"a\":{\"b\":\"c\"}}", MS_JSON_NOT_STRING);
    parse_fails("{\"a\":\"ok\",\"b\":{}}", MS_JSON_NOT_STRING);
}
END_TEST

START_TEST(not_objects)
{
    parse_fails("[]", MS_JSON_NOT_OBJECT);
    parse_fails("[\"a\",\"b\"]", MS_JSON_NOT_OBJECT);
    parse_fails("\"str\"", MS_JSON_NOT_OBJECT);
    parse_fails(" 42 ", MS_JSON_NOT_OBJECT);
    parse_fails("null", MS_JSON_NOT_OBJECT);
    parse_fails("true", MS_JSON_NOT_OBJECT);
}
END_TEST

START_TEST(syntax_errors)
{
    static const char *const bad[] = {
        "", " ", "hello", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\" \"b\"}",
        "{\"a\":\"b\",}", "{,}", "{\"a\":\"b\" \"c\":\"d\"}", "{'a':'b'}",
        "{a:\"b\"}", "{\"a\":\"b\"", "{\"a\":\"b}", "{} x", "{}{}", "{}}",
        "{\"a\":\"b\"}\n,", "{\"a\":\"raw\ttab\"}", "{\"a\":\"raw\nnewline\"}",
        "{\"a\":1.}", "{\"a\":+1}",
        "{\"a\":tru}", "[1,]", "\xef\xbb\xbf{}", "{\"a\":\"b\"\x0b}",
        NULL
    };
    int i;

    for (i = 0; bad[i]; i++)
        parse_fails(bad[i], MS_JSON_SYNTAX);
}
END_TEST

START_TEST(length_is_honoured)
{
    apr_table_t *t = NULL;

    ck_assert_int_eq(ms_json_to_table("{}garbage", 2, ut_pool, &t), MS_JSON_OK);
    ck_assert_int_eq(ms_json_to_table("{\"a\":\"b\"}", 8, ut_pool, &t),
                     MS_JSON_SYNTAX);
    /* an embedded NUL byte (not an escape) is a control character */
    ck_assert_int_eq(ms_json_to_table("{\"a\":\"\0\"}", 9, ut_pool, &t),
                     MS_JSON_SYNTAX);
    ck_assert_int_eq(ms_json_to_table("{}\0", 3, ut_pool, &t), MS_JSON_SYNTAX);
    ck_assert_int_eq(ms_json_to_table(NULL, 0, ut_pool, &t), MS_JSON_SYNTAX);
}
END_TEST

START_TEST(nesting_limit)
{
    apr_size_t n = MS_JSON_MAX_DEPTH + 10, i;
    char *deep = apr_palloc(ut_pool, 2 * n + 1);
    ms_json_cursor c;

    for (i = 0; i < n; i++) {
        deep[i] = '[';
        deep[n + i] = ']';
    }
    deep[2 * n] = '\0';
    c.s = deep;
    c.len = 2 * n;
    c.pos = 0;
    ck_assert_int_eq(ms_json_skip_value(&c, 0), MS_JSON_TOO_DEEP);
    c.s = deep + 10;
    c.len = 2 * (n - 10);
    c.pos = 0;
    ck_assert_int_eq(ms_json_skip_value(&c, 0), MS_JSON_OK);
    ck_assert_uint_eq(c.pos, c.len);
    ck_assert_int_eq(ms_json_to_table(deep, 2 * n, ut_pool, &(apr_table_t *){0}),
                     MS_JSON_SYNTAX);
}
END_TEST

START_TEST(skip_value_kinds)
{
    static const char *const ok[] = {
        "0", "-0", "12.5e-3", "1E+2", "\"s\\u00e9\"", "true", "false", "null",
        "[]", "{}", "[1,\"a\",{\"b\":[null]}]", " { \"a\" : [ 1 , 2 ] } ", NULL
    };
    int i;

    for (i = 0; ok[i]; i++) {
        ms_json_cursor c = { ok[i], strlen(ok[i]), 0 };
        ck_assert_msg(ms_json_skip_value(&c, 0) == MS_JSON_OK, "%s", ok[i]);
        ms_json_skip_ws(&c);
        ck_assert_uint_eq(c.pos, c.len);
    }
}
END_TEST

START_TEST(status_strings)
{
    int st;

    for (st = MS_JSON_OK; st <= MS_JSON_TOO_DEEP; st++)
        ck_assert_uint_gt(strlen(ms_json_status_str((ms_json_status)st)), 1);
    ck_assert_str_ne(ms_json_status_str(MS_JSON_SYNTAX),
                     ms_json_status_str(MS_JSON_NUL));
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, vector_plaintexts_roundtrip);
    tcase_add_test(tc, empty_hash);
    tcase_add_test(tc, reads_values_and_order);
    tcase_add_test(tc, escapes_decoded);
    tcase_add_test(tc, roundtrips);
    tcase_add_test(tc, writer_escapes_like_crystal);
    tcase_add_test(tc, duplicate_keys_read);
    tcase_add_test(tc, duplicate_keys_written_once);
    tcase_add_test(tc, invalid_utf8_kept);
    tcase_add_test(tc, nul_escape);
    tcase_add_test(tc, lone_surrogates);
    tcase_add_test(tc, bad_escapes);
    tcase_add_test(tc, non_string_values);
    tcase_add_test(tc, not_objects);
    tcase_add_test(tc, syntax_errors);
    tcase_add_test(tc, length_is_honoured);
    tcase_add_test(tc, nesting_limit);
    tcase_add_test(tc, skip_value_kinds);
    tcase_add_test(tc, writer_escapes_at_every_offset);
    tcase_add_test(tc, canonical_text_recognised);
    tcase_add_test(tc, strings_stop_at_every_special_byte);
    tcase_add_test(tc, status_strings);
    suite_add_tcase(s, tc);
    return s;
}
