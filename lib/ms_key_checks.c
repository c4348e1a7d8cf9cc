/* Key checks (see ms_key_checks.h). Both run once per key at startup. */
#include <string.h>

#include "ms_key_checks.h"

/* Every example key the documentation prints; tests/e2e/test_611_key_hygiene.py
 * checks that each key printed there is refused. */
static const char *const samples[] = {
    /* an earlier README's Quick start */
    "3f6c0e2d1b4a59687f8e9d0c1b2a39485f6e7d8c9b0a1f2e3d4c5b6a79881726",
    /* README.md, Install and keys (rotation) */
    "NEWKEY................................",
    "OLDKEY................................",
    /* docs/stores.md, redis */
    "a secret key of at least 32 bytes ................",
    /* marten_session.conf installed for a2enmod (build/marten_session.conf.in) */
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
};

int ms_key_is_sample(const char *key, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        if (strlen(samples[i]) == len && memcmp(samples[i], key, len) == 0) {
            return 1;
        }
    }
    return 0;
}

int ms_key_low_variety(const char *key, apr_size_t len)
{
    const unsigned char *k = (const unsigned char *)key;
    unsigned char seen[256] = { 0 };
    apr_size_t i, unit, distinct = 0;

    for (i = 0; i < len; i++) {
        distinct += !seen[k[i]];
        seen[k[i]] = 1;
    }
    if (distinct < MS_KEY_MIN_DISTINCT) {
        return 1;
    }
    for (unit = 1; unit <= MS_KEY_MAX_UNIT && unit < len; unit++) {
        for (i = unit; i < len && k[i] == k[i - unit]; i++) {
        }
        if (i == len) {
            return 1;
        }
    }
    return 0;
}
