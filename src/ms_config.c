/* Configuration: create, merge, and every directive's parser. Values are
 * checked when read, so a mistake stops `apachectl -t` with a message that
 * names the directive, and nothing is parsed per request. */
#include "ms_config.h"
#include "ms_env_names.h"
#include "ms_keys.h"
#include "ms_store.h"

#include "apr_lib.h"
#include "apr_strings.h"

#include <errno.h>

/* ------------------------------------------------------------------------
 * Create and merge
 * ---------------------------------------------------------------------- */

void *ms_config_create_server(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(ms_server_conf));
}

void *ms_config_merge_server(apr_pool_t *p, void *basev, void *addv)
{
    const ms_server_conf *base = basev, *add = addv;
    ms_server_conf *c = apr_pcalloc(p, sizeof(*c));

    /* keys travel with the directive that gave them, for messages */
    c->keyring = add->keyring ? add->keyring : base->keyring;
    c->keys_source = add->keyring ? add->keys_source : base->keys_source;
    if (add->store) {
        c->store = add->store;
        c->store_instance = add->store_instance;
        c->store_name = add->store_name;
    }
    else {
        c->store = base->store;
        c->store_instance = base->store_instance;
        c->store_name = base->store_name;
    }
    return c;
}

void *ms_config_create_dir(apr_pool_t *p, char *dir)
{
    ms_dir_conf *d = apr_pcalloc(p, sizeof(*d));

    (void)dir;
    d->enabled = MS_UNSET;
    d->max_age = MS_UNSET;
    d->http_only = MS_UNSET;
    d->secure = MS_UNSET;
    d->same_site = MS_UNSET;
    d->env = MS_UNSET;
    d->headers = MS_UNSET;
    d->format = MS_UNSET;
    d->idle_timeout = MS_UNSET;
    d->max_lifetime = MS_UNSET;
    d->touch_interval = MS_UNSET;
    d->chunks = MS_UNSET;
    return d;
}

#define MERGE_INT(f) c->f = (add->f != MS_UNSET) ? add->f : base->f
#define MERGE_PTR(f) c->f = add->f ? add->f : base->f

void *ms_config_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    const ms_dir_conf *base = basev, *add = addv;
    ms_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    MERGE_INT(enabled);
    MERGE_PTR(cookie_name);
    MERGE_PTR(cookie_domain);
    MERGE_PTR(cookie_path);
    MERGE_INT(max_age);
    MERGE_INT(http_only);
    MERGE_INT(secure);
    MERGE_INT(same_site);
    MERGE_INT(env);
    MERGE_PTR(env_prefix);
    MERGE_INT(headers);
    MERGE_INT(format);
    MERGE_INT(idle_timeout);
    MERGE_INT(max_lifetime);
    MERGE_INT(touch_interval);
    MERGE_INT(chunks);
    return c;
}

/* ------------------------------------------------------------------------
 * Sections seen while reading the configuration, for the checks that need
 * the whole picture (ms_config_check). Rebuilt on every (re)load.
 * ---------------------------------------------------------------------- */

typedef struct section_note {
    const ms_dir_conf *dir;
    server_rec *server;
    const char *file;
    unsigned line;
} section_note;

static apr_array_header_t *sections;

int ms_config_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    sections = apr_array_make(pconf, 16, sizeof(section_note));
    return OK;
}

static void note_section(cmd_parms *cmd, const ms_dir_conf *d)
{
    section_note *n;
    int i;

    if (!sections) {
        return;
    }
    for (i = 0; i < sections->nelts; i++) {
        if (APR_ARRAY_IDX(sections, i, section_note).dir == d) {
            return;
        }
    }
    n = apr_array_push(sections);
    n->dir = d;
    n->server = cmd->server;
    n->file = cmd->directive ? cmd->directive->filename : "(unknown)";
    n->line = cmd->directive ? cmd->directive->line_num : 0;
}

/* The settings a section's requests get from it and from its server's or
 * virtual host's defaults (virtual hosts already hold the main server's,
 * merged by httpd before the check). Enclosing sections are not merged:
 * which ones enclose which depends on the request's path. */
static const ms_dir_conf *merged(const section_note *n, apr_pool_t *p)
{
    return ms_config_merge_dir(
        p, ap_get_module_config(n->server->lookup_defaults,
                                &marten_session_module), (void *)n->dir);
}

/* Cookie name prefixes (RFC 6265bis 4.1.3): browsers drop a __Secure-
 * cookie without Secure, and a __Host- cookie without Secure, with a
 * Domain, or with a Path other than "/". Checked on the section merged over
 * its server's defaults, the settings the section's requests will get. */
