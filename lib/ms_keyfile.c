/* Key files (see ms_keyfile.h). */
#include <string.h>

#include <openssl/crypto.h>

#include <apr_lib.h>

#include "ms_keyfile.h"

int ms_keyfile_parse(char *text, apr_size_t len, apr_pool_t *p,
                     apr_array_header_t **keys)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(ms_keyfile_key));
    char *line = text, *end = text + len;
    int lineno = 0;

    while (line < end) {
        char *nl = memchr(line, '\n', (apr_size_t)(end - line));
        char *stop = nl ? nl : end;
        apr_size_t n = (apr_size_t)(stop - line);
        ms_keyfile_key *k;

        lineno++;
        if (memchr(line, '\0', n)) {
            return lineno;
        }
        while (n > 0 && apr_isspace(line[n - 1])) {
            n--;
        }
        if (n > 0 && line[0] != '#') {
            line[n] = '\0';
            k = apr_array_push(out);
            k->key = line;
            k->len = n;
            k->line = lineno;
        }
        line = nl ? nl + 1 : end;
    }
    *keys = out;
    return 0;
}

apr_status_t ms_read_all(apr_file_t *f, apr_size_t max, apr_pool_t *p,
                         char **text, apr_size_t *len)
{
    apr_size_t cap = 4096, have = 0;
    char *buf = apr_palloc(p, cap + 1);

    for (;;) {
        apr_size_t n = cap - have;
        apr_status_t rv = apr_file_read(f, buf + have, &n);

        have += n;
        if (rv == APR_EOF || (rv == APR_SUCCESS && n == 0)) {
            break;
        }
        if (rv == APR_SUCCESS && have > max) {
            rv = APR_ENOSPC;
        }
        if (rv != APR_SUCCESS) {
            OPENSSL_cleanse(buf, have);
            return rv;
        }
        if (have == cap) {
            /* up to one byte past max, which tells a file of exactly max
             * bytes apart (here have <= max, so this grows) */
            apr_size_t bigger = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *grown;

            grown = apr_palloc(p, bigger + 1);
            memcpy(grown, buf, have);
            OPENSSL_cleanse(buf, have);
            buf = grown;
            cap = bigger;
        }
    }
    buf[have] = '\0';
    *text = buf;
    *len = have;
    return APR_SUCCESS;
}
