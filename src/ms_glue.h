/* Private header shared by the httpd glue in src/ and mod_marten_session.c.
 * Every glue file includes this first. */
#ifndef MS_GLUE_H
#define MS_GLUE_H

/* autoconf's PACKAGE_* macros collide with httpd's ap_config_auto.h */
#include "config.h"
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_VERSION
#undef PACKAGE_URL

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

extern module AP_MODULE_DECLARE_DATA marten_session_module;

/* mod_marten_session.c gets this from AP_DECLARE_MODULE instead. */
#if defined(APLOG_USE_MODULE) && !defined(MS_MODULE_RECORD)
APLOG_USE_MODULE(marten_session);
#endif

/* Log lines carry our own numbers, MSnnnnn (AH numbers are httpd's):
 *   MS001xx  loading a session (client input: debug level only)
 *   MS002xx  saving a session
 *   MS003xx  configuration and startup
 *   MS004xx  write-back headers and bridges
 *   MS005xx-MS007xx  the redis, socache and db store modules
 *   MS008xx  access control (Require marten-session) */

#endif
