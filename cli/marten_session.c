/* marten-session: the command-line companion of mod_marten_session.
 *
 *   marten-session genkey
 *   marten-session decode [--key-file FILE] COOKIE|-
 *   marten-session encode [--key-file FILE] [--max-age SECONDS]
 *                         [--format marten|sealed] JSON|-
 *
 * Built on lib/ (the same codec, keyring and JSON code as the module) with
 * APR and OpenSSL only: no httpd header. Secrets never come from the
 * command line: a key file (one key per line, current key first, blank
 * lines and '#' comments skipped, exactly as MartenSessionSecretKeyFile
 * reads it) or the MARTEN_SESSION_SECRET_KEY environment variable (one key,
 * or several separated by newlines). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_escape.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ms_codec_marten.h"
#include "ms_codec_sealed.h"
#include "ms_hex.h"
#include "ms_json.h"
#include "ms_keyfile.h"
#include "ms_keyring.h"
#include "ms_time.h"

#ifndef MS_CLI_VERSION
#define MS_CLI_VERSION "unknown"
#endif

/* Exit codes (documented in --help and docs/cli.md). */
#define EXIT_OK       0
#define EXIT_INVALID  1   /* the cookie (decode) or the JSON (encode) is not valid */
#define EXIT_USAGE    2   /* bad command line */
#define EXIT_KEY      3   /* no key, unreadable key file, or a key that cannot be used */
#define EXIT_INTERNAL 4   /* out of randomness, memory or similar */

#define ENV_KEY "MARTEN_SESSION_SECRET_KEY"
#define DEFAULT_MAX_AGE 1209600
#define MAX_MAX_AGE (100 * 365 * 86400LL)
#define MS_MAX_INPUT (1024 * 1024)

static const char *prog = "marten-session";

static void usage(FILE *out)
{
    fprintf(out,
"Usage:\n"
"  %s genkey\n"
"      Print a new random secret key: 64 hex characters (32 random bytes).\n"
"  %s decode [--key-file FILE] COOKIE\n"
"      Print the session inside a session cookie value (first line: the\n"
"      JSON), when it expires and which key verified it; or the exact reason\n"
"      the cookie is not accepted. A pasted NAME=VALUE pair, a URL-encoded\n"
"      value or surrounding whitespace is recognised and noted on stderr;\n"
"      a server-side store's session id is named as such.\n"
"  %s encode [--key-file FILE] [--max-age SECONDS] [--format FORMAT] JSON\n"
"      Print a session cookie value holding JSON (an object of strings),\n"
"      expiring in SECONDS (default %d, as MartenSessionCookieMaxAge), in\n"
"      FORMAT marten (the default: Marten's cookie store) or sealed (as\n"
"      MartenSessionCookieFormat sealed writes it). decode reads both.\n"
"\n"
"COOKIE or JSON '-' reads it from standard input.\n"
"\n"
"Keys: --key-file FILE (one key per line, the current one first; blank lines\n"
"and lines starting with '#' are skipped: the MartenSessionSecretKeyFile\n"
"format), else the environment variable %s (one key per line).\n"
"Keys are never taken from the command line. Each key has at least %d bytes.\n"
"\n"
"Exit codes:\n"
"  0  success\n"
"  1  the cookie is not valid (decode) or the JSON is not a session (encode)\n"
"  2  usage error\n"
"  3  key problem: no key given, key file unreadable or empty, key too short\n"
"  4  internal error (no randomness, out of memory)\n",
            prog, prog, prog, DEFAULT_MAX_AGE, ENV_KEY, MS_KEY_MIN_LEN);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(try '%s --help')\n", prog);
    return EXIT_USAGE;
}

/* --- keys ---------------------------------------------------------------- */

/* Add every key of text (the key-file format, lib/ms_keyfile.h), then wipe
 * text. where names the source in messages. text holds no NUL byte
 * (read_file refuses one; the environment cannot carry one). */
