/* RFC 3339 output and ISO 8601 input for the Marten envelope. Civil dates
 * are converted by arithmetic (days from 1970-01-01 in the proleptic
 * Gregorian calendar), never through timegm, TZ or the locale. */
#include "ms_time.h"

#define SECS_PER_DAY 86400

/* Civil date -> days since 1970-01-01 (eras of 400 years, March-based). */
static apr_int64_t days_from_civil(apr_int64_t y, int m, int d)
{
    apr_int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Days since 1970-01-01 -> civil date (inverse of the above). */
static void civil_from_days(apr_int64_t z, int *y, int *m, int *d)
{
    apr_int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static apr_int64_t floor_div(apr_int64_t a, apr_int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Write v as exactly n decimal digits. */
static char *put_digits(char *out, int v, int n)
{
    int i;

    for (i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return out + n;
}

void ms_time_format_rfc3339(apr_time_t t, char *out)
{
    /* Clamp to what four year digits can hold, so out never overflows. */
    static const apr_int64_t max_sec = 253402300799LL; /* 9999-12-31T23:59:59 */
    apr_int64_t sec = floor_div(t, APR_USEC_PER_SEC);
    int y, mo, d, rem;

    if (sec < 0)
        sec = 0;
    if (sec > max_sec)
        sec = max_sec;
    civil_from_days(sec / SECS_PER_DAY, &y, &mo, &d);
    rem = (int)(sec % SECS_PER_DAY);
    out = put_digits(out, y, 4);
    *out++ = '-';
    out = put_digits(out, mo, 2);
    *out++ = '-';
    out = put_digits(out, d, 2);
    *out++ = 'T';
    out = put_digits(out, rem / 3600, 2);
    *out++ = ':';
    out = put_digits(out, rem / 60 % 60, 2);
    *out++ = ':';
    out = put_digits(out, rem % 60, 2);
    *out++ = 'Z';
    *out = '\0';
}

/* --- parsing ------------------------------------------------------------- */

typedef struct {
    const char *s;
    apr_size_t len;
    apr_size_t pos;
} scan_t;

static int peek(const scan_t *sc)
{
    return sc->pos < sc->len ? (unsigned char)sc->s[sc->pos] : -1;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Exactly n digits. */
static int read_num(scan_t *sc, int n, int *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        int c = peek(sc);
        if (!is_digit(c))
            return 0;
        *v = *v * 10 + (c - '0');
        sc->pos++;
    }
    return 1;
}

static int take(scan_t *sc, int c)
{
    if (peek(sc) != c)
        return 0;
    sc->pos++;
    return 1;
}

/* YYYY-MM-DD or YYYYMMDD. Week ("W") and ordinal dates fail on the digits. */
static int parse_date(scan_t *sc, int *y, int *m, int *d)
{
    int ext;

    if (!read_num(sc, 4, y))
        return 0;
    ext = take(sc, '-');
    if (!read_num(sc, 2, m))
        return 0;
    if (ext && !take(sc, '-'))
        return 0;
    if (!read_num(sc, 2, d))
        return 0;
    return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1
           && *d <= days_in_month(*y, *m);
}

/* HH:MM[:SS[.frac]] or HHMM[SS[.frac]]; fractions are dropped. */
static int parse_clock(scan_t *sc, int *h, int *mi, int *s)
{
    int ext;

    *s = 0;
    if (!read_num(sc, 2, h))
        return 0;
    ext = take(sc, ':');
    if (!read_num(sc, 2, mi))
        return 0;
    if ((ext && take(sc, ':')) || (!ext && is_digit(peek(sc)))) {
        if (!read_num(sc, 2, s))
            return 0;
        if (take(sc, '.') || take(sc, ',')) {
            if (!is_digit(peek(sc)))
                return 0;
            while (is_digit(peek(sc)))
                sc->pos++;
        }
    }
    return *h <= 23 && *mi <= 59 && *s <= 59;
}

/* Z, z, +HH:MM, +HHMM, -HH:MM, -HHMM; offset in seconds east of UTC. */
static int parse_zone(scan_t *sc, int *offset)
{
    int sign, hh, mm;

    *offset = 0;
    if (take(sc, 'Z') || take(sc, 'z'))
        return 1;
    if (take(sc, '+'))
        sign = 1;
    else if (take(sc, '-'))
        sign = -1;
    else
        return 0;
    if (!read_num(sc, 2, &hh))
        return 0;
    take(sc, ':');
    if (!read_num(sc, 2, &mm) || hh > 23 || mm > 59)
        return 0;
    *offset = sign * (hh * 3600 + mm * 60);
    return 1;
}

/* The number in the n digits at s, or -1 if one is not a digit. */
static int fixed_num(const char *s, int n)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        unsigned dig = (unsigned)(unsigned char)s[i] - '0';
        if (dig > 9)
            return -1;
        v = v * 10 + (int)dig;
    }
    return v;
}

/* "YYYY-MM-DDTHH:MM:SSZ", the form every writer of the cookie uses, read
 * by its fixed places; 0 for anything else, which the general reader then
 * decides (it agrees on this form). */
static int parse_fixed(const char *s, apr_size_t len, apr_time_t *t)
{
    int y, mo, d, h, mi, sec;

    if (len != MS_RFC3339_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T'
        || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return 0;
    y = fixed_num(s, 4);
    mo = fixed_num(s + 5, 2);
    d = fixed_num(s + 8, 2);
    h = fixed_num(s + 11, 2);
    mi = fixed_num(s + 14, 2);
    sec = fixed_num(s + 17, 2);
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)
        || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
        return 0;
    *t = apr_time_from_sec(days_from_civil(y, mo, d) * SECS_PER_DAY
                           + h * 3600 + mi * 60 + sec);
    return 1;
}

apr_status_t ms_time_parse_iso8601(const char *s, apr_size_t len,
                                   apr_time_t *t)
{
    scan_t sc = { s, len, 0 };
    int y, mo, d, h, mi, sec, off;
    apr_int64_t secs;

    if (s == NULL)
        return APR_EINVAL;
    if (parse_fixed(s, len, t))
        return APR_SUCCESS;
    if (!parse_date(&sc, &y, &mo, &d) || !take(&sc, 'T')
        || !parse_clock(&sc, &h, &mi, &sec) || !parse_zone(&sc, &off)
        || sc.pos != len)
        return APR_EINVAL;
    secs = days_from_civil(y, mo, d) * SECS_PER_DAY
           + h * 3600 + mi * 60 + sec - off;
    *t = apr_time_from_sec(secs);
    return APR_SUCCESS;
}
