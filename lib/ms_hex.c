/* Hex decoding and encoding (see ms_hex.h). */
#include <string.h>

#include "ms_hex.h"
#include "ms_simd.h"

/* Hex digit values, either case, as the high and the low half of a byte;
 * 0x100 marks anything else, so a pair is two lookups OR-ed together.
 * (HEX_VALUE says 16 for a non-digit rather than -1: compilers check the
 * arms of ?: that are not taken too.) */
#define HEX_VALUE(c) \
    ((c) >= '0' && (c) <= '9' ? (c) - '0' \
     : (c) >= 'a' && (c) <= 'f' ? (c) - 'a' + 10 \
     : (c) >= 'A' && (c) <= 'F' ? (c) - 'A' + 10 : 16)
#define HEX_HI(c) (HEX_VALUE(c) > 15 ? 0x100 : HEX_VALUE(c) << 4)
#define HEX_LO(c) (HEX_VALUE(c) > 15 ? 0x100 : HEX_VALUE(c))
#define R4(F, b) F(b), F((b) + 1), F((b) + 2), F((b) + 3)
#define R16(F, b) R4(F, b), R4(F, (b) + 4), R4(F, (b) + 8), R4(F, (b) + 12)
#define R64(F, b) R16(F, b), R16(F, (b) + 16), R16(F, (b) + 32), R16(F, (b) + 48)
#define R256(F) R64(F, 0), R64(F, 64), R64(F, 128), R64(F, 192)
static const apr_uint16_t hex_hi[256] = { R256(HEX_HI) };
static const apr_uint16_t hex_lo[256] = { R256(HEX_LO) };

/* The two digits of each byte, one lookup a byte in the scalar encoder:
 * a string literal, row h being h followed by each digit. */
#define HEX_ROW(h) h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" h "8" \
    h "9" h "a" h "b" h "c" h "d" h "e" h "f"
static const char hex_pairs[2 * 256 + 1] =
    HEX_ROW("0") HEX_ROW("1") HEX_ROW("2") HEX_ROW("3") HEX_ROW("4")
    HEX_ROW("5") HEX_ROW("6") HEX_ROW("7") HEX_ROW("8") HEX_ROW("9")
    HEX_ROW("a") HEX_ROW("b") HEX_ROW("c") HEX_ROW("d") HEX_ROW("e")
    HEX_ROW("f");

#ifdef MS_SIMD
/* The vector decoders take the leading blocks of x[0..end) that are all
 * hex digits, 1 byte out for every 2 characters, and return the characters
 * consumed; the scalar loop finds the bad byte in the block they stopped
 * at. Nibble classes as in ms_simd_bad16 (high nibbles other than 3, 4
 * and 6 have a class every low nibble rejects). The value is the byte
 * plus an offset chosen by its high nibble; maddubs then makes hi * 16 + lo
 * of each pair and a saturating pack (no value exceeds 255) narrows the
 * pairs to bytes. */
#define HEX_LUT_LO 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x05, \
                   0x05, 0x05, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07
#define HEX_LUT_HI 0x01, 0x01, 0x01, 0x02, 0x04, 0x01, 0x04, 0x01, \
                   0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01
#define HEX_OFFSET 0, 0, 0, -48, -55, 0, -87, 0, 0, 0, 0, 0, 0, 0, 0, 0

/* 16 characters to 8 bytes a turn. */
__attribute__((target("ssse3")))
static apr_size_t decode_blocks_ssse3(const unsigned char *x, apr_size_t end,
                                      unsigned char *o)
{
    const __m128i lut_lo = _mm_setr_epi8(HEX_LUT_LO);
    const __m128i lut_hi = _mm_setr_epi8(HEX_LUT_HI);
    const __m128i offset = _mm_setr_epi8(HEX_OFFSET);
    const __m128i pairs = _mm_set1_epi16(0x0110);
    apr_size_t pos = 0;

    for (; pos + 16 <= end; pos += 16, o += 8) {
        __m128i c = MS_LOAD16(x + pos), hi, v;

        if (!ms_simd_good16(ms_simd_bad16(c, lut_lo, lut_hi, &hi)))
            break;
        v = _mm_add_epi8(c, _mm_shuffle_epi8(offset, hi));
        v = _mm_maddubs_epi16(v, pairs);
        _mm_storel_epi64((__m128i *)(void *)o, _mm_packus_epi16(v, v));
    }
    return pos;
}

/* 32 characters to 16 bytes a turn: the pack works within each 16-byte
 * lane, so the two 8-byte results are joined by a permute. */
