/* Environment variable names that CGI, SSI, httpd, its modules, the
 * dynamic linker, shells and script interpreters give a meaning to. A
 * MartenSessionEnvPrefix that could produce one of them would let a session
 * (that is, whoever wrote it) forge it, so such prefixes are refused. */
#ifndef MS_ENV_NAMES_H
#define MS_ENV_NAMES_H

typedef struct ms_env_reserved {
    const char *name;      /* a name, or with family the start of names */
    int family;            /* every name starting with name is reserved */
    const char *owner;     /* who gives it a meaning, for messages */
} ms_env_reserved;

/* The first reserved name or family that a prefix could produce, or NULL.
 * A prefix produces prefix + any session key ([A-Za-z0-9_]*, keys are
 * mangled to that) and its JSON variable, the prefix without its trailing
 * underscores. Compared ASCII case-insensitively: httpd looks variables up
 * without regard to case. */
const ms_env_reserved *ms_env_prefix_clash(const char *prefix);

#endif
