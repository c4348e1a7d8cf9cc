/* Base64 as Marten reads and writes it.
 *
 * The reader mirrors Crystal's Base64.decode (the one Marten's signer uses):
 * trailing '=', CR and LF are stripped, CR/LF are skipped where a 4-character
 * group starts, a remainder of 2 or 3 characters is decoded with its unused
 * low bits ignored, a remainder of 1 is an error. apr_base64_decode reports
 * no errors at all, hence this reader. */
#include <limits.h>
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>

#include "ms_base64.h"
#include "ms_simd.h"

/* The value of every byte, both alphabets at once: '+' and '-' are 62, '/'
 * and '_' are 63, X marks a byte outside both. This runs over every cookie
 * byte, so the table is kept four times, pre-shifted to each position of a
 * 4-character group, with bit 31 set for X: a group is then four lookups
 * OR-ed together. */
#define B64_VALUES(F) \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(62), F(X), F(62), F(X), F(63), \
    F(52), F(53), F(54), F(55), F(56), F(57), F(58), F(59), \
    F(60), F(61), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(0), F(1), F(2), F(3), F(4), F(5), F(6), \
    F(7), F(8), F(9), F(10), F(11), F(12), F(13), F(14), \
    F(15), F(16), F(17), F(18), F(19), F(20), F(21), F(22), \
    F(23), F(24), F(25), F(X), F(X), F(X), F(X), F(63), \
    F(X), F(26), F(27), F(28), F(29), F(30), F(31), F(32), \
    F(33), F(34), F(35), F(36), F(37), F(38), F(39), F(40), \
    F(41), F(42), F(43), F(44), F(45), F(46), F(47), F(48), \
    F(49), F(50), F(51), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X), \
    F(X), F(X), F(X), F(X), F(X), F(X), F(X), F(X)

#define B64_BAD 0x80000000u
#define B64_AT(v, shift) ((v) < 0 ? B64_BAD : (apr_uint32_t)(v) << (shift))
#define X (-1)
#define AT18(v) B64_AT(v, 18)
#define AT12(v) B64_AT(v, 12)
#define AT6(v) B64_AT(v, 6)
#define AT0(v) B64_AT(v, 0)
static const apr_uint32_t b64_at18[256] = { B64_VALUES(AT18) };
static const apr_uint32_t b64_at12[256] = { B64_VALUES(AT12) };
static const apr_uint32_t b64_at6[256] = { B64_VALUES(AT6) };
static const apr_uint32_t b64_at0[256] = { B64_VALUES(AT0) };
#undef X

static int is_crlf(unsigned char c)
{
    return c == '\r' || c == '\n';
}

/* Decode one full group of 4 characters into 3 bytes (the hot path). */
static APR_INLINE int decode_quad(const unsigned char *in, unsigned char *out)
{
    apr_uint32_t acc = b64_at18[in[0]] | b64_at12[in[1]]
                       | b64_at6[in[2]] | b64_at0[in[3]];

    if (acc & B64_BAD)
        return 0;
    out[0] = (unsigned char)(acc >> 16);
    out[1] = (unsigned char)(acc >> 8);
    out[2] = (unsigned char)acc;
    return 1;
}

/* Decode the final 2 or 3 characters into 1 or 2 bytes; the unused low
 * bits of the last character are dropped. */
static int decode_group(const unsigned char *in, int n, unsigned char *out)
{
    apr_uint32_t acc = b64_at18[in[0]] | b64_at12[in[1]]
                       | (n == 3 ? b64_at6[in[2]] : 0);

    if (acc & B64_BAD)
        return 0;
    out[0] = (unsigned char)(acc >> 16);
    if (n == 3)
        out[1] = (unsigned char)(acc >> 8);
    return 1;
}

/* The full groups of s[pos..end) when no byte is out of the alphabets (the
 * usual case): two groups per turn, the bad-byte bits OR-ed together and
 * checked once at the end, each group stored as one 4-byte write (buf has
 * room: see ms_base64_decode_lenient). Returns 0 when some byte was bad,
 * CR and LF included; then the careful loop below starts over. */
