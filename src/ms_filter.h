/* The output filter that saves the session as the response starts. It is
 * inserted for normal responses and for error responses (ap_die), so a
 * redirect after login or a 403 still carries the cookie. */
#ifndef MS_FILTER_H
#define MS_FILTER_H

#include "ms_glue.h"

void ms_filter_register(apr_pool_t *p);
void ms_filter_insert(request_rec *r);

/* create_request hook: a request left by an internal redirect hands over
 * its write-back headers (ms_headers_take) before the next one begins. */
int ms_filter_create_request(request_rec *r);

#endif
