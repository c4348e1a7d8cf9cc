/* Key files: the line format and reading a whole file. */
#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>

#include "ms_keyfile.h"
#include "unit_tests.h"

/* Parse a copy of s; the keys, or NULL and *bad the line with a NUL. */
static apr_array_header_t *parse(const char *s, apr_size_t len, int *bad)
{
    char *text = apr_pmemdup(ut_pool, s, len);
    apr_array_header_t *keys = NULL;

    *bad = ms_keyfile_parse(text, len, ut_pool, &keys);
    return *bad ? NULL : keys;
}

static const ms_keyfile_key *nth(const apr_array_header_t *keys, int i)
{
    return &APR_ARRAY_IDX(keys, i, ms_keyfile_key);
}

START_TEST(lines_comments_and_trailing_space)
{
    const char s[] = "# current first\n\nkey-one  \t\r\n   \n#old\nkey two\r\nlast";
    int bad;
    apr_array_header_t *keys = parse(s, sizeof(s) - 1, &bad);

    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(keys->nelts, 3);
    ck_assert_str_eq(nth(keys, 0)->key, "key-one");
    ck_assert_uint_eq(nth(keys, 0)->len, 7);
    ck_assert_int_eq(nth(keys, 0)->line, 3);
    ck_assert_str_eq(nth(keys, 1)->key, "key two");     /* inner space kept */
    ck_assert_int_eq(nth(keys, 1)->line, 6);
    ck_assert_str_eq(nth(keys, 2)->key, "last");        /* no final newline */
    ck_assert_int_eq(nth(keys, 2)->line, 7);
}
END_TEST

START_TEST(leading_space_is_part_of_the_key)
{
    int bad;
    apr_array_header_t *keys = parse("  k\n #not a comment\n", 20, &bad);

    ck_assert_int_eq(keys->nelts, 2);
    ck_assert_str_eq(nth(keys, 0)->key, "  k");
    ck_assert_str_eq(nth(keys, 1)->key, " #not a comment");
}
END_TEST

START_TEST(empty_and_comment_only)
{
    int bad;

    ck_assert_int_eq(parse("", 0, &bad)->nelts, 0);
    ck_assert_int_eq(parse("\n\r\n# x\n", 7, &bad)->nelts, 0);
}
END_TEST

/* The module once read 4096-byte lines, so a longer line became several
 * keys: a line of any length is one key. */
START_TEST(long_line_is_one_key)
{
    apr_size_t n = 10000;
    char *s = apr_palloc(ut_pool, n + 3);
    int bad;
    apr_array_header_t *keys;

    memset(s, 'k', n);
    memcpy(s + n, "\nz", 2);
    keys = parse(s, n + 2, &bad);
    ck_assert_int_eq(keys->nelts, 2);
    ck_assert_uint_eq(nth(keys, 0)->len, n);
    ck_assert_uint_eq(strlen(nth(keys, 0)->key), n);
    ck_assert_int_eq(nth(keys, 0)->line, 1);
    ck_assert_str_eq(nth(keys, 1)->key, "z");
    ck_assert_int_eq(nth(keys, 1)->line, 2);
}
END_TEST

START_TEST(nul_byte_names_its_line)
{
    int bad;

    ck_assert_ptr_null(parse("a\nb\nc\0d\ne\n", 10, &bad));
    ck_assert_int_eq(bad, 3);
    ck_assert_ptr_null(parse("# \0\n", 4, &bad));      /* even in a comment */
    ck_assert_int_eq(bad, 1);
}
END_TEST

/* A file of size bytes ('x' each) in ut_pool, opened for reading. */
static apr_file_t *file_of(apr_size_t size)
{
    char *path = apr_pstrdup(ut_pool, "/tmp/ms-unit-keyfile-XXXXXX");
    char *bytes = apr_palloc(ut_pool, size + 1);
    apr_file_t *f;
    apr_size_t wrote;

    memset(bytes, 'x', size);
    ck_assert_int_eq(apr_file_mktemp(&f, path, APR_FOPEN_CREATE | APR_FOPEN_READ
                                     | APR_FOPEN_WRITE, ut_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_file_write_full(f, bytes, size, &wrote), APR_SUCCESS);
    ck_assert_int_eq(apr_file_close(f), APR_SUCCESS);
    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT,
                                   ut_pool), APR_SUCCESS);
    apr_file_remove(path, ut_pool);     /* gone once f is closed */
    return f;
}

START_TEST(read_all_sizes)
{
    static const apr_size_t sizes[] = { 0, 1, 4095, 4096, 4097, 70000 };
    apr_size_t i, len;
    char *text;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        apr_file_t *f = file_of(sizes[i]);

        ck_assert_int_eq(ms_read_all(f, 100000, ut_pool, &text, &len), APR_SUCCESS);
        ck_assert_uint_eq(len, sizes[i]);
        ck_assert_uint_eq(strlen(text), sizes[i]);      /* NUL-terminated */
        ck_assert(len == 0 || (text[0] == 'x' && text[len - 1] == 'x'));
    }
}
END_TEST

START_TEST(read_all_limit)
{
    apr_size_t len;
    char *text;

    /* exactly max is taken, one byte more is not, around a buffer size */
    ck_assert_int_eq(ms_read_all(file_of(8192), 8192, ut_pool, &text, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, 8192);
    ck_assert_int_eq(ms_read_all(file_of(8193), 8192, ut_pool, &text, &len),
                     APR_ENOSPC);
    ck_assert_int_eq(ms_read_all(file_of(11), 10, ut_pool, &text, &len),
                     APR_ENOSPC);
    ck_assert_int_eq(ms_read_all(file_of(10), 10, ut_pool, &text, &len),
                     APR_SUCCESS);
}
END_TEST

Suite *keyfile_suite(void)
{
    Suite *s = suite_create("keyfile");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
    tcase_add_test(tc, lines_comments_and_trailing_space);
    tcase_add_test(tc, leading_space_is_part_of_the_key);
    tcase_add_test(tc, empty_and_comment_only);
    tcase_add_test(tc, long_line_is_one_key);
    tcase_add_test(tc, nul_byte_names_its_line);
    tcase_add_test(tc, read_all_sizes);
    tcase_add_test(tc, read_all_limit);
    suite_add_tcase(s, tc);
    return s;
}