static int decode_groups_fast(const unsigned char *s, apr_size_t pos,
                              apr_size_t end, unsigned char *buf,
                              apr_size_t *outpos, apr_size_t *n)
{
    apr_uint32_t bad = 0, acc;
    unsigned char *o = buf;

#define B64_QUAD(q) (b64_at18[(q)[0]] | b64_at12[(q)[1]] \
                     | b64_at6[(q)[2]] | b64_at0[(q)[3]])
#if defined(__GNUC__) && defined(__BYTE_ORDER__) \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define B64_PUT(o, acc) do { \
        apr_uint32_t w_ = __builtin_bswap32((acc) << 8); \
        memcpy((o), &w_, 4); \
    } while (0)
#else
#define B64_PUT(o, acc) do { \
        (o)[0] = (unsigned char)((acc) >> 16); \
        (o)[1] = (unsigned char)((acc) >> 8); \
        (o)[2] = (unsigned char)(acc); \
    } while (0)
#endif
    while (end - pos >= 8) {
        apr_uint32_t a2;
        acc = B64_QUAD(s + pos);
        a2 = B64_QUAD(s + pos + 4);
        bad |= acc | a2;
        B64_PUT(o, acc);
        B64_PUT(o + 3, a2);
        o += 6;
        pos += 8;
    }
    if (end - pos >= 4) {
        acc = B64_QUAD(s + pos);
        bad |= acc;
        B64_PUT(o, acc);
        o += 3;
        pos += 4;
    }
#undef B64_QUAD
#undef B64_PUT
    /* the careful loop also skips CR/LF before a final partial group */
    for (acc = 0; pos + acc < end; acc++)
        if (is_crlf(s[pos + acc]))
            return 0;
    if (bad & B64_BAD)
        return 0;
    *outpos = pos;
    *n = (apr_size_t)(o - buf);
    return 1;
}

#ifdef MS_SIMD
/* Asked once: racing first callers all store the same answer, so relaxed
 * atomics are enough (the cap too: tests set it before decoding). */
static int simd_detected = -1, simd_cap = 2;

int ms_simd_level(void)
{
    int l = __atomic_load_n(&simd_detected, __ATOMIC_RELAXED);
    int cap = __atomic_load_n(&simd_cap, __ATOMIC_RELAXED);

    if (l < 0) {
        __builtin_cpu_init();
        l = __builtin_cpu_supports("avx2") ? 2
            : __builtin_cpu_supports("ssse3") ? 1 : 0;
        __atomic_store_n(&simd_detected, l, __ATOMIC_RELAXED);
    }
    return l < cap ? l : cap;
}

int ms_simd_limit(int level)
{
    return __atomic_exchange_n(&simd_cap, level, __ATOMIC_RELAXED);
}
#else
int ms_simd_level(void)
{
    return 0;
}

int ms_simd_limit(int level)
{
    (void)level;
    return 0;
}
#endif

#ifdef MS_SIMD
/* The vector decoders take the leading blocks of s[0..end) whose bytes are
 * all in the standard alphabet (A-Z a-z 0-9 + /, what Marten writes) and
 * return the characters consumed, 3 bytes out for every 4 in. They stop
 * before the first block with any other byte ('-', '_', CR, LF, bad
 * bytes); that is a group boundary, so the scalar loops go on from there
 * as if they had done these blocks themselves.
 *
 * Validation is ms_simd_bad16's nibble classes: high nibbles 0-1 and 8-F
 * have a class every low nibble rejects. The value is the byte plus an
 * offset chosen by the high nibble; '/' shares its nibble with '+' and so
 * takes slot 1, which no valid byte uses; ms_b64_pack16 makes the bytes. */
#define B64_LUT_LO 0x0B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, \
                   0x03, 0x03, 0x07, 0x15, 0x17, 0x17, 0x17, 0x15
#define B64_LUT_HI 0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x10, \
                   0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01
#define B64_OFFSET 0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0

/* Bad-byte bits of the 16 characters c (zero when all are good); *hi gets
 * their high nibbles. */
__attribute__((target("ssse3")))
static APR_INLINE __m128i check16(__m128i c, __m128i *hi)
{
    return ms_simd_bad16(c, _mm_setr_epi8(B64_LUT_LO),
                         _mm_setr_epi8(B64_LUT_HI), hi);
}

