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

/* Serialise t as Crystal does: no whitespace, pairs in table order,
 * escaping only '"', '\\', \b \f \n \r \t in short form, and other
 * U+0000-U+001F and U+007F as \u00xx (lowercase hex). '/' and all non-ASCII
 * bytes are written raw. A key that appears more than once is written once,
 * at its first position, with its last value. Returns a NUL-terminated
 * string from p; *len (if not NULL) gets its length. */
char *ms_table_to_json(const apr_table_t *t, apr_pool_t *p, apr_size_t *len);

#endif
