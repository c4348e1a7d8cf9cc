/* Random bytes for IVs and nonces: OpenSSL's DRBG, drawn in batches. */
#ifndef MS_RANDOM_H
#define MS_RANDOM_H

#include <apr.h>
#include <apr_errno.h>

/* Fill out[0..n) with bytes from RAND_bytes. Small requests are served
 * from a batch the calling thread drew earlier; every byte is handed out
 * once. APR_EGENERAL when OpenSSL's generator fails. */
apr_status_t ms_random_bytes(unsigned char *out, apr_size_t n);

#endif