/* The 12 bytes of 16 good characters c, stored as 16 at o. */
__attribute__((target("ssse3")))
static APR_INLINE void decode16(__m128i c, __m128i hi, unsigned char *o)
{
    hi = _mm_add_epi8(hi, _mm_cmpeq_epi8(c, _mm_set1_epi8('/')));  /* 2 - 1 */
    MS_STORE16(o, ms_b64_pack16(_mm_add_epi8(
        c, _mm_shuffle_epi8(_mm_setr_epi8(B64_OFFSET), hi))));
}

/* 16 characters to 12 bytes, stored as 16 (4 bytes of slack); two blocks
 * a turn with one check for both while that passes, so that the check and
 * the loop cost half as much. */
__attribute__((target("ssse3")))
static apr_size_t decode_blocks_ssse3(const unsigned char *s, apr_size_t end,
                                      unsigned char *o)
{
    apr_size_t pos = 0;
    __m128i c1, c2, hi1, hi2;

    for (; pos + 32 <= end; pos += 32, o += 24) {
        c1 = MS_LOAD16(s + pos);
        c2 = MS_LOAD16(s + pos + 16);
        if (!ms_simd_good16(_mm_or_si128(check16(c1, &hi1),
                                         check16(c2, &hi2))))
            break;
        decode16(c1, hi1, o);
        decode16(c2, hi2, o + 12);
    }
    for (; pos + 16 <= end; pos += 16, o += 12) {
        c1 = MS_LOAD16(s + pos);
        if (!ms_simd_good16(check16(c1, &hi1)))
            break;
        decode16(c1, hi1, o);
    }
    return pos;
}

/* The same, 32 characters to 24 bytes a turn, stored as 32 (8 bytes of
 * slack). */
__attribute__((target("avx2")))
static apr_size_t decode_blocks_avx2(const unsigned char *s, apr_size_t end,
                                     unsigned char *o)
{
    const __m256i lut_lo = _mm256_setr_epi8(B64_LUT_LO, B64_LUT_LO);
    const __m256i lut_hi = _mm256_setr_epi8(B64_LUT_HI, B64_LUT_HI);
    const __m256i offset = _mm256_setr_epi8(B64_OFFSET, B64_OFFSET);
    const __m256i slash = _mm256_set1_epi8('/');
    apr_size_t pos = 0;

    for (; pos + 32 <= end; pos += 32, o += 24) {
        __m256i c = MS_LOAD32(s + pos), hi;
        __m256i bad = ms_simd_bad32(c, lut_lo, lut_hi, &hi);

        if (!_mm256_testz_si256(bad, bad))
            break;
        hi = _mm256_add_epi8(hi, _mm256_cmpeq_epi8(c, slash));
        MS_STORE32(o, ms_b64_pack32(_mm256_add_epi8(
            c, _mm256_shuffle_epi8(offset, hi))));
    }
    return pos;
}
#endif

/* The full groups of s[pos..end), skipping CR/LF where a group starts;
 * returns 0 on a bad byte. */
static int decode_groups(const unsigned char *s, apr_size_t *pos,
                         apr_size_t end, unsigned char *buf, apr_size_t *n)
{
    if (decode_groups_fast(s, *pos, end, buf, pos, n))
        return 1;
    *n = 0;
    for (;;) {
        while (*pos < end && is_crlf(s[*pos]))
            (*pos)++;
        if (end - *pos < 4)
            return 1;
        if (!decode_quad(s + *pos, buf + *n))
            return 0;
        *pos += 4;
        *n += 3;
    }
}

apr_status_t ms_base64_decode_lenient(const char *in, apr_size_t len,
                                      apr_pool_t *p,
                                      unsigned char **out, apr_size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)in;
    apr_size_t end = len, pos = 0, n = 0, m;
    unsigned char *buf;

    if (in == NULL && len > 0)
        return APR_EINVAL;
    while (end > 0 && (is_crlf(s[end - 1]) || s[end - 1] == '='))
        end--;

    /* +8: room for the NUL, and for the 4-, 16- or 32-byte stores of 3, 12
     * or 24 bytes at the end of the full groups */
    buf = apr_palloc(p, end / 4 * 3 + 8);
#ifdef MS_SIMD
    pos = ms_simd_decode(s, end, buf, 12, decode_blocks_avx2,
                         decode_blocks_ssse3);
    n = pos / 4 * 3;
