/* mod_marten_session: Marten-style sessions for Apache httpd.
 * The module record: directives, hooks and providers. The work is in
 * src/ (httpd glue) and lib/ (pure code). */
#define MS_MODULE_RECORD
#include "src/ms_glue.h"
#include "src/ms_config.h"
#include "src/ms_store.h"
#include "src/ms_store_cookie.h"
#include "src/ms_filter.h"
#include "src/ms_api.h"
#include "src/ms_env.h"
#include "src/ms_headers.h"
#include "src/ms_authz.h"

#include "ap_provider.h"
#include "http_protocol.h"
#include "http_request.h"

/* Before the handler: take our header names out of the client's request,
 * then export the session if MartenSessionEnv asks for it. Runs after
 * mod_env and mod_rewrite, so their variables are cleaned up too, and
 * before mod_headers. */
static int fixups(request_rec *r)
{
    if (!ms_dir_enabled(ms_dir_conf_get(r))) {
        return DECLINED;
    }
    ms_headers_strip_request(r);
    return ms_env_fixups(r);
}

static void register_hooks(apr_pool_t *p)
{
    /* mod_headers' RequestHeader must see the exported variables, so a
     * proxied backend can be handed the session. */
    static const char *const before_headers[] = { "mod_headers.c", NULL };

    ap_register_provider(p, MARTEN_SESSION_STORE_GROUP, "cookie",
                         MARTEN_SESSION_STORE_VERSION, &ms_store_cookie);
    ap_hook_pre_config(ms_config_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(ms_config_check, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(ms_store_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(ms_store_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(fixups, NULL, before_headers, APR_HOOK_REALLY_LAST);
    ap_hook_create_request(ms_filter_create_request, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_filter(ms_filter_insert, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(ms_filter_insert, NULL, NULL, APR_HOOK_MIDDLE);
    ms_filter_register(p);
    ms_api_register();
    ms_authz_register(p);
}

AP_DECLARE_MODULE(marten_session) = {
    STANDARD20_MODULE_STUFF,
    ms_config_create_dir,
    ms_config_merge_dir,
    ms_config_create_server,
    ms_config_merge_server,
    ms_config_directives,
    register_hooks
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    , AP_MODULE_FLAG_ALWAYS_MERGE
#endif
};
