/* Require marten-session KEY [VALUE ...]
 *
 * The session is loaded when the first Require line is checked (lazily, and
 * shared with the rest of the request: ms_session_for + ms_session_load),
 * but only ever under this location's cookie name: after an internal
 * redirect from a location with another cookie, this location's own cookie
 * is read for the check (ms_session_read_as).
 *
 *   the session has KEY (with one of the VALUEs)   AUTHZ_GRANTED
 *   it has KEY with another value                   AUTHZ_DENIED (403)
 *   it has no KEY                                   AUTHZ_DENIED_NO_USER (401)
 *
 * A missing key means "not logged in": httpd then runs authentication. With
 * no AuthType configured nothing can authenticate, so our check_authn hook
 * answers 401 itself (httpd would otherwise answer 500, AH00027), and
 * "ErrorDocument 401 /login/" shows a login page: the mod_auth_form pattern.
 * With an AuthType (Basic, Form...), that module's authentication runs as
 * usual. Under an odd number of negations ("Require not", <RequireNone>,
 * <RequireNotAll>) a missing key is a plain AUTHZ_DENIED: not having the
 * key must not send the visitor to a login page.
 *
 * Log lines: MS00801 (error) Require used where MartenSession is Off;
 * MS00802/MS00803 (debug) the decision. */
#include "ms_authz.h"
#include "ms_context.h"

#include "ap_provider.h"
#include "http_request.h"
#include "http_core.h"
#include "mod_auth.h"
#include "apr_lib.h"
#include "apr_strings.h"

#define MS_AUTHZ_PROVIDER "marten-session"
/* r->pool userdata: the request whose Require asked for a login. Internal
 * redirects share the pool, so the value is the request itself. */
#define MS_AUTHZ_LOGIN_KEY "marten-session:authz-login"

typedef struct ms_authz_rule {
    const char *key;
    apr_array_header_t *values;      /* of const char *; empty: any value */
    int negated;                     /* under an odd number of negations */
} ms_authz_rule;

static int is_negation(const ap_directive_t *d)
{
    return !strcasecmp(d->directive, "<RequireNone")
        || !strcasecmp(d->directive, "<RequireNotAll");
}

static const char *parse_require(cmd_parms *cmd, const char *line,
                                 const void **parsed)
{
    ms_authz_rule *rule = apr_pcalloc(cmd->pool, sizeof(*rule));
    const char *t = line, *w;
    const ap_directive_t *d;

    rule->values = apr_array_make(cmd->pool, 2, sizeof(const char *));
    while (*(w = ap_getword_conf(cmd->pool, &t))) {
        if (!rule->key) {
            rule->key = w;
        }
        else {
            APR_ARRAY_PUSH(rule->values, const char *) = w;
        }
    }
    if (!rule->key) {
        return "Require marten-session needs a session key: "
               "Require marten-session KEY [VALUE ...]";
    }
    if (cmd->directive) {
        const char *args = cmd->directive->args;
        if (args && !strncasecmp(args, "not", 3) && apr_isspace(args[3])) {
            rule->negated = 1;
        }
        for (d = cmd->directive->parent; d; d = d->parent) {
            if (is_negation(d)) {
                rule->negated = !rule->negated;
            }
        }
    }
    *parsed = rule;
    return NULL;
}

static int value_matches(const ms_authz_rule *rule, const char *value)
{
    int i;

    if (rule->values->nelts == 0) {
        return 1;
    }
    for (i = 0; i < rule->values->nelts; i++) {
        if (!strcmp(value, APR_ARRAY_IDX(rule->values, i, const char *))) {
            return 1;
        }
    }
    return 0;
}

static authz_status check_require(request_rec *r, const char *line,
                                  const void *parsed)
{
    const ms_authz_rule *rule = parsed;
    ms_session *ms = ms_session_read_as(r);
    const char *value;

    (void)line;
    if (!ms) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "MS00801: Require marten-session %s: MartenSession is Off "
                      "for %s, so there is no session to check", rule->key, r->uri);
        return AUTHZ_GENERAL_ERROR;
    }
    value = apr_table_get(ms_session_load(ms, r), rule->key);
    if (ms->store_failed) {
        return AUTHZ_GENERAL_ERROR;   /* MS00103 said why; do not guess */
    }
    if (value && value_matches(rule, value)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00802: Require marten-session %s: granted", rule->key);
        return AUTHZ_GRANTED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "MS00803: Require marten-session %s: %s", rule->key,
                  value ? "the session holds another value" : "not in the session");
    if (value || rule->negated || r->user) {
        return AUTHZ_DENIED;
    }
    apr_pool_userdata_setn(r, MS_AUTHZ_LOGIN_KEY, NULL, r->pool);
    return AUTHZ_DENIED_NO_USER;
}

/* Authentication for requests our provider sent to it, when no AuthType is
 * configured: 401, so that ErrorDocument 401 can show a login page. */
static int check_authn(request_rec *r)
{
    void *asked = NULL;

    if (ap_auth_type(r)) {
        return DECLINED;
    }
    apr_pool_userdata_get(&asked, MS_AUTHZ_LOGIN_KEY, r->pool);
    if (asked != r) {
        return DECLINED;
    }
    return HTTP_UNAUTHORIZED;
}

static const authz_provider ms_authz_provider = {
    &check_require,
    &parse_require,
};

void ms_authz_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, MS_AUTHZ_PROVIDER,
                              AUTHZ_PROVIDER_VERSION, &ms_authz_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
}
