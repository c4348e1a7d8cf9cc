/* MartenSessionSecretKey / MartenSessionSecretKeyFile: read the secrets and
 * prepare them once, when the configuration is read. */
#ifndef MS_KEYS_H
#define MS_KEYS_H

#include "ms_config.h"

const char *ms_keys_set(cmd_parms *cmd, void *dconf, int argc, char *const argv[]);
const char *ms_keys_set_file(cmd_parms *cmd, void *dconf, const char *path);

#endif