static int prefix_problem(const section_note *n, apr_pool_t *p, server_rec *s)
{
    const ms_dir_conf *d = merged(n, p);
    const char *name = ms_dir_cookie_name(d), *why = NULL;
    int host = strncmp(name, "__Host-", 7) == 0;

    if (!host && strncmp(name, "__Secure-", 9) != 0) {
        return 0;
    }
    if (ms_dir_secure_mode(d) != MS_SECURE_ON) {
        why = "needs MartenSessionCookieSecure On";
    }
    else if (host && d->cookie_domain) {
        why = "must not have a MartenSessionCookieDomain";
    }
    else if (host && strcmp(ms_dir_cookie_path(d), "/") != 0) {
        why = "needs MartenSessionCookiePath /";
    }
    if (!why) {
        return 0;
    }
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                 "MS00305: MartenSessionCookieName %s (%s:%u) %s: browsers "
                 "drop %s cookies otherwise", name, n->file, n->line, why,
                 host ? "__Host-" : "__Secure-");
    return 1;
}

/* Marten's format carries one time, the expiry: neither the session's
 * start nor its last request, and a cookie written elsewhere (another
 * location, a Marten app with the key) could claim any expiry. Server-side
 * stores keep both times beside the session, whatever the cookie format;
 * the cookie store, named or by default, does not. */
static int lifetime_problem(const section_note *n, apr_pool_t *p, server_rec *s)
{
    const ms_dir_conf *d = merged(n, p);
    const char *limit = ms_dir_max_lifetime(d) > 0 ? "MartenSessionMaxLifetime"
                      : ms_dir_idle_timeout(d) > 0 ? "MartenSessionIdleTimeout"
                      : NULL;

    if (!limit || ms_dir_format(d) == MS_FORMAT_SEALED
        || ms_store_keeps_times(ms_server_conf_get(n->server))) {
        return 0;
    }
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                 "MS00306: %s (%s:%u) needs MartenSessionCookieFormat sealed "
                 "with the cookie store: a Marten cookie carries neither the "
                 "time the session began nor when it was last seen", limit,
                 n->file, n->line);
    return 1;
}

/* Settings inherited from the server or virtual host count both ways: a
 * section's None under a server-wide Secure On is fine, a section's Secure
 * Off under a server-wide None is not. */
static int same_site_problem(const section_note *n, apr_pool_t *p, server_rec *s)
{
    const ms_dir_conf *d = merged(n, p);

    if (ms_dir_same_site(d) != MS_SAMESITE_NONE
        || ms_dir_secure_mode(d) == MS_SECURE_ON) {
        return 0;
    }
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                 "MS00304: MartenSessionCookieSameSite None (in effect at "
                 "%s:%u) needs MartenSessionCookieSecure On there, in the "
                 "section or inherited from its server or virtual host: "
                 "browsers drop SameSite=None cookies that are not Secure",
                 n->file, n->line);
    return 1;
}

int ms_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                    server_rec *s)
{
    int i, failed = 0;

    (void)pconf; (void)plog;
    for (i = 0; sections && i < sections->nelts; i++) {
        const section_note *n = &APR_ARRAY_IDX(sections, i, section_note);

        failed |= prefix_problem(n, ptemp, s);
        failed |= lifetime_problem(n, ptemp, s);

        if (n->dir->enabled == 1 && !ms_server_conf_get(n->server)->keyring) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                         "MS00301: MartenSession On (%s:%u) needs a secret key: "
                         "set MartenSessionSecretKey or MartenSessionSecretKeyFile "
                         "for server %s", n->file, n->line,
                         n->server->server_hostname ? n->server->server_hostname
                                                    : "(main)");
            failed = 1;
        }
        failed |= same_site_problem(n, ptemp, s);
    }
    return failed ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

/* ------------------------------------------------------------------------
 * Directive parsers
 * ---------------------------------------------------------------------- */

static const char *set_enabled(cmd_parms *cmd, void *dconf, int on)
{
    ms_dir_conf *d = dconf;
    d->enabled = on;
    note_section(cmd, d);
    return NULL;
}

static const char *set_cookie_name(cmd_parms *cmd, void *dconf, const char *v)
{
    ms_dir_conf *d = dconf;
    note_section(cmd, d);
    if (!ms_cookie_name_valid(v)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid cookie name "
                            "(letters, digits and !#$%%&'*+-.^_`|~ only)",
                            cmd->cmd->name, v);
    }
    d->cookie_name = v;
    return NULL;
}

static const char *set_cookie_domain(cmd_parms *cmd, void *dconf, const char *v)
{
    ms_dir_conf *d = dconf;
    if (!ms_cookie_attr_value_valid(v)) {
        return apr_psprintf(cmd->pool, "%s: '%s' contains a character that is not "
                            "allowed in a cookie attribute", cmd->cmd->name, v);
    }
    d->cookie_domain = v;
    return NULL;
}

