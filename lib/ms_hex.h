/* Hex as the Marten codec reads and writes it: the ciphertext and IV of a
 * Marten cookie are hex, so every request decodes some. */
#ifndef MS_HEX_H
#define MS_HEX_H

#include <apr.h>

/* Decode x[0..xlen) into out (xlen / 2 bytes): hex digits of either case,
 * an even length. Returns 1 on success, 0 on an odd length or any other
 * byte; on failure out holds unspecified bytes. */
int ms_hex_decode(const char *x, apr_size_t xlen, unsigned char *out);

/* Write in[0..len) as 2 * len lowercase hex digits and a NUL into out. */
void ms_hex_encode_lower(const unsigned char *in, apr_size_t len, char *out);

#endif
