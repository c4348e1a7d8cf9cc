/* Fuzz target: the write-back header parser (lib/ms_writeback.c).
 *
 * Input: header lines "Name: value" separated by '\n', as one response
 * would carry them. Each name goes through ms_writeback_kind; each
 * X-Marten-Session-* value through ms_writeback_add into one ms_writeback,
 * stopping at the first malformed one (what the glue does). A line without
 * ':' is a value for the kind given by its first byte (so the fuzzer can
 * reach every kind without spelling the name).
 *
 * Checked: a refusal comes with a reason; every key and value accepted is
 * within the size limits and holds no NUL; browser_close is -1, 0 or 1;
 * the counts of parsed items match the arrays. */
#include <string.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "ms_writeback.h"

static void check_result(const ms_writeback *wb)
{
    int i;

    FUZZ_CHECK(wb->browser_close >= -1 && wb->browser_close <= 1);
    FUZZ_CHECK(wb->flush == 0 || wb->flush == 1);
    FUZZ_CHECK(wb->cycle_key == 0 || wb->cycle_key == 1);
    FUZZ_CHECK(wb->expires_in >= 0);
    for (i = 0; i < wb->deletes->nelts; i++) {
        const char *k = APR_ARRAY_IDX(wb->deletes, i, const char *);
        FUZZ_CHECK(k != NULL && strlen(k) <= MS_WB_MAX_KEY);
    }
    for (i = 0; i < wb->sets->nelts; i++) {
        const ms_wb_pair *pr = &APR_ARRAY_IDX(wb->sets, i, ms_wb_pair);
        FUZZ_CHECK(pr->key != NULL && strlen(pr->key) <= MS_WB_MAX_KEY);
        FUZZ_CHECK(pr->value != NULL && strlen(pr->value) <= MS_WB_MAX_VALUE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_input_pool();
    char *buf = apr_pstrmemdup(p, (const char *)data, size);
    char *line, *next;
    ms_writeback *wb = ms_writeback_make(p);
    const char *why;
    int kind;

    FUZZ_CHECK(ms_writeback_kind(NULL) == -1);
    for (line = buf; line != NULL; line = next) {
        char *colon, *value;

        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            value = colon + 1;
            while (*value == ' ' || *value == '\t')
                value++;
            kind = ms_writeback_kind(line);
            FUZZ_CHECK(kind >= -1 && kind <= MS_WB_UNKNOWN);
            if (kind < 0 || kind == MS_WB_UNKNOWN)
                continue;
        }
        else {
            if (*line == '\0')
                continue;
            kind = (unsigned char)*line % (MS_WB_UNKNOWN + 1);
            value = line + 1;
        }
        why = ms_writeback_add(wb, (ms_wb_kind)kind, value, p);
        if (why != NULL) {
            FUZZ_CHECK(*why != '\0');
            break;              /* all-or-nothing: the rest is not read */
        }
        check_result(wb);
    }

    apr_pool_destroy(p);
    return 0;
}
