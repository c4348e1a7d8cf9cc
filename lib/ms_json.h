/* The session as JSON: a flat object of string values, written exactly as
 * Crystal's JSON builder writes it (Marten's Hash#to_json), read as
 * Hash(String, String).from_json reads it. */
#ifndef MS_JSON_H
#define MS_JSON_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum {
    MS_JSON_OK = 0,
    MS_JSON_SYNTAX,          /* not JSON, or trailing garbage */
    MS_JSON_NOT_OBJECT,      /* valid JSON but not an object */
    MS_JSON_NOT_STRING,      /* a value that is not a string */
    MS_JSON_BAD_ESCAPE,      /* unknown escape or bad \uXXXX */
    MS_JSON_LONE_SURROGATE,  /* \uD800-\uDFFF not in a valid pair */
    MS_JSON_NUL,             /* a key or value holds U+0000: apr tables cannot */
    MS_JSON_TOO_DEEP         /* reserved for nesting limits */
} ms_json_status;

const char *ms_json_status_str(ms_json_status st);

/* Parse json[0..len) into a new table allocated from p. Whitespace is
 * allowed; with duplicate keys the last value wins and keeps the first
 * key's position (apr_table_set semantics). Raw bytes inside strings,
 * including invalid UTF-8, are kept as they are. */
ms_json_status ms_json_to_table(const char *json, apr_size_t len,
                                apr_pool_t *p, apr_table_t **table);

/* ms_json_to_table, and *canonical (when not NULL) tells whether
 * ms_table_to_json would write the table back as exactly json[0..len),
 * so a reader may reuse the text. A 0 may be cautious (any escape gives
 * one); a 1 is always right. */
ms_json_status ms_json_read_session(const char *json, apr_size_t len,
                                    apr_pool_t *p, apr_table_t **table,
                                    int *canonical);

/* Serialise t as Crystal does: no whitespace, pairs in table order,
 * escaping only '"', '\\', \b \f \n \r \t in short form, and other
 * U+0000-U+001F and U+007F as \u00xx (lowercase hex). '/' and all non-ASCII
 * bytes are written raw. A key that appears more than once is written once,
 * at its first position, with its last value. Returns a NUL-terminated
 * string from p; *len (if not NULL) gets its length. */
char *ms_table_to_json(const apr_table_t *t, apr_pool_t *p, apr_size_t *len);

/* --- Lower-level reader, shared with the codec's envelope reader --------- */

/* Crystal's JSON parser refuses deeper nesting; so do we (MS_JSON_TOO_DEEP). */
#define MS_JSON_MAX_DEPTH 512

/* A read position in json[0..len). */
typedef struct ms_json_cursor {
    const char *s;
    apr_size_t len;
    apr_size_t pos;
} ms_json_cursor;

/* Skip JSON whitespace: space, tab, CR, LF. */
void ms_json_skip_ws(ms_json_cursor *c);

/* Read the string whose opening quote is at c->pos and move past it.
 * *out (from p, NUL-terminated) gets the decoded bytes and *outlen their
 * count; a \u0000 escape stays a NUL byte inside, so callers that need a
 * C string must check with memchr. Raw control characters are a syntax
 * error, as in Crystal. */
ms_json_status ms_json_read_string(ms_json_cursor *c, apr_pool_t *p,
                                   char **out, apr_size_t *outlen);

/* Skip whitespace and then one JSON value of any type, validating it. */
ms_json_status ms_json_skip_value(ms_json_cursor *c, int depth);

#endif
