/* Splitting one cookie value over several cookies (MartenSessionCookieChunks).
 * Chunk 0 goes in the cookie <name>, chunk i in <name>_i. When there is
 * more than one, chunk 0 starts with "<count>:" (':' occurs in neither
 * cookie format), so a set with a chunk missing or one too many is seen
 * as such; a reordered set fails authentication once joined. */
#ifndef MS_CHUNKS_H
#define MS_CHUNKS_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Split value[0..len) into at most max_n chunks, where chunk i may be at
 * most caps[i] bytes (its "<count>:" prefix included). Fewest chunks win.
 * Returns the array of NUL-terminated chunks (from p), or NULL if the value
 * does not fit. */
apr_array_header_t *ms_chunks_split(const char *value, apr_size_t len,
                                    const apr_size_t *caps, int max_n,
                                    apr_pool_t *p);

/* How many chunks ms_chunks_split would make of a value of len bytes, or
 * 0 if it does not fit (or len is 0): the size check, without the copy. */
int ms_chunks_needed(apr_size_t len, const apr_size_t *caps, int max_n);

/* The chunk count announced by chunk 0 (1 without a prefix, 0 for a
 * malformed or out-of-range one, above max_n); *rest is chunk 0 without
 * its prefix. */
int ms_chunks_count(const char *first, int max_n, const char **rest);

#endif
