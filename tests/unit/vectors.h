/* The Marten cookie vectors (tests/vectors/marten-cookies.json), read at
 * run time with a small JSON reader that belongs to the tests only, so the
 * library's own JSON code is not checked against itself. */
#ifndef MS_UNIT_VECTORS_H
#define MS_UNIT_VECTORS_H

#include <apr_pools.h>

typedef struct {
    const char *kind;           /* valid | expired | tampered | edge */
    const char *key;
    apr_size_t key_len;
    const char *cookie;
    apr_size_t cookie_len;
    const char *expires;        /* NULL when the vector has none */
    const char *expected;       /* plaintext JSON, or "invalid" */
    apr_size_t expected_len;
    const char *marten_result;
    const char *note;
} ms_vector;

/* Load the file once; on failure *error says why. */
apr_status_t vectors_load(const char *path, apr_pool_t *p, const char **error);

int vectors_count(void);
const ms_vector *vectors_get(int i);

/* The vector expected to decode (expected is not "invalid"). */
int vector_is_ok(const ms_vector *v);

#endif
