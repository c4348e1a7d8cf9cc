/* Key files, as MartenSessionSecretKeyFile and marten-session --key-file
 * read them: one secret key per line, the current one first. Blank lines
 * and lines starting with '#' are skipped; trailing whitespace (CR, LF,
 * spaces, tabs) is not part of the key. A line has no length limit: a long
 * line is one key. */
#ifndef MS_KEYFILE_H
#define MS_KEYFILE_H

#include <apr_file_io.h>
#include <apr_pools.h>
#include <apr_tables.h>

/* The largest file ms_read_all is asked to take for keys. */
#define MS_KEYFILE_MAX (1024 * 1024)

typedef struct {
    const char *key;    /* NUL-terminated, inside the parsed text */
    apr_size_t len;
    int line;           /* 1-based, for messages */
} ms_keyfile_key;

/* Split text[0..len) into its keys, an array of ms_keyfile_key from p in
 * file order. text is changed in place (each key gets a NUL) and the keys
 * point into it: wipe it after use. Returns 0, or the number of the first
 * line that holds a NUL byte (then *keys is left alone). */
int ms_keyfile_parse(char *text, apr_size_t len, apr_pool_t *p,
                     apr_array_header_t **keys);

/* Read f to its end into *text (from p, NUL-terminated; its length in
 * *len). APR_ENOSPC when f holds more than max bytes, or the read error;
 * the bytes read so far are wiped on failure and when the buffer grows,
 * as they may be keys. */
apr_status_t ms_read_all(apr_file_t *f, apr_size_t max, apr_pool_t *p,
                         char **text, apr_size_t *len);

#endif
