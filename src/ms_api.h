/* The optional functions of include/mod_marten_session.h. */
#ifndef MS_API_H
#define MS_API_H

#include "ms_glue.h"

void ms_api_register(void);

#endif
