/* MartenSessionHeaders: X-Marten-Session-* response headers from the
 * handler or backend change the session; they never reach the client. */
#ifndef MS_HEADERS_H
#define MS_HEADERS_H

#include "ms_context.h"

/* Remove every write-back header that x's handler (or backend) emitted
 * and, when x's own configuration accepts them (MartenSessionHeaders On)
 * and all of them parse, apply them to the session. Called for each
 * request of an internal redirect chain as it is left, for sub-requests
 * and for the final request: the request that emitted a header is the one
 * whose configuration judges it. */
void ms_headers_take(request_rec *x);

/* Remove write-back header names from the client's request, so that no
 * handler or backend can take them for ours; '_' for '-' counts too. */
void ms_headers_strip_request(request_rec *r);

#endif
