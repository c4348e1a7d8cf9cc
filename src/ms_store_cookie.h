/* The built-in "cookie" store: the session lives in the cookie itself, in
 * Marten's signed and encrypted format. */
#ifndef MS_STORE_COOKIE_H
#define MS_STORE_COOKIE_H

#include "ms_config.h"

extern const marten_session_store ms_store_cookie;

#endif