static const char *set_cookie_path(cmd_parms *cmd, void *dconf, const char *v)
{
    ms_dir_conf *d = dconf;
    if (v[0] != '/' || !ms_cookie_attr_value_valid(v)) {
        return apr_psprintf(cmd->pool, "%s: '%s' must start with '/' and contain "
                            "no ';', ',', whitespace or control characters",
                            cmd->cmd->name, v);
    }
    d->cookie_path = v;
    return NULL;
}

/* A number of seconds in [lo, MS_MAX_MAX_AGE]; "Off" is 0 when lo is 0. */
static const char *parse_seconds(cmd_parms *cmd, const char *v, apr_int64_t lo,
                                 apr_int64_t *out)
{
    apr_int64_t n;
    char *end = NULL;

    if (lo == 0 && !strcasecmp(v, "Off")) {
        *out = 0;
        return NULL;
    }
    errno = 0;
    n = apr_strtoi64(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > MS_MAX_MAX_AGE) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds "
                            "between %" APR_INT64_T_FMT " and %" APR_INT64_T_FMT
                            "%s", cmd->cmd->name, v, lo,
                            (apr_int64_t)MS_MAX_MAX_AGE,
                            lo == 0 ? " (0 or Off: no limit)" : "");
    }
    *out = n;
    return NULL;
}

static const char *set_max_age(cmd_parms *cmd, void *dconf, const char *v)
{
    return parse_seconds(cmd, v, 1, &((ms_dir_conf *)dconf)->max_age);
}

static const char *set_http_only(cmd_parms *cmd, void *dconf, int on)
{
    (void)cmd;
    ((ms_dir_conf *)dconf)->http_only = on;
    return NULL;
}

static const char *set_secure(cmd_parms *cmd, void *dconf, const char *v)
{
    ms_dir_conf *d = dconf;

    if (!strcasecmp(v, "On")) {
        d->secure = MS_SECURE_ON;
    }
    else if (!strcasecmp(v, "Off")) {
        d->secure = MS_SECURE_OFF;
    }
    else if (!strcasecmp(v, "Auto")) {
        d->secure = MS_SECURE_AUTO;
    }
    else {
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of On, Off, Auto",
                            cmd->cmd->name, v);
    }
    note_section(cmd, d);
    return NULL;
}

static const char *set_format(cmd_parms *cmd, void *dconf, const char *v)
{
    ms_dir_conf *d = dconf;

    if (!strcasecmp(v, "marten")) {
        d->format = MS_FORMAT_MARTEN;
    }
    else if (!strcasecmp(v, "sealed")) {
        d->format = MS_FORMAT_SEALED;
    }
    else {
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of marten, sealed",
                            cmd->cmd->name, v);
    }
    note_section(cmd, d);
    return NULL;
}

static const char *set_idle_timeout(cmd_parms *cmd, void *dconf, const char *v)
{
    ms_dir_conf *d = dconf;
    note_section(cmd, d);
    return parse_seconds(cmd, v, 0, &d->idle_timeout);
}

static const char *set_max_lifetime(cmd_parms *cmd, void *dconf, const char *v)
{
    ms_dir_conf *d = dconf;
    note_section(cmd, d);
    return parse_seconds(cmd, v, 0, &d->max_lifetime);
}

static const char *set_touch_interval(cmd_parms *cmd, void *dconf, const char *v)
{
    return parse_seconds(cmd, v, 1, &((ms_dir_conf *)dconf)->touch_interval);
}

static const char *set_chunks(cmd_parms *cmd, void *dconf, const char *v)
{
    ms_dir_conf *d = dconf;
    char *end = NULL;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 1 || n > MS_MAX_CHUNKS) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number between 1 "
                            "and %d", cmd->cmd->name, v, MS_MAX_CHUNKS);
    }
    d->chunks = (int)n;
    return NULL;
}

static const char *set_same_site(cmd_parms *cmd, void *dconf, const char *v)
{
    ms_dir_conf *d = dconf;
    int ss = ms_samesite_parse(v);

    if (ss < 0) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of Lax, Strict, None, Off",
                            cmd->cmd->name, v);
    }
    d->same_site = ss;
    note_section(cmd, d);
    return NULL;
}

static const char *set_env(cmd_parms *cmd, void *dconf, int on)
{
    (void)cmd;
    ((ms_dir_conf *)dconf)->env = on;
    return NULL;
}

