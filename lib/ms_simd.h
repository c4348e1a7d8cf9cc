/* Steps the SSSE3 and AVX2 coders of ms_base64.c, ms_base64url.c and
 * ms_hex.c share; each file keeps its own tables and packing. Internal:
 * everything is static inline, so each coder gets its own copy. */
#ifndef MS_SIMD_H
#define MS_SIMD_H

#include "ms_base64.h"              /* ms_simd_level */

#if defined(__x86_64__) && defined(__GNUC__)
#define MS_SIMD 1
#include <immintrin.h>

#define MS_LOAD16(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define MS_STORE16(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define MS_LOAD32(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define MS_STORE32(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))

/* Nibble-class validation: lut_hi gives each high nibble a class bit,
 * lut_lo holds the classes each low nibble is invalid in; a byte is bad
 * when the two share a bit. Returns those bits (zero for good bytes) and
 * puts the high nibbles in *hi, which the coders reuse for their offsets.
 * The constants stay in the callers' registers once this is inlined. */
__attribute__((target("ssse3")))
static APR_INLINE __m128i ms_simd_bad16(__m128i c, __m128i lut_lo,
                                        __m128i lut_hi, __m128i *hi)
{
    const __m128i nibble = _mm_set1_epi8(0x0F);

    *hi = _mm_and_si128(_mm_srli_epi32(c, 4), nibble);
    return _mm_and_si128(_mm_shuffle_epi8(lut_lo, _mm_and_si128(c, nibble)),
                         _mm_shuffle_epi8(lut_hi, *hi));
}

/* Whether ms_simd_bad16 found no bad byte. */
static APR_INLINE int ms_simd_good16(__m128i bad)
{
    return _mm_movemask_epi8(_mm_cmpeq_epi8(bad, _mm_setzero_si128()))
           == 0xFFFF;
}

/* ms_simd_bad16 for 32 bytes (the tables repeated in both lanes). */
__attribute__((target("avx2")))
static APR_INLINE __m256i ms_simd_bad32(__m256i c, __m256i lut_lo,
                                        __m256i lut_hi, __m256i *hi)
{
    const __m256i nibble = _mm256_set1_epi8(0x0F);

    *hi = _mm256_and_si256(_mm256_srli_epi32(c, 4), nibble);
    return _mm256_and_si256(
        _mm256_shuffle_epi8(lut_lo, _mm256_and_si256(c, nibble)),
        _mm256_shuffle_epi8(lut_hi, *hi));
}

/* Base64 (both alphabets): 16 6-bit values in v to their 12 bytes, in
 * the first 12 of the result. maddubs merges them into 12-bit pairs, madd
 * into 24-bit groups, and one shuffle puts each group's bytes in order. */
#define MS_B64_ORDER 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1
__attribute__((target("ssse3")))
static APR_INLINE __m128i ms_b64_pack16(__m128i v)
{
    v = _mm_madd_epi16(_mm_maddubs_epi16(v, _mm_set1_epi32(0x01400140)),
                       _mm_set1_epi32(0x00011000));
    return _mm_shuffle_epi8(v, _mm_setr_epi8(MS_B64_ORDER));
}

/* The same for 32 values, 24 bytes: shuffles stay within 16-byte lanes,
 * so the two 12-byte halves are joined by a permute of 4-byte words. */
__attribute__((target("avx2")))
static APR_INLINE __m256i ms_b64_pack32(__m256i v)
{
    v = _mm256_madd_epi16(
        _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140)),
        _mm256_set1_epi32(0x00011000));
    v = _mm256_shuffle_epi8(v, _mm256_setr_epi8(MS_B64_ORDER, MS_B64_ORDER));
    return _mm256_permutevar8x32_epi32(
        v, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
}

/* A decoder's vector loop: takes the leading good blocks of s[0..end),
 * writes their bytes at o, returns the characters consumed (a multiple
 * of 16). */
typedef apr_size_t ms_simd_kernel(const unsigned char *s, apr_size_t end,
                                  unsigned char *o);

/* Run the widest loop the CPU has; after AVX2, SSSE3 takes a last
 * 16-byte block, or the good half of a bad one. out16: bytes made from
 * 16 characters. Returns the characters consumed. */
static APR_INLINE apr_size_t ms_simd_decode(const unsigned char *s,
                                            apr_size_t end, unsigned char *o,
                                            apr_size_t out16,
                                            ms_simd_kernel *avx2,
                                            ms_simd_kernel *ssse3)
{
    apr_size_t at;

    switch (end >= 16 ? ms_simd_level() : 0) {
    case 2:
        at = avx2(s, end, o);
        return at + ssse3(s + at, end - at, o + at / 16 * out16);
    case 1:
        return ssse3(s, end, o);
    default:
        return 0;
    }
}
#endif

#endif
