/* Strict base64url, no padding (see ms_base64url.h for why strict). */
#include <apr_strings.h>

#include <string.h>

#include "ms_base64.h"
#include "ms_base64url.h"
#include "ms_simd.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

apr_size_t ms_base64url_encoded_length(apr_size_t len)
{
    return (len / 3) * 4 + (len % 3 ? len % 3 + 1 : 0);
}

/* The whole groups by ms_base64_encode_groups (vector loops, pair table),
 * the last 1 or 2 bytes here. */
void ms_base64url_encode(const unsigned char *in, apr_size_t len, char *out)
{
    apr_size_t i = ms_base64_encode_groups(in, len, out, 1);

    out += i / 3 * 4;
    if (len - i == 1) {
        *out++ = alphabet[in[i] >> 2];
        *out++ = alphabet[(in[i] & 3) << 4];
    }
    else if (len - i == 2) {
        unsigned v = (unsigned)in[i] << 8 | in[i + 1];
        *out++ = alphabet[v >> 10];
        *out++ = alphabet[(v >> 4) & 63];
        *out++ = alphabet[(v & 15) << 2];
    }
    *out = '\0';
}

/* The value of every byte in the URL alphabet, -1 outside it; kept four
 * times, pre-shifted to each position of a 4-character group with bit 31
 * set for a bad byte, so that a group is four lookups OR-ed together. */
#define URL_VALUE(c) \
    ((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' \
     : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 \
     : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 \
     : (c) == '-' ? 62 : (c) == '_' ? 63 : -1)
#define URL_BAD 0x80000000u
#define URL_AT(c, shift) \
    (URL_VALUE(c) < 0 ? URL_BAD : (apr_uint32_t)URL_VALUE(c) << (shift))
#define AT18(c) URL_AT(c, 18)
#define AT12(c) URL_AT(c, 12)
#define AT6(c) URL_AT(c, 6)
#define AT0(c) URL_AT(c, 0)
#define R4(F, b) F(b), F((b) + 1), F((b) + 2), F((b) + 3)
#define R16(F, b) R4(F, b), R4(F, (b) + 4), R4(F, (b) + 8), R4(F, (b) + 12)
#define R64(F, b) R16(F, b), R16(F, (b) + 16), R16(F, (b) + 32), R16(F, (b) + 48)
#define R256(F) R64(F, 0), R64(F, 64), R64(F, 128), R64(F, 192)
static const apr_uint32_t url_at18[256] = { R256(AT18) };
static const apr_uint32_t url_at12[256] = { R256(AT12) };
static const apr_uint32_t url_at6[256] = { R256(AT6) };
static const apr_uint32_t url_at0[256] = { R256(AT0) };

#define URL_QUAD(q) (url_at18[(q)[0]] | url_at12[(q)[1]] \
                     | url_at6[(q)[2]] | url_at0[(q)[3]])

/* Store the 3 bytes of a group: one 4-byte write where that is cheap (the
 * buffer has room for the extra byte). */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define URL_PUT(o, acc) do { \
        apr_uint32_t w_ = __builtin_bswap32((acc) << 8); \
        memcpy((o), &w_, 4); \
    } while (0)
#else
#define URL_PUT(o, acc) do { \
        (o)[0] = (unsigned char)((acc) >> 16); \
        (o)[1] = (unsigned char)((acc) >> 8); \
        (o)[2] = (unsigned char)(acc); \
    } while (0)
#endif

#ifdef MS_SIMD
/* As ms_base64.c's vector decoders, for the URL alphabet: the leading
 * blocks of s[0..end) that are all A-Z a-z 0-9 - _, 3 bytes out for every
 * 4 characters; returns the characters consumed, and the scalar loop
 * finds the bad byte in the block it stopped at. Nibble classes as in
 * ms_simd_bad16. The value is the byte plus an offset chosen by the high
 * nibble; '_' shares nibble 5 with P-Z and is moved to the free slot 13. */
#define URL_LUT_LO 0x0B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, \
                   0x03, 0x03, 0x07, 0x37, 0x37, 0x35, 0x37, 0x27
#define URL_LUT_HI 0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x20, \
                   0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01
#define URL_OFFSET 0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, -32, 0, 0

