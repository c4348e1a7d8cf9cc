/* Secure Auto. A client can send X-Forwarded-Proto itself, so the header
 * counts only when mod_remoteip replaced the client address, which it does
 * only for a peer listed as RemoteIPTrustedProxy/RemoteIPInternalProxy. */
#include "ms_secure.h"

#include "http_ssl.h"
#include "apr_strings.h"

/* The proxy nearest to us appends last: read the last item of the list. */
static int forwarded_https(const request_rec *r)
{
    const char *v = apr_table_get(r->headers_in, "X-Forwarded-Proto");
    const char *last, *end;

    if (!v) {
        return 0;
    }
    last = strrchr(v, ',');
    last = last ? last + 1 : v;
    while (*last == ' ' || *last == '\t') {
        last++;
    }
    end = last + strlen(last);
    while (end > last && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    return end - last == 5 && strncasecmp(last, "https", 5) == 0;
}

/* mod_remoteip sets useragent_ip to the forwarded address only after it
 * has accepted the peer (c->client_ip) as a trusted proxy. */
static int from_trusted_proxy(const request_rec *r)
{
    const conn_rec *c = r->connection;

    return r->useragent_ip && c->client_ip
           && strcmp(r->useragent_ip, c->client_ip) != 0;
}

int ms_secure_for(const ms_dir_conf *d, request_rec *r)
{
    switch (ms_dir_secure_mode(d)) {
    case MS_SECURE_ON:
        return 1;
    case MS_SECURE_AUTO:
        return ap_ssl_conn_is_ssl(r->connection)
               || (from_trusted_proxy(r) && forwarded_https(r));
    default:
        return 0;
    }
}
