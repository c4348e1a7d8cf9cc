/* Secret keys. Both directives build the server's keyring at configuration
 * time, so a short or unreadable key stops `apachectl -t`, and no key
 * derivation ever happens per request. Key bytes are never logged. */
#include "ms_keys.h"
#include "ms_key_checks.h"
#include "ms_keyfile.h"

#include "apr_file_io.h"
#include "apr_strings.h"

#include <openssl/crypto.h>

static const char *already_set(cmd_parms *cmd, const ms_server_conf *sc)
{
    if (sc->keyring) {
        return apr_psprintf(cmd->pool, "%s: keys for this server were already "
                            "given by %s; use one of the two", cmd->cmd->name,
                            sc->keys_source);
    }
    return NULL;
}

/* A published key protects nothing: refused. A key of very low variety is
 * only warned about, as a working site must not stop on an upgrade. */
static const char *add_key(cmd_parms *cmd, ms_keyring *kr, const char *secret,
                           apr_size_t len, const char *where)
{
    const char *error = NULL;

    if (ms_key_is_sample(secret, len)) {
        return apr_psprintf(cmd->pool, "%s: %s is an example key printed in "
                            "the documentation, known to everyone: make your "
                            "own with marten-session genkey", cmd->cmd->name,
                            where);
    }
    if (ms_key_low_variety(secret, len)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "MS00312: %s: %s has very low variety (few different "
                     "characters, or a short run repeated), so it is much "
                     "easier to guess than its length suggests: make one "
                     "with marten-session genkey", cmd->cmd->name, where);
    }
    if (ms_keyring_add(kr, secret, len, &error) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: %s: %s", cmd->cmd->name, where,
                            error ? error : "the key cannot be used");
    }
    return NULL;
}

const char *ms_keys_set(cmd_parms *cmd, void *dconf, int argc, char *const argv[])
{
    ms_server_conf *sc = ms_server_conf_get(cmd->server);
    const char *err;
    ms_keyring *kr;
    int i;

    (void)dconf;
    if ((err = already_set(cmd, sc)) != NULL) {
        return err;
    }
    if (argc < 1) {
        return apr_psprintf(cmd->pool, "%s needs at least one key", cmd->cmd->name);
    }
    kr = ms_keyring_make(cmd->pool);
    for (i = 0; i < argc; i++) {
        const char *where = apr_psprintf(cmd->temp_pool, "key %d", i + 1);
        if ((err = add_key(cmd, kr, argv[i], strlen(argv[i]), where)) != NULL) {
            return err;
        }
    }
    sc->keyring = kr;
    sc->keys_source = cmd->cmd->name;
    return NULL;
}

/* Anyone who can read the key file can forge sessions, anyone who can
 * write it can plant a key. Warned, not refused: the fix is the admin's. */
static void warn_if_exposed(cmd_parms *cmd, apr_file_t *f, const char *fname)
{
    apr_finfo_t fi;

    if (apr_file_info_get(&fi, APR_FINFO_TYPE | APR_FINFO_PROT, f) != APR_SUCCESS) {
        return;
    }
    if (fi.filetype != APR_REG) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "MS00311: %s: '%s' is not a regular file: keep the keys "
                     "in a plain file that only root can read (chmod 600)",
                     cmd->cmd->name, fname);
    }
    else if (fi.protection & (APR_GREAD | APR_GWRITE | APR_WREAD | APR_WWRITE)) {
        int r = (fi.protection & (APR_GREAD | APR_WREAD)) != 0;
        int w = (fi.protection & (APR_GWRITE | APR_WWRITE)) != 0;

        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "MS00311: %s: '%s' is %s by its group or by others, who "
                     "could then %s: chmod 600 it", cmd->cmd->name, fname,
                     r && w ? "readable and writable" : r ? "readable" : "writable",
                     r ? "forge sessions" : "plant a key of their own");
    }
}

/* The file format and its reader are lib/ms_keyfile's, shared with the
 * CLI. The whole file is read: a line of any length is one key. */
const char *ms_keys_set_file(cmd_parms *cmd, void *dconf, const char *path)
{
    ms_server_conf *sc = ms_server_conf_get(cmd->server);
    const char *fname = ap_server_root_relative(cmd->temp_pool, path);
    const char *err = NULL;
    apr_array_header_t *keys;
    apr_file_t *f = NULL;
    apr_status_t rv;
    ms_keyring *kr;
    char *text = NULL, buf[120];
    apr_size_t len = 0;
    int i, bad_line;

    (void)dconf;
    if ((err = already_set(cmd, sc)) != NULL) {
        return err;
    }
    if (!fname) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name, path);
    }
    rv = apr_file_open(&f, fname, APR_FOPEN_READ, APR_OS_DEFAULT, cmd->temp_pool);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot open '%s': %s", cmd->cmd->name,
                            fname, apr_strerror(rv, buf, sizeof(buf)));
    }
    warn_if_exposed(cmd, f, fname);
    rv = ms_read_all(f, MS_KEYFILE_MAX, cmd->temp_pool, &text, &len);
    apr_file_close(f);
    if (rv == APR_ENOSPC) {
        return apr_psprintf(cmd->pool, "%s: '%s' is larger than %d bytes: it "
                            "is not a key file", cmd->cmd->name, fname,
                            MS_KEYFILE_MAX);
    }
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot read '%s': %s", cmd->cmd->name,
                            fname, apr_strerror(rv, buf, sizeof(buf)));
    }
    if ((bad_line = ms_keyfile_parse(text, len, cmd->temp_pool, &keys)) != 0) {
        OPENSSL_cleanse(text, len);
        return apr_psprintf(cmd->pool, "%s: %s line %d holds a NUL byte",
                            cmd->cmd->name, fname, bad_line);
    }
    kr = ms_keyring_make(cmd->pool);
    for (i = 0; !err && i < keys->nelts; i++) {
        const ms_keyfile_key *k = &APR_ARRAY_IDX(keys, i, ms_keyfile_key);

        err = add_key(cmd, kr, k->key, k->len,
                      apr_psprintf(cmd->temp_pool, "%s line %d", fname, k->line));
    }
    OPENSSL_cleanse(text, len);
    if (err) {
        return err;
    }
    if (ms_keyring_count(kr) == 0) {
        return apr_psprintf(cmd->pool, "%s: '%s' holds no key", cmd->cmd->name, fname);
    }
    sc->keyring = kr;
    sc->keys_source = cmd->cmd->name;
    return NULL;
}
