/* MartenSessionCookieSecure: whether this response's cookie gets Secure. */
#ifndef MS_SECURE_H
#define MS_SECURE_H

#include "ms_config.h"

/* On: always. Off: never. Auto: when the client reached us over TLS, or
 * when mod_remoteip accepted the connection's peer as a trusted proxy and
 * that proxy says X-Forwarded-Proto: https. */
int ms_secure_for(const ms_dir_conf *d, request_rec *r);

#endif