#endif
    if (end > pos) {
        if (!decode_groups(s, &pos, end, buf + n, &m))
            return APR_EINVAL;
        n += m;
    }
    switch (end - pos) {
    case 1:
        return APR_EINVAL;          /* 6 bits cannot make a byte */
    case 2:
    case 3:
        if (!decode_group(s + pos, (int)(end - pos), buf + n))
            return APR_EINVAL;
        n += end - pos - 1;
        break;
    default:
        break;
    }
    buf[n] = '\0';
    *out = buf;
    if (outlen)
        *outlen = n;
    return APR_SUCCESS;
}

/* --- encoding ------------------------------------------------------------
 * Both alphabets: the whole 3-byte groups go through here (the vector
 * loops, or the scalar one with a table of character pairs); each caller
 * writes its own last partial group. */

/* Two characters for each 12-bit value (the high 6 bits first), so that a
 * group takes two lookups rather than four: 8 KiB for each alphabet. The
 * tables are string literals built by concatenation (row h: h followed by
 * each character), which costs the preprocessor and cppcheck little. */
#define B64_ROW(h, c62, c63) h "A" h "B" h "C" h "D" h "E" h "F" h "G" h "H" \
    h "I" h "J" h "K" h "L" h "M" h "N" h "O" h "P" h "Q" h "R" h "S" h "T" \
    h "U" h "V" h "W" h "X" h "Y" h "Z" h "a" h "b" h "c" h "d" h "e" h "f" \
    h "g" h "h" h "i" h "j" h "k" h "l" h "m" h "n" h "o" h "p" h "q" h "r" \
    h "s" h "t" h "u" h "v" h "w" h "x" h "y" h "z" h "0" h "1" h "2" h "3" \
    h "4" h "5" h "6" h "7" h "8" h "9" h c62 h c63
#define B64_ROWS(R, c62, c63) R("A", c62, c63) R("B", c62, c63) \
    R("C", c62, c63) R("D", c62, c63) R("E", c62, c63) R("F", c62, c63) \
    R("G", c62, c63) R("H", c62, c63) R("I", c62, c63) R("J", c62, c63) \
    R("K", c62, c63) R("L", c62, c63) R("M", c62, c63) R("N", c62, c63) \
    R("O", c62, c63) R("P", c62, c63) R("Q", c62, c63) R("R", c62, c63) \
    R("S", c62, c63) R("T", c62, c63) R("U", c62, c63) R("V", c62, c63) \
    R("W", c62, c63) R("X", c62, c63) R("Y", c62, c63) R("Z", c62, c63) \
    R("a", c62, c63) R("b", c62, c63) R("c", c62, c63) R("d", c62, c63) \
    R("e", c62, c63) R("f", c62, c63) R("g", c62, c63) R("h", c62, c63) \
    R("i", c62, c63) R("j", c62, c63) R("k", c62, c63) R("l", c62, c63) \
    R("m", c62, c63) R("n", c62, c63) R("o", c62, c63) R("p", c62, c63) \
    R("q", c62, c63) R("r", c62, c63) R("s", c62, c63) R("t", c62, c63) \
    R("u", c62, c63) R("v", c62, c63) R("w", c62, c63) R("x", c62, c63) \
    R("y", c62, c63) R("z", c62, c63) R("0", c62, c63) R("1", c62, c63) \
    R("2", c62, c63) R("3", c62, c63) R("4", c62, c63) R("5", c62, c63) \
    R("6", c62, c63) R("7", c62, c63) R("8", c62, c63) R("9", c62, c63)
static const char pairs_std[2 * 4096 + 1] =
    B64_ROWS(B64_ROW, "+", "/") B64_ROW("+", "+", "/") B64_ROW("/", "+", "/");
static const char pairs_url[2 * 4096 + 1] =
    B64_ROWS(B64_ROW, "-", "_") B64_ROW("-", "-", "_") B64_ROW("_", "-", "_");

