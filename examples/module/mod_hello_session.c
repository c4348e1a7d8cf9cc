/* mod_hello_session: answers "hello <user_id>" from the Marten session and
 * remembers the last page seen. Build and install with
 *     apxs -c -i mod_hello_session.c
 * then: LoadModule hello_session_module modules/mod_hello_session.so
 *       <Location "/hello"> SetHandler hello-session </Location>
 */
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "mod_marten_session.h"

#include <string.h>

static APR_OPTIONAL_FN_TYPE(marten_session_get) *session_get;
static APR_OPTIONAL_FN_TYPE(marten_session_set) *session_set;

/* Called once all modules are loaded, in whatever order they were. */
static void retrieve_functions(void)
{
    session_get = APR_RETRIEVE_OPTIONAL_FN(marten_session_get);
    session_set = APR_RETRIEVE_OPTIONAL_FN(marten_session_set);
}

static int hello_handler(request_rec *r)
{
    const char *name;

    if (!r->handler || strcmp(r->handler, "hello-session")) {
        return DECLINED;
    }
    if (!session_get || !session_set) {
        return HTTP_INTERNAL_SERVER_ERROR;   /* mod_marten_session not loaded */
    }
    name = session_get(r, "user_id");        /* NULL: no such key, or no session here */
    session_set(r, "last_page", r->uri);     /* saved as the response starts */
    ap_set_content_type(r, "text/plain; charset=utf-8");
    ap_rprintf(r, "hello %s\n", name ? name : "stranger");
    return OK;
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_optional_fn_retrieve(retrieve_functions, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(hello_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(hello_session) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, register_hooks,
    AP_MODULE_FLAG_NONE
};