static int add_keys_from_text(ms_keyring *kr, char *text, apr_pool_t *p,
                              const char *where)
{
    apr_size_t len = strlen(text);      /* the parse puts NULs in text */
    apr_array_header_t *keys = NULL;
    int i, rc = EXIT_OK;

    if (ms_keyfile_parse(text, len, p, &keys) != 0) {
        fprintf(stderr, "%s: %s holds a NUL byte\n", prog, where);
        rc = EXIT_KEY;
    }
    for (i = 0; rc == EXIT_OK && i < keys->nelts; i++) {
        const ms_keyfile_key *k = &APR_ARRAY_IDX(keys, i, ms_keyfile_key);
        const char *error = NULL;

        if (ms_keyring_add(kr, k->key, k->len, &error) != APR_SUCCESS) {
            fprintf(stderr, "%s: %s line %d: %s\n", prog, where, k->line,
                    error ? error : "the key cannot be used");
            rc = EXIT_KEY;
        }
    }
    OPENSSL_cleanse(text, len);
    if (rc != EXIT_OK) {
        return rc;
    }
    if (ms_keyring_count(kr) == 0) {
        fprintf(stderr, "%s: %s holds no key\n", prog, where);
        return EXIT_KEY;
    }
    return EXIT_OK;
}

static int read_file(const char *path, apr_pool_t *p, char **text,
                     const char *what, int fail_code)
{
    apr_file_t *f = NULL;
    apr_status_t rv;
    apr_size_t len = 0;
    char err[120];

    if (strcmp(path, "-") == 0) {
        rv = apr_file_open_stdin(&f, p);
    }
    else {
        rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
    }
    if (rv != APR_SUCCESS) {
        fprintf(stderr, "%s: cannot open %s '%s': %s\n", prog, what, path,
                apr_strerror(rv, err, sizeof(err)));
        return fail_code;
    }
    rv = ms_read_all(f, MS_MAX_INPUT, p, text, &len);
    if (strcmp(path, "-") != 0) {
        apr_file_close(f);
    }
    if (rv == APR_ENOSPC) {
        fprintf(stderr, "%s: %s '%s' is larger than %d bytes\n", prog,
                what, path, MS_MAX_INPUT);
        return fail_code;
    }
    if (rv != APR_SUCCESS) {
        fprintf(stderr, "%s: cannot read %s '%s': %s\n", prog, what, path,
                apr_strerror(rv, err, sizeof(err)));
        return fail_code;
    }
    if (memchr(*text, '\0', len)) {
        fprintf(stderr, "%s: %s '%s' holds a NUL byte\n", prog, what, path);
        OPENSSL_cleanse(*text, len);
        return fail_code;
    }
    return EXIT_OK;
}

static int load_keys(const char *key_file, apr_pool_t *p, ms_keyring **out)
{
    ms_keyring *kr = ms_keyring_make(p);
    char *text;
    int rc;

    if (key_file) {
        if ((rc = read_file(key_file, p, &text, "key file", EXIT_KEY)) != EXIT_OK) {
            return rc;
        }
        rc = add_keys_from_text(kr, text, p, apr_psprintf(p, "key file '%s'", key_file));
    }
    else {
        const char *env = getenv(ENV_KEY);
        if (!env || !*env) {
            fprintf(stderr, "%s: no key: use --key-file FILE or set %s\n",
                    prog, ENV_KEY);
            return EXIT_KEY;
        }
        text = apr_pstrdup(p, env);
        rc = add_keys_from_text(kr, text, p, ENV_KEY);
    }
    *out = kr;
    return rc;
}

/* --- commands ------------------------------------------------------------ */

static int cmd_genkey(int argc, char **argv)
{
    unsigned char key[32];
    char hex[sizeof(key) * 2 + 1];

    (void)argv;
    if (argc != 0) {
        return usage_error("genkey takes no arguments%s", "");
    }
    if (RAND_bytes(key, sizeof(key)) != 1) {
        fprintf(stderr, "%s: the random number generator failed\n", prog);
        return EXIT_INTERNAL;
    }
    ms_hex_encode_lower(key, sizeof(key), hex);
    printf("%s\n", hex);
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(hex, sizeof(hex));
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

/* Options shared by decode and encode. */
typedef struct {
    const char *key_file;
    const char *max_age;
    const char *format;
    const char *arg;
} options;

static int parse_options(int argc, char **argv, int allow_encode, options *o)
{
    int i, positional = 0, only_positional = 0;

    memset(o, 0, sizeof(*o));
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        const char *name = a;

        if (!only_positional && strcmp(a, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (!only_positional && a[0] == '-' && a[1] == '-') {
            const char *eq = strchr(a, '=');
            apr_size_t n = eq ? (apr_size_t)(eq - a) : strlen(a);

            if (n == 10 && !strncmp(a, "--key-file", n)) {
                slot = &o->key_file;
            }
            else if (allow_encode && n == 9 && !strncmp(a, "--max-age", n)) {
                slot = &o->max_age;
            }
            else if (allow_encode && n == 8 && !strncmp(a, "--format", n)) {
                slot = &o->format;
            }
            else {
                return usage_error("unknown option '%s'", a);
            }
            if (eq) {
                *slot = eq + 1;
            }
            else if (i + 1 < argc) {
                *slot = argv[++i];
            }
            else {
                return usage_error("%s needs a value", name);
            }
            continue;
        }
        if (!only_positional && a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option '%s'", a);
        }
        if (positional++) {
            return usage_error("one %s only", allow_encode ? "JSON" : "COOKIE");
        }
        o->arg = a;
    }
    if (!o->arg) {
        return usage_error("missing the %s argument", allow_encode ? "JSON" : "COOKIE");
    }
    return EXIT_OK;
}

/* Is s a cookie name (an RFC 7230 token) n bytes long? */
static int is_token(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!apr_isalnum(c) && !strchr("!#$%&'*+-.^_`|~", c)) {
            return 0;
        }
    }
    return n > 0;
}