__attribute__((target("avx2")))
static apr_size_t decode_blocks_avx2(const unsigned char *x, apr_size_t end,
                                     unsigned char *o)
{
    const __m256i lut_lo = _mm256_setr_epi8(HEX_LUT_LO, HEX_LUT_LO);
    const __m256i lut_hi = _mm256_setr_epi8(HEX_LUT_HI, HEX_LUT_HI);
    const __m256i offset = _mm256_setr_epi8(HEX_OFFSET, HEX_OFFSET);
    const __m256i pairs = _mm256_set1_epi16(0x0110);
    apr_size_t pos = 0;

    for (; pos + 32 <= end; pos += 32, o += 16) {
        __m256i c = MS_LOAD32(x + pos), hi, v;
        __m256i bad = ms_simd_bad32(c, lut_lo, lut_hi, &hi);

        if (!_mm256_testz_si256(bad, bad))
            break;
        v = _mm256_add_epi8(c, _mm256_shuffle_epi8(offset, hi));
        v = _mm256_maddubs_epi16(v, pairs);
        v = _mm256_permute4x64_epi64(_mm256_packus_epi16(v, v), 0x08);
        MS_STORE16(o, _mm256_castsi256_si128(v));
    }
    return pos;
}

#define HEX_DIGITS '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', \
                   'a', 'b', 'c', 'd', 'e', 'f'

/* The encoders write only the 2 * len digits (the callers' buffers are
 * exact); a last partial block is done by moving the block back to end at
 * len, encoding a few bytes again to the same digits. */

/* 16 bytes at s to 32 digits at o: split into nibbles, interleave them
 * high first, and look each up in the digit table. */
__attribute__((target("ssse3")))
static APR_INLINE void enc_block16(const unsigned char *s, char *o,
                                   __m128i table)
{
    const __m128i nibble = _mm_set1_epi8(0x0F);
    __m128i b = MS_LOAD16(s);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), nibble);
    __m128i lo = _mm_and_si128(b, nibble);

    MS_STORE16(o, _mm_shuffle_epi8(table, _mm_unpacklo_epi8(hi, lo)));
    MS_STORE16(o + 16, _mm_shuffle_epi8(table, _mm_unpackhi_epi8(hi, lo)));
}

/* len >= 16: 16 bytes a turn. */
__attribute__((target("ssse3")))
static void encode_blocks_ssse3(const unsigned char *in, apr_size_t len,
                                char *out)
{
    const __m128i table = _mm_setr_epi8(HEX_DIGITS);
    apr_size_t k;

    for (k = 0; k + 16 <= len; k += 16)
        enc_block16(in + k, out + 2 * k, table);
    if (k < len)
        enc_block16(in + len - 16, out + 2 * (len - 16), table);
}

/* 32 bytes at s to 64 digits at o. Unpacking works within 16-byte lanes,
 * so the 8-byte quarters are first put in the order 0 2 1 3: then the low
 * halves of the lanes are bytes 0-15 and the high halves 16-31. */
__attribute__((target("avx2")))
static APR_INLINE void enc_block32(const unsigned char *s, char *o,
                                   __m256i table)
{
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256i b = _mm256_permute4x64_epi64(MS_LOAD32(s), 0xD8);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(b, 4), nibble);
    __m256i lo = _mm256_and_si256(b, nibble);

    MS_STORE32(o, _mm256_shuffle_epi8(table, _mm256_unpacklo_epi8(hi, lo)));
    MS_STORE32(o + 32,
               _mm256_shuffle_epi8(table, _mm256_unpackhi_epi8(hi, lo)));
}

/* len >= 32: 32 bytes a turn. */
__attribute__((target("avx2")))
static void encode_blocks_avx2(const unsigned char *in, apr_size_t len,
                               char *out)
{
    const __m256i table = _mm256_setr_epi8(HEX_DIGITS, HEX_DIGITS);
    apr_size_t k;

    for (k = 0; k + 32 <= len; k += 32)
        enc_block32(in + k, out + 2 * k, table);
    if (k < len)
        enc_block32(in + len - 32, out + 2 * (len - 32), table);
}
#endif

int ms_hex_decode(const char *x, apr_size_t xlen, unsigned char *out)
{
    const unsigned char *u = (const unsigned char *)x, *end = u + xlen;
    unsigned bad = 0;

    if (xlen % 2 != 0)
        return 0;
#ifdef MS_SIMD
    {
        apr_size_t at = ms_simd_decode(u, xlen, out, 8, decode_blocks_avx2,
                                       decode_blocks_ssse3);

        u += at;
        out += at / 2;
    }
#endif
    for (; u < end; u += 2) {
        unsigned v = (unsigned)hex_hi[u[0]] | hex_lo[u[1]];
        bad |= v;
        *out++ = (unsigned char)v;
    }
    return (bad & 0x100) == 0;
}

void ms_hex_encode_lower(const unsigned char *in, apr_size_t len, char *out)
{
    apr_size_t k;

#ifdef MS_SIMD
    if (len >= 16) {
        int level = ms_simd_level();

        if (level >= 2 && len >= 32) {
            encode_blocks_avx2(in, len, out);
            out[2 * len] = '\0';
            return;
        }
        if (level >= 1) {
            encode_blocks_ssse3(in, len, out);
            out[2 * len] = '\0';
            return;
        }
    }
#endif
    for (k = 0; k < len; k++)
        memcpy(out + 2 * k, hex_pairs + 2 * (apr_size_t)in[k], 2);
    out[2 * len] = '\0';
}
