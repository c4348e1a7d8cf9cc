/* Fuzz target: the session JSON reader and writer (lib/ms_json.c).
 *
 * Input: any bytes, read as a session JSON text. Also read by the lower
 * level skip_value and read_string entry points the codec's envelope
 * reader uses, and by the reader of the times member that server-side
 * stores' payloads carry (lib/ms_meta.c).
 *
 * Checked: when the text parses, writing the table and reading it back
 * gives a table that writes the very same text (the writer's output is a
 * fixed point), and the writer's length is its strlen. */
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "fuzz_common.h"
#include "ms_json.h"
#include "ms_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();
    /* A copy of exactly size bytes, so reads past the end are caught. */
    char *text = apr_palloc(p, size ? size : 1);
    apr_table_t *t1 = NULL, *t2 = NULL;
    ms_json_cursor c;
    ms_json_status st;
    char *out1, *out2, *s;
    apr_size_t len1, len2, slen;

    memcpy(text, data, size);

    st = ms_json_to_table(text, size, p, &t1);
    FUZZ_CHECK(ms_json_status_str(st) != NULL);
    if (st == MS_JSON_OK) {
        FUZZ_CHECK(t1 != NULL);
        out1 = ms_table_to_json(t1, p, &len1);
        FUZZ_CHECK(out1 != NULL && strlen(out1) == len1);
        st = ms_json_to_table(out1, len1, p, &t2);
        FUZZ_CHECK(st == MS_JSON_OK);
        out2 = ms_table_to_json(t2, p, &len2);
        FUZZ_CHECK(len1 == len2 && memcmp(out1, out2, len1) == 0);
        FUZZ_CHECK(apr_table_elts(t1)->nelts >= apr_table_elts(t2)->nelts);
    }

    /* The stores' times member: what is left must still be an object the
     * reader takes when the whole was one. */
    if (memchr(text, '\0', size) == NULL) {
        char *z = apr_pstrmemdup(p, text, size);
        apr_time_t issued = -1, seen = -1;
        const char *rest = ms_meta_unwrap(z, p, &issued, &seen);

        if (rest != NULL && st == MS_JSON_OK) {
            apr_table_t *t3;
            FUZZ_CHECK(ms_json_to_table(rest, strlen(rest), p, &t3)
                       == MS_JSON_OK);
        }
    }

    /* Lower level: one value of any type, then one string. */
    c.s = text;
    c.len = size;
    c.pos = 0;
    if (ms_json_skip_value(&c, 0) == MS_JSON_OK)
        FUZZ_CHECK(c.pos <= size);
    c.pos = 0;
    ms_json_skip_ws(&c);
    if (c.pos < size && text[c.pos] == '"'
        && ms_json_read_string(&c, p, &s, &slen) == MS_JSON_OK) {
        FUZZ_CHECK(c.pos <= size && s != NULL && s[slen] == '\0');
    }

    apr_pool_destroy(p);
    return 0;
}
