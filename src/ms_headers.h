/* MartenSessionHeaders: X-Marten-Session-* response headers from the
 * handler or backend change the session; they never reach the client. */
#ifndef MS_HEADERS_H
#define MS_HEADERS_H

#include "ms_context.h"

/* Remove every write-back header from r's responses (and those of the
 * requests it was internally redirected from) and, when r's configuration
 * accepts them and all of them parse, apply them to the session. */
void ms_headers_apply(request_rec *r);

/* Remove write-back header names from the client's request, so that no
 * handler or backend can take them for ours. */
void ms_headers_strip_request(request_rec *r);

#endif