/* 16 characters to 12 bytes a turn, stored as 16 (4 bytes of slack). */
__attribute__((target("ssse3")))
static apr_size_t decode_blocks_ssse3(const unsigned char *s, apr_size_t end,
                                      unsigned char *o)
{
    const __m128i lut_lo = _mm_setr_epi8(URL_LUT_LO);
    const __m128i lut_hi = _mm_setr_epi8(URL_LUT_HI);
    const __m128i offset = _mm_setr_epi8(URL_OFFSET);
    const __m128i under = _mm_set1_epi8('_'), eight = _mm_set1_epi8(8);
    apr_size_t pos = 0;

    for (; pos + 16 <= end; pos += 16, o += 12) {
        __m128i c = MS_LOAD16(s + pos), hi;

        if (!ms_simd_good16(ms_simd_bad16(c, lut_lo, lut_hi, &hi)))
            break;
        hi = _mm_or_si128(hi, _mm_and_si128(_mm_cmpeq_epi8(c, under), eight));
        MS_STORE16(o, ms_b64_pack16(_mm_add_epi8(
            c, _mm_shuffle_epi8(offset, hi))));
    }
    return pos;
}

/* 32 characters to 24 bytes a turn, stored as 32 (8 bytes of slack). */
__attribute__((target("avx2")))
static apr_size_t decode_blocks_avx2(const unsigned char *s, apr_size_t end,
                                     unsigned char *o)
{
    const __m256i lut_lo = _mm256_setr_epi8(URL_LUT_LO, URL_LUT_LO);
    const __m256i lut_hi = _mm256_setr_epi8(URL_LUT_HI, URL_LUT_HI);
    const __m256i offset = _mm256_setr_epi8(URL_OFFSET, URL_OFFSET);
    const __m256i under = _mm256_set1_epi8('_');
    const __m256i eight = _mm256_set1_epi8(8);
    apr_size_t pos = 0;

    for (; pos + 32 <= end; pos += 32, o += 24) {
        __m256i c = MS_LOAD32(s + pos), hi;
        __m256i bad = ms_simd_bad32(c, lut_lo, lut_hi, &hi);

        if (!_mm256_testz_si256(bad, bad))
            break;
        hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(c, under),
                                                  eight));
        MS_STORE32(o, ms_b64_pack32(_mm256_add_epi8(
            c, _mm256_shuffle_epi8(offset, hi))));
    }
    return pos;
}
#endif

apr_status_t ms_base64url_decode(const char *in, apr_size_t len, apr_pool_t *p,
                                 unsigned char **out, apr_size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)in;
    apr_size_t pos = 0, rest = len % 4, full = len - rest;
    apr_uint32_t bad = 0, acc, a2;
    unsigned char *buf, *o;

    if (rest == 1)
        return APR_EINVAL;
    /* +8: room for the 4-, 16- or 32-byte stores of 3, 12 or 24 bytes */
    o = buf = apr_palloc(p, len / 4 * 3 + 8);
#ifdef MS_SIMD
    pos = ms_simd_decode(s, full, buf, 12, decode_blocks_avx2,
                         decode_blocks_ssse3);
    o += pos / 4 * 3;
#endif
    /* two groups a turn, the bad-byte bits checked once at the end */
    for (; full - pos >= 8; pos += 8, o += 6) {
        acc = URL_QUAD(s + pos);
        a2 = URL_QUAD(s + pos + 4);
        bad |= acc | a2;
        URL_PUT(o, acc);
        URL_PUT(o + 3, a2);
    }
    if (full - pos >= 4) {
        acc = URL_QUAD(s + pos);
        bad |= acc;
        URL_PUT(o, acc);
        o += 3;
    }
    /* the last 2 or 3 characters: 1 or 2 bytes, and the 4 or 2 bits left
     * over must be zero (one text for each byte string) */
    if (rest == 2) {
        acc = url_at18[s[full]] | url_at12[s[full + 1]];
        bad |= acc | (acc & 0xFFFF ? URL_BAD : 0);
        *o++ = (unsigned char)(acc >> 16);
    }
    else if (rest == 3) {
        acc = url_at18[s[full]] | url_at12[s[full + 1]] | url_at6[s[full + 2]];
        bad |= acc | (acc & 0xFF ? URL_BAD : 0);
        *o++ = (unsigned char)(acc >> 16);
        *o++ = (unsigned char)(acc >> 8);
    }
    if (bad & URL_BAD)
        return APR_EINVAL;
    *out = buf;
    *outlen = (apr_size_t)(o - buf);
    return APR_SUCCESS;
}