static const char *set_env_prefix(cmd_parms *cmd, void *dconf, const char *v)
{
    ms_dir_conf *d = dconf;
    const ms_env_reserved *clash;
    const char *c;

    for (c = v; *c; c++) {
        if (!apr_isalnum(*c) && *c != '_') {
            break;
        }
    }
    if (!*v || *c || !apr_isalpha(*v)) {
        return apr_psprintf(cmd->pool, "%s: '%s' must start with a letter and "
                            "hold only letters, digits and '_'", cmd->cmd->name, v);
    }
    if ((clash = ms_env_prefix_clash(v)) != NULL) {
        return apr_psprintf(cmd->pool, "%s: '%s' could name a variable %s%s, "
                            "which %s gives a meaning to: a session could then "
                            "forge it (a session key is appended to the prefix, "
                            "and the JSON variable is the prefix without its "
                            "trailing '_'); choose a prefix of your own, such "
                            "as the default %s", cmd->cmd->name, v, clash->name,
                            clash->family ? "*" : "", clash->owner,
                            MS_DEFAULT_ENV_PREFIX);
    }
    d->env_prefix = v;
    return NULL;
}

static const char *set_headers(cmd_parms *cmd, void *dconf, int on)
{
    (void)cmd;
    ((ms_dir_conf *)dconf)->headers = on;
    return NULL;
}

#define DIR_SCOPE (RSRC_CONF | ACCESS_CONF)

const command_rec ms_config_directives[] = {
    AP_INIT_FLAG("MartenSession", set_enabled, NULL, DIR_SCOPE,
                 "On to give requests here a session (default Off)"),
    AP_INIT_TAKE_ARGV("MartenSessionSecretKey", ms_keys_set, NULL, RSRC_CONF,
                      "secret keys of at least 32 bytes; the first signs and "
                      "encrypts, all are tried when reading"),
    AP_INIT_TAKE1("MartenSessionSecretKeyFile", ms_keys_set_file, NULL, RSRC_CONF,
                  "file with one secret key per line, the current one first"),
    AP_INIT_TAKE_ARGV("MartenSessionStore", ms_store_set, NULL, RSRC_CONF,
                      "session store provider and its arguments (default cookie)"),
    AP_INIT_TAKE1("MartenSessionCookieName", set_cookie_name, NULL, DIR_SCOPE,
                  "name of the session cookie (default sessionid)"),
    AP_INIT_TAKE1("MartenSessionCookieDomain", set_cookie_domain, NULL, DIR_SCOPE,
                  "Domain attribute of the session cookie (default none)"),
    AP_INIT_TAKE1("MartenSessionCookiePath", set_cookie_path, NULL, DIR_SCOPE,
                  "Path attribute of the session cookie (default /)"),
    AP_INIT_TAKE1("MartenSessionCookieMaxAge", set_max_age, NULL, DIR_SCOPE,
                  "session lifetime in seconds (default 1209600)"),
    AP_INIT_FLAG("MartenSessionCookieHttpOnly", set_http_only, NULL, DIR_SCOPE,
                 "HttpOnly attribute (default On)"),
    AP_INIT_TAKE1("MartenSessionCookieSecure", set_secure, NULL, DIR_SCOPE,
                  "Secure attribute: On, Off or Auto (over TLS or from a trusted "
                  "proxy saying https; default Off)"),
    AP_INIT_TAKE1("MartenSessionCookieFormat", set_format, NULL, DIR_SCOPE,
                  "format of new session cookies: marten or sealed (default "
                  "marten); both are read"),
    AP_INIT_TAKE1("MartenSessionIdleTimeout", set_idle_timeout, NULL, DIR_SCOPE,
                  "seconds without a request after which the session ends "
                  "(default Off)"),
    AP_INIT_TAKE1("MartenSessionMaxLifetime", set_max_lifetime, NULL, DIR_SCOPE,
                  "seconds after its start at which a session ends however "
                  "active (default Off)"),
    AP_INIT_TAKE1("MartenSessionTouchInterval", set_touch_interval, NULL,
                  DIR_SCOPE, "refresh the idle clock at most this often "
                  "(default: a tenth of the idle timeout, at most 60)"),
    AP_INIT_TAKE1("MartenSessionCookieChunks", set_chunks, NULL, DIR_SCOPE,
                  "how many cookies a session may span (default 1)"),
    AP_INIT_TAKE1("MartenSessionCookieSameSite", set_same_site, NULL, DIR_SCOPE,
                  "SameSite attribute: Lax, Strict, None or Off (default Lax)"),
    AP_INIT_FLAG("MartenSessionEnv", set_env, NULL, DIR_SCOPE,
                 "export the session to CGI variables (default Off)"),
    AP_INIT_TAKE1("MartenSessionEnvPrefix", set_env_prefix, NULL, DIR_SCOPE,
                  "prefix of exported variables (default MARTEN_SESSION_)"),
    AP_INIT_FLAG("MartenSessionHeaders", set_headers, NULL, DIR_SCOPE,
                 "accept X-Marten-Session-* write-back headers (default Off)"),
    { NULL }
};
