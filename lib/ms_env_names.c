/* The reserved environment names (see ms_env_names.h). One list, so the
 * rule documented in docs/directives.md has one source. */
#include <stddef.h>

#include "ms_env_names.h"

#define FAMILY(n, who) { n, 1, who }
#define NAME(n, who)   { n, 0, who }

static const ms_env_reserved reserved[] = {
    /* CGI (RFC 3875 meta-variables, HTTP_* from request headers) and the
     * variables httpd's CGI environment adds to them */
    FAMILY("AUTH_", "CGI"), FAMILY("CONTENT_", "CGI"),
    FAMILY("GATEWAY_", "CGI"), FAMILY("HTTP_", "CGI (request headers)"),
    FAMILY("PATH", "CGI and the shell"), FAMILY("QUERY_", "CGI"),
    FAMILY("REMOTE_", "CGI"), FAMILY("REQUEST_", "CGI"),
    FAMILY("SCRIPT_", "CGI and mod_rewrite"), FAMILY("SERVER_", "CGI"),
    FAMILY("CONTEXT_", "httpd"), FAMILY("DOCUMENT_", "httpd and SSI"),
    FAMILY("REDIRECT_", "httpd (internal redirects)"),
    FAMILY("UNIQUE_ID", "mod_unique_id"),
    NAME("NOKEEPALIVE", "httpd"),
    /* mod_ssl */
    FAMILY("HTTPS", "mod_ssl"), FAMILY("SSL_", "mod_ssl and OpenSSL"),
    /* SSI (mod_include) */
    FAMILY("DATE_", "SSI"), NAME("LAST_MODIFIED", "SSI"),
    NAME("USER_NAME", "SSI"),
    /* authentication modules that export what they verified */
    FAMILY("AUTHENTICATE_", "mod_authnz_ldap"),
    FAMILY("OIDC_", "mod_auth_openidc"), FAMILY("MELLON_", "mod_auth_mellon"),
    /* the dynamic linker and the C library */
    FAMILY("LD_", "the dynamic linker"), FAMILY("DYLD_", "the dynamic linker"),
    FAMILY("GCONV_", "the C library"), FAMILY("GLIBC_", "the C library"),
    FAMILY("MALLOC_", "the C library"), FAMILY("LC_", "the C library"),
    NAME("LANG", "the C library"), NAME("LANGUAGE", "the C library"),
    NAME("LOCPATH", "the C library"), NAME("NLSPATH", "the C library"),
    NAME("HOSTALIASES", "the resolver"), NAME("LOCALDOMAIN", "the resolver"),
    NAME("RES_OPTIONS", "the resolver"), FAMILY("TZ", "the C library and suexec"),
    NAME("TMPDIR", "the C library"),
    /* shells */
    FAMILY("BASH", "bash"), NAME("ENV", "the shell"), NAME("IFS", "the shell"),
    NAME("CDPATH", "the shell"), NAME("PS4", "the shell"),
    NAME("SHELLOPTS", "bash"), NAME("SHELL", "the shell"),
    NAME("HOME", "the shell"), NAME("USER", "the shell"),
    NAME("LOGNAME", "the shell"),
    /* script interpreters and tools run as CGI */
    FAMILY("PHP", "PHP"), FAMILY("ORIG_", "PHP"),
    FAMILY("PYTHON", "Python"), FAMILY("PERL", "Perl"),
    FAMILY("RUBY", "Ruby"), FAMILY("NODE_", "Node.js"),
    NAME("JAVA_TOOL_OPTIONS", "Java"), NAME("JDK_JAVA_OPTIONS", "Java"),
    NAME("CLASSPATH", "Java"), FAMILY("OPENSSL_", "OpenSSL"),
    FAMILY("GIT_", "git (git-http-backend)"),
};

static int upper(int c)
{
    return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Does s (its first n bytes) start with the whole of start? */
static int starts_with(const char *s, size_t n, const char *start)
{
    size_t i;

    for (i = 0; start[i]; i++) {
        if (i >= n || upper((unsigned char)s[i]) != upper((unsigned char)start[i])) {
            return 0;
        }
    }
    return 1;
}

static size_t length(const char *s)
{
    size_t n = 0;

    while (s[n]) {
        n++;
    }
    return n;
}

const ms_env_reserved *ms_env_prefix_clash(const char *prefix)
{
    size_t plen = length(prefix), jlen = plen, i;

    /* the JSON variable keeps at least one byte (ms_env.c) */
    while (jlen > 1 && prefix[jlen - 1] == '_') {
        jlen--;
    }
    for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        const ms_env_reserved *r = &reserved[i];
        size_t rlen = length(r->name);

        /* some key completes the prefix into the name, or the name's family */
        if (starts_with(r->name, rlen, prefix)) {
            return r;
        }
        if (r->family && (starts_with(prefix, plen, r->name)
                          || starts_with(prefix, jlen, r->name))) {
            return r;
        }
        if (!r->family && jlen == rlen && starts_with(prefix, jlen, r->name)) {
            return r;
        }
    }
    return NULL;
}