static void note(const char *what)
{
    fprintf(stderr, "%s: note: %s\n", prog, what);
}

/* What people paste instead of a bare cookie value, recognised and reduced
 * to the value the module reads, with a note on stderr for each step.
 * Neither format holds whitespace, '%', ';' or an '=' other than base64
 * padding right before "--", so none of this can change a real value. A
 * trailing newline from a pipe is expected and not noted. */
static char *unwrap_value(char *s, int from_stdin, apr_pool_t *p)
{
    apr_size_t len = strlen(s), n;
    char *eq, *semi;
    int trimmed = 0;

    if (from_stdin && len > 0 && s[len - 1] == '\n') {
        s[--len] = '\0';
        if (len > 0 && s[len - 1] == '\r') {
            s[--len] = '\0';
        }
    }
    while (apr_isspace(*s)) {
        s++;
        trimmed = 1;
    }
    for (len = strlen(s); len > 0 && apr_isspace(s[len - 1]); trimmed = 1) {
        s[--len] = '\0';
    }
    if (trimmed && *s) {
        note("removed the whitespace around the value: a cookie value holds "
             "none, so httpd would reject the cookie as sent");
    }
    eq = strchr(s, '=');
    if (eq && eq[1] && eq[1] != '=' && eq[1] != '-' && is_token(s, eq - s)) {
        note(apr_psprintf(p, "'%.*s=' is the cookie's name, not part of its "
                          "value: reading what follows the '='",
                          (int)(eq - s), s));
        s = eq + 1;
    }
    if ((semi = strchr(s, ';')) != NULL) {
        note("ignoring everything from the ';' on (cookie attributes or "
             "other cookies)");
        *semi = '\0';
    }
    n = strcspn(s, "%");
    if (s[n] && apr_isxdigit(s[n + 1]) && apr_isxdigit(s[n + 2])) {
        const char *plain = apr_punescape_url(p, s, NULL, NULL, 0);
        if (plain) {
            note("the value is URL-encoded (%XX): reading it decoded; sent "
                 "encoded, the module would not accept it");
            s = apr_pstrdup(p, plain);
        }
    }
    return s;
}

/* A server-side store's session id (stores/store_util.h: 32 lowercase hex
 * characters), which holds no session data. */