/* The scalar loop: the full (a multiple of 3) bytes of u[0..len). */
static void encode_groups_scalar(const unsigned char *u, apr_size_t full,
                                 apr_size_t len, char *o, const char *pairs)
{
    apr_size_t i = 0;

#if defined(__GNUC__) && defined(__BYTE_ORDER__) \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* a group as one 4-byte load where a fourth byte is there to read:
     * all but the last group, and that too when a partial group follows */
    apr_size_t end4 = len > full || full == 0 ? full : full - 3;

    for (; i < end4; i += 3, o += 4) {
        apr_uint32_t v;

        memcpy(&v, u + i, 4);
        v = __builtin_bswap32(v) >> 8;
        memcpy(o, pairs + 2 * (apr_size_t)(v >> 12), 2);
        memcpy(o + 2, pairs + 2 * (apr_size_t)(v & 0xFFF), 2);
    }
#else
    (void)len;
#endif
    for (; i < full; i += 3, o += 4) {
        apr_uint32_t v = (apr_uint32_t)u[i] << 16 | (apr_uint32_t)u[i + 1] << 8
                         | u[i + 2];
        memcpy(o, pairs + 2 * (apr_size_t)(v >> 12), 2);
        memcpy(o + 2, pairs + 2 * (apr_size_t)(v & 0xFFF), 2);
    }
}

#ifdef MS_SIMD
/* The vector encoders, after Muła and Lemire. A shuffle spreads each
 * 3-byte group b0 b1 b2 over a 4-byte word as b1 b0 b2 b1: then each of
 * the four 6-bit fields lies within one 16-bit half, and a mulhi (fields 1
 * and 3) and a mullo (2 and 4) move each to a byte of its own. The
 * character is the field plus an offset that depends only on its range:
 * a saturating subtract gives 1..12 for 52..63 and 0 below, subtracting
 * the mask "above 25" adds 1 to all but A-Z, and that index (0 A-Z, 1 a-z,
 * 2..11 digits, 12 and 13 the last two) picks the offset with pshufb.
 * Output goes only where whole groups go: the callers' buffers are
 * exact. */
#define ENC_SPREAD 1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10
/* for 12 bytes loaded 4 bytes early, so that no load reads past them */
#define ENC_SPREAD4 5, 4, 6, 5, 8, 7, 9, 8, 11, 10, 12, 11, 14, 13, 15, 14
#define ENC_OFFSET(c62, c63) 'A', 'a' - 26, '0' - 52, '0' - 52, '0' - 52, \
    '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, \
    (c62) - 62, (c63) - 63, 0, 0

/* 16 characters from the 12 bytes that spread picks out of b. */
__attribute__((target("ssse3")))
static APR_INLINE __m128i enc_chars16(__m128i b, __m128i spread,
                                      __m128i offset)
{
    __m128i w = _mm_shuffle_epi8(b, spread);
    __m128i f13 = _mm_mulhi_epu16(_mm_and_si128(w, _mm_set1_epi32(0x0FC0FC00)),
                                  _mm_set1_epi32(0x04000040));
    __m128i f24 = _mm_mullo_epi16(_mm_and_si128(w, _mm_set1_epi32(0x003F03F0)),
                                  _mm_set1_epi32(0x01000010));
    __m128i v = _mm_or_si128(f13, f24);
    __m128i k = _mm_sub_epi8(_mm_subs_epu8(v, _mm_set1_epi8(51)),
                             _mm_cmpgt_epi8(v, _mm_set1_epi8(25)));

    return _mm_add_epi8(v, _mm_shuffle_epi8(offset, k));
}

/* full >= 16 bytes, a multiple of 3: 12 bytes a turn; the first block is
 * loaded from its start, the others from 4 bytes before (reading no byte
 * past the block), and the last one is moved back to end at full, doing
 * again a few groups with the same result. */
__attribute__((target("ssse3")))
static void encode_blocks_ssse3(const unsigned char *in, apr_size_t full,
                                char *out, int url)
{
    const __m128i offset = url ? _mm_setr_epi8(ENC_OFFSET('-', '_'))
                               : _mm_setr_epi8(ENC_OFFSET('+', '/'));
    const __m128i spread4 = _mm_setr_epi8(ENC_SPREAD4);
    const unsigned char *s = in + 12, *last = in + full - 12;
    char *o = out + 16;

    MS_STORE16(out, enc_chars16(MS_LOAD16(in), _mm_setr_epi8(ENC_SPREAD),
                                 offset));
    for (; s <= last; s += 12, o += 16)
        MS_STORE16(o, enc_chars16(MS_LOAD16(s - 4), spread4, offset));
    if (s < in + full)
        MS_STORE16(out + (full - 12) / 3 * 4,
                    enc_chars16(MS_LOAD16(last - 4), spread4, offset));
}

