/* Checks on secret keys beyond their length: keys printed in this
 * project's documentation are public, and a key of very low variety is
 * far weaker than its length suggests. */
#ifndef MS_KEY_CHECKS_H
#define MS_KEY_CHECKS_H

#include <apr.h>

/* Is this one of the example keys printed in the documentation (README.md,
 * docs/) or the sample configurations? Such a key is known to everyone. */
int ms_key_is_sample(const char *key, apr_size_t len);

/* Has the key very low variety: fewer than MS_KEY_MIN_DISTINCT different
 * bytes, or a run of at most MS_KEY_MAX_UNIT bytes repeated throughout? */
#define MS_KEY_MIN_DISTINCT 8
#define MS_KEY_MAX_UNIT 16
int ms_key_low_variety(const char *key, apr_size_t len);

#endif