static int is_store_id(const char *s)
{
    apr_size_t i;

    for (i = 0; i < 32; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return s[32] == '\0';
}

static void print_time(const char *label, apr_time_t t, apr_time_t now)
{
    char when[MS_RFC3339_LEN + 1];
    apr_int64_t delta = apr_time_sec(t) - apr_time_sec(now);

    ms_time_format_rfc3339(t, when);
    if (delta > 0) {
        printf("%s: %s (in %" APR_INT64_T_FMT " s)\n", label, when, delta);
    }
    else {
        printf("%s: %s (%" APR_INT64_T_FMT " s ago)\n", label, when, -delta);
    }
}

static void print_key(const ms_keyring *kr, int key_index)
{
    printf("key: %d of %d%s\n", key_index + 1, ms_keyring_count(kr),
           key_index > 0 ? " (an old key: the module re-signs it with key 1 "
                           "on the next change)" : "");
}

/* A value in the sealed format ("S1." prefix). */
static int decode_sealed(const ms_keyring *kr, const char *cookie, apr_time_t now,
                         apr_pool_t *p)
{
    ms_sealed_times times;
    ms_sealed_status st;
    ms_json_status js;
    apr_table_t *table;
    char *plaintext = NULL;
    apr_size_t plen = 0;
    int key_index = -1;

    memset(&times, 0, sizeof(times));
    st = ms_sealed_decode(kr, cookie, strlen(cookie), now, p, &plaintext, &plen,
                          &times, &key_index);
    if (st == MS_SEALED_EXPIRED
        && ms_sealed_decode(kr, cookie, strlen(cookie), 0, p, &plaintext, &plen,
                            &times, &key_index) == MS_SEALED_OK) {
        char when[MS_RFC3339_LEN + 1];
        ms_time_format_rfc3339(times.expires, when);
        fprintf(stderr, "%s: invalid cookie: expired at %s (%" APR_INT64_T_FMT
                " s ago)\n", prog, when,
                apr_time_sec(now) - apr_time_sec(times.expires));
        return EXIT_INVALID;
    }
    if (st != MS_SEALED_OK) {
        fprintf(stderr, "%s: invalid cookie: sealed format: %s%s\n", prog,
                ms_sealed_status_str(st),
                st == MS_SEALED_UNKNOWN_KEY || st == MS_SEALED_BAD_TAG
                    ? " (another key sealed it, or it was changed)" : "");
        return EXIT_INVALID;
    }
    if ((js = ms_json_to_table(plaintext, plen, p, &table)) != MS_JSON_OK) {
        fprintf(stderr, "%s: invalid cookie: the session data is not accepted: %s\n",
                prog, ms_json_status_str(js));
        return EXIT_INVALID;
    }
    fwrite(plaintext, 1, plen, stdout);
    printf("\n");
    print_time("expires", times.expires, now);
    print_time("issued", times.issued, now);
    print_time("seen", times.seen, now);
    printf("format: sealed\n");
    print_key(kr, key_index);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

static int cmd_decode(int argc, char **argv, apr_pool_t *p)
{
    options o;
    ms_keyring *kr;
    char *input, *plaintext = NULL;
    const char *cookie;
    apr_size_t plen = 0;
    apr_time_t now = apr_time_now(), expires = 0;
    apr_table_t *table;
    ms_cookie_status st;
    ms_json_status js;
    int rc, key_index = -1;

    if ((rc = parse_options(argc, argv, 0, &o)) != EXIT_OK) {
        return rc;
    }
    if (strcmp(o.arg, "-") == 0) {
        if ((rc = read_file("-", p, &input, "standard input", EXIT_USAGE)) != EXIT_OK) {
            return rc;
        }
    }
    else {
        input = apr_pstrdup(p, o.arg);
    }
    cookie = unwrap_value(input, strcmp(o.arg, "-") == 0, p);
    if (is_store_id(cookie)) {
        fprintf(stderr, "%s: not a cookie-store cookie: 32 hex characters are "
                "the session id a server-side store (redis, socache, db) puts "
                "in the cookie; the session itself is in the store, under that "
                "id\n", prog);
        return EXIT_INVALID;
    }
    if ((rc = load_keys(o.key_file, p, &kr)) != EXIT_OK) {
        return rc;
    }
    if (ms_sealed_is(cookie, strlen(cookie))) {
        return decode_sealed(kr, cookie, now, p);
    }
    st = ms_marten_decode(kr, cookie, strlen(cookie), now, p, &plaintext, &plen,
                          &expires, &key_index);
    if (st == MS_COOKIE_EXPIRED) {
        /* Say when: decode once more as of the epoch, only for the date. */
        apr_time_t was = 0;
        if (ms_marten_decode(kr, cookie, strlen(cookie), 0, p, &plaintext, &plen,
                             &was, &key_index) == MS_COOKIE_OK && was) {
            char when[MS_RFC3339_LEN + 1];
            ms_time_format_rfc3339(was, when);
            fprintf(stderr, "%s: invalid cookie: expired at %s (%" APR_INT64_T_FMT
                    " s ago)\n", prog, when, apr_time_sec(now) - apr_time_sec(was));
            return EXIT_INVALID;
        }
    }
    if (st != MS_COOKIE_OK) {
        fprintf(stderr, "%s: invalid cookie: %s%s\n", prog, ms_cookie_status_str(st),
                st == MS_COOKIE_BAD_MAC
                    ? (ms_keyring_count(kr) > 1
                       ? " (none of the keys signed it, or it was changed)"
                       : " (another key signed it, or it was changed)")
                    : "");
        return EXIT_INVALID;
    }
    if ((js = ms_json_to_table(plaintext, plen, p, &table)) != MS_JSON_OK) {
        /* Signed with our key, yet the module would not use it. */
        fprintf(stderr, "%s: invalid cookie: the session data is not accepted: %s\n",
                prog, ms_json_status_str(js));
        return EXIT_INVALID;
    }
    fwrite(plaintext, 1, plen, stdout);
    printf("\n");
    if (expires) {
        print_time("expires", expires, now);
    }
    else {
        printf("expires: never (old cookie form without an expiry)\n");
    }
    printf("format: marten\n");
    print_key(kr, key_index);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

static int cmd_encode(int argc, char **argv, apr_pool_t *p)
{
    options o;
    ms_keyring *kr;
    char *input, *cookie = NULL;
    const char *json;
    apr_int64_t max_age = DEFAULT_MAX_AGE;
    apr_table_t *table;
    apr_size_t jlen;
    apr_time_t expires, now;
    apr_status_t rv;
    ms_json_status js;
    int rc;

    if ((rc = parse_options(argc, argv, 1, &o)) != EXIT_OK) {
        return rc;
    }
    if (o.format && strcmp(o.format, "marten") != 0 && strcmp(o.format, "sealed") != 0) {
        return usage_error("unknown --format '%s' (marten or sealed)", o.format);
    }
    if (o.max_age) {
        char *end = NULL;
        errno = 0;
        max_age = apr_strtoi64(o.max_age, &end, 10);
        if (errno || end == o.max_age || *end || max_age < 1 || max_age > MAX_MAX_AGE) {
            return usage_error("--max-age '%s' is not a number of seconds between "
                               "1 and 3153600000", o.max_age);
        }
    }
    if (strcmp(o.arg, "-") == 0) {
        if ((rc = read_file("-", p, &input, "standard input", EXIT_USAGE)) != EXIT_OK) {
            return rc;
        }
    }
    else {
        input = apr_pstrdup(p, o.arg);
    }
    if ((js = ms_json_to_table(input, strlen(input), p, &table)) != MS_JSON_OK) {
        fprintf(stderr, "%s: the JSON is not a session (an object of strings): %s\n",
                prog, ms_json_status_str(js));
        return EXIT_INVALID;
    }
    if ((rc = load_keys(o.key_file, p, &kr)) != EXIT_OK) {
        return rc;
    }
    /* Written the way the module writes it (Crystal's form, each key once). */
    json = ms_table_to_json(table, p, &jlen);
    now = apr_time_from_sec(apr_time_sec(apr_time_now()));
    expires = now + apr_time_from_sec(max_age);
    if (o.format && strcmp(o.format, "sealed") == 0) {
        ms_sealed_times times;
        times.issued = now;
        times.seen = now;
        times.expires = expires;
        rv = ms_sealed_encode(kr, json, jlen, &times, NULL, p, &cookie);
    }
    else {
        rv = ms_marten_encode(kr, json, jlen, expires, NULL, p, &cookie);
    }
    if (rv != APR_SUCCESS) {
        fprintf(stderr, "%s: encoding failed\n", prog);
        return EXIT_INTERNAL;
    }
    printf("%s\n", cookie);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    const char *cmd;
    int rc;

    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("marten-session (mod_marten_session) %s\n", MS_CLI_VERSION);
        return EXIT_OK;
    }
    if (apr_app_initialize(&argc, (const char *const **)&argv, NULL) != APR_SUCCESS
        || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        fprintf(stderr, "%s: cannot initialise APR\n", prog);
        return EXIT_INTERNAL;
    }
    if (!strcmp(cmd, "genkey")) {
        rc = cmd_genkey(argc - 2, argv + 2);
    }
    else if (!strcmp(cmd, "decode")) {
        rc = cmd_decode(argc - 2, argv + 2, p);
    }
    else if (!strcmp(cmd, "encode")) {
        rc = cmd_encode(argc - 2, argv + 2, p);
    }
    else {
        rc = usage_error("unknown command '%s' (genkey, decode, encode)", cmd);
    }
    apr_pool_destroy(p);       /* wipes the keyring */
    apr_terminate();
    return rc;
}