/* 24 bytes at s to 32 characters at o: the low lane is loaded from s, the
 * high one from s + 8 (its 12 bytes at 4..15), so that nothing past s + 24
 * is read. */
__attribute__((target("avx2")))
static APR_INLINE void enc_block24(const unsigned char *s, char *o,
                                   __m256i spread, __m256i offset)
{
    __m256i b = _mm256_inserti128_si256(
        _mm256_castsi128_si256(MS_LOAD16(s)), MS_LOAD16(s + 8), 1);
    __m256i w = _mm256_shuffle_epi8(b, spread);
    __m256i f13 = _mm256_mulhi_epu16(
        _mm256_and_si256(w, _mm256_set1_epi32(0x0FC0FC00)),
        _mm256_set1_epi32(0x04000040));
    __m256i f24 = _mm256_mullo_epi16(
        _mm256_and_si256(w, _mm256_set1_epi32(0x003F03F0)),
        _mm256_set1_epi32(0x01000010));
    __m256i v = _mm256_or_si256(f13, f24);
    __m256i k = _mm256_sub_epi8(_mm256_subs_epu8(v, _mm256_set1_epi8(51)),
                                _mm256_cmpgt_epi8(v, _mm256_set1_epi8(25)));

    MS_STORE32(o, _mm256_add_epi8(v, _mm256_shuffle_epi8(offset, k)));
}

/* full >= 24 bytes, a multiple of 3: 24 bytes a turn, the last block
 * moved back to end at full. */
__attribute__((target("avx2")))
static void encode_blocks_avx2(const unsigned char *in, apr_size_t full,
                               char *out, int url)
{
    const __m256i offset = url
        ? _mm256_setr_epi8(ENC_OFFSET('-', '_'), ENC_OFFSET('-', '_'))
        : _mm256_setr_epi8(ENC_OFFSET('+', '/'), ENC_OFFSET('+', '/'));
    const __m256i spread = _mm256_setr_epi8(ENC_SPREAD, ENC_SPREAD4);
    const unsigned char *s = in, *last = in + full - 24;
    char *o = out;

    for (; s <= last; s += 24, o += 32)
        enc_block24(s, o, spread, offset);
    if (s < in + full)
        enc_block24(last, out + (full - 24) / 3 * 4, spread, offset);
}
#endif

apr_size_t ms_base64_encode_groups(const unsigned char *in, apr_size_t len,
                                   char *out, int url)
{
    apr_size_t full = len - len % 3;

#ifdef MS_SIMD
    if (full >= 16) {
        int level = ms_simd_level();

        if (level >= 2 && full >= 24) {
            encode_blocks_avx2(in, full, out, url);
            return full;
        }
        if (level >= 1) {
            encode_blocks_ssse3(in, full, out, url);
            return full;
        }
    }
#endif
    encode_groups_scalar(in, full, len, out, url ? pairs_url : pairs_std);
    return full;
}

/* Standard alphabet, '=' padding (what apr_base64_encode_binary writes, at
 * a fraction of its cost: every saved cookie is base64-encoded twice). */
char *ms_base64_encode(const void *in, apr_size_t len, apr_pool_t *p,
                       apr_size_t *outlen)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = in;
    apr_size_t i, olen;
    char *out, *o;

    if (len > (APR_SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    olen = (len + 2) / 3 * 4;
    out = apr_palloc(p, olen + 1);
    i = ms_base64_encode_groups(u, len, out, 0);
    o = out + i / 3 * 4;
    if (len - i == 1) {
        o[0] = b64[u[i] >> 2];
        o[1] = b64[(u[i] & 3) << 4];
        o[2] = o[3] = '=';
        o += 4;
    }
    else if (len - i == 2) {
        o[0] = b64[u[i] >> 2];
        o[1] = b64[(u[i] & 3) << 4 | u[i + 1] >> 4];
        o[2] = b64[(u[i + 1] & 15) << 2];
        o[3] = '=';
        o += 4;
    }
    *o = '\0';
    if (outlen)
        *outlen = olen;
    return out;
}
