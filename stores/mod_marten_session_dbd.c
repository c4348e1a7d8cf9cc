/*
 * mod_marten_session_dbd: an SQL session store for mod_marten_session,
 * through mod_dbd (SQLite, PostgreSQL, MySQL/MariaDB, ... whatever APR DBD
 * driver is installed).
 *
 *     LoadModule dbd_module modules/mod_dbd.so
 *     LoadModule marten_session_dbd_module modules/mod_marten_session_dbd.so
 *     DBDriver pgsql
 *     DBDParams "host=db.example port=5432 dbname=app user=app"
 *     MartenSessionStore db [table=NAME] [cleanup=SECONDS]
 *
 * The table is marten-db-session's (marten_db_session_store_entry unless
 * table= says otherwise):
 *
 *     CREATE TABLE marten_db_session_store_entry (
 *         key VARCHAR(40) PRIMARY KEY, data TEXT, expires TIMESTAMP);
 *     CREATE INDEX marten_db_session_store_entry_expires
 *         ON marten_db_session_store_entry (expires);
 *
 * key is the session id (32 lowercase hex characters, the cookie's value),
 * data the session's JSON object, expires the end of the session in UTC,
 * written the way each driver's Marten backend writes it: SQLite
 * "YYYY-MM-DD HH:MM:SS.000" (text that sorts in time order), PostgreSQL
 * "YYYY-MM-DD HH:MM:SS+00" (right for both timestamp and timestamptz),
 * others "YYYY-MM-DD HH:MM:SS". A row whose expires has passed is never
 * loaded; expired rows are deleted every cleanup seconds (default 3600, 0
 * turns it off) by one process of the server only: a singleton mod_watchdog
 * callback, which runs in the one child that holds the watchdog's mutex.
 *
 * Statements are prepared with apr_dbd_prepare once per database
 * connection and kept with the connection (in its ap_dbd_t "prepared"
 * table, under labels of their own), so the store needs no DBDPrepareSQL
 * and works in any server or virtual host that has a DBDriver.
 *
 * Built against the public header only (include/mod_marten_session.h),
 * httpd (mod_dbd.h, mod_watchdog.h), APR-util and OpenSSL. Driver errors
 * are logged at debug level with any 32-hex run (a session id) masked;
 * session data is never logged.
 */

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_provider.h"

#include "apr_atomic.h"
#include "apr_dbd.h"                /* before mod_dbd.h, which uses it */
#include "apr_hash.h"
#include "apr_lib.h"
#include "apr_strings.h"

#include "mod_dbd.h"
#include "mod_watchdog.h"

#include "mod_marten_session.h"
#include "store_util.h"

APLOG_USE_MODULE(marten_session_dbd);

#define DB_DEFAULT_TABLE    "marten_db_session_store_entry"
#define DB_DEFAULT_CLEANUP  3600
#define DB_MAX_CLEANUP      (366 * 86400)
#define DB_MAX_TABLE        60
#define DB_WATCHDOG         "marten-session-db"

enum db_query { Q_LOAD, Q_UPDATE, Q_INSERT, Q_DELETE, Q_CLEANUP, Q_COUNT };

static const char *const query_names[Q_COUNT] = {
    "load", "update", "insert", "delete", "cleanup"
};

struct marten_session_store_instance {
    const char *table;
    apr_interval_time_t cleanup;            /* 0: no periodic cleanup */
    const char *labels[Q_COUNT];            /* prepared statement labels */
    server_rec *s;                          /* where init ran (cleanup's DBD) */
    int pg_zoned;                           /* -1: not known yet */
};

typedef marten_session_store_instance db_inst;

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

/* --- configuration -------------------------------------------------------- */

static int identifier_ok(const char *s)
{
    const char *c;

    if (!s || !(apr_isalpha(*s) || *s == '_') || strlen(s) > DB_MAX_TABLE) {
        return 0;
    }
    for (c = s; *c; c++) {
        if (!(apr_isalnum(*c) || *c == '_')) {
            return 0;
        }
    }
    return 1;
}

static int retrieve_dbd(void)
{
    if (!dbd_acquire || !dbd_open || !dbd_close) {
        dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
        dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
        dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    }
    return dbd_acquire && dbd_open && dbd_close;
}

static const char *db_create(marten_session_store_instance **instance,
                             int argc, char *const argv[],
                             apr_pool_t *ptemp, apr_pool_t *p)
{
    db_inst *in = apr_pcalloc(p, sizeof(*in));
    apr_int64_t cleanup = DB_DEFAULT_CLEANUP;
    const char *v;
    unsigned int h;
    apr_ssize_t len;
    int i;

    (void)ptemp;
    in->table = DB_DEFAULT_TABLE;
    in->pg_zoned = -1;
    for (i = 0; i < argc; i++) {
        if ((v = mss_arg_value(argv[i], "table")) != NULL) {
            if (!identifier_ok(v)) {
                return apr_psprintf(p, "bad table name '%s' (letters, digits "
                                    "and _, not starting with a digit, at "
                                    "most %d)", v, DB_MAX_TABLE);
            }
            in->table = apr_pstrdup(p, v);
        }
        else if ((v = mss_arg_value(argv[i], "cleanup")) != NULL) {
            if (!mss_parse_int(v, 0, DB_MAX_CLEANUP, &cleanup)) {
                return apr_psprintf(p, "bad cleanup '%s' (seconds between "
                                    "removals of expired sessions, 0 for "
                                    "never, at most %d)", v, DB_MAX_CLEANUP);
            }
        }
        else {
            return apr_psprintf(p, "unknown argument '%s' (expected "
                                "table=NAME or cleanup=SECONDS)", argv[i]);
        }
    }
    if (!retrieve_dbd()) {
        return "mod_dbd is not loaded (LoadModule dbd_module before this line)";
    }
    in->cleanup = apr_time_from_sec(cleanup);
    /* Labels unique per table, made of [a-z0-9_] (PostgreSQL uses them as
     * statement names). */
    len = APR_HASH_KEY_STRING;
    h = apr_hashfunc_default(in->table, &len);
    for (i = 0; i < Q_COUNT; i++) {
        in->labels[i] = apr_psprintf(p, "marten_session_%s_%08x",
                                     query_names[i], h);
    }
    *instance = in;
    return NULL;
}

/* --- SQL per driver ------------------------------------------------------- */

typedef enum { DIALECT_SQLITE, DIALECT_PGSQL, DIALECT_MYSQL, DIALECT_OTHER } dialect;

static dialect dialect_of(const apr_dbd_driver_t *driver)
{
    const char *name = apr_dbd_name(driver);

    if (!strncmp(name, "sqlite", 6)) {
        return DIALECT_SQLITE;
    }
    if (!strcmp(name, "pgsql")) {
        return DIALECT_PGSQL;
    }
    if (!strcmp(name, "mysql")) {
        return DIALECT_MYSQL;
    }
    return DIALECT_OTHER;
}

/* PostgreSQL: is the expires column "timestamp with time zone" (what
 * Marten's migrations make) rather than "timestamp"? Asked once per
 * process, on the first connection that prepares our statements, so that
 * values are cast to the column's own type and no conversion through the
 * session's TimeZone ever happens: the store is right whatever TimeZone
 * the server or DBDInitSQL sets. */
static int pg_zoned(db_inst *in, ap_dbd_t *dbd, apr_pool_t *p)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *type = NULL;

    if (in->pg_zoned >= 0) {
        return in->pg_zoned;
    }
    if (apr_dbd_select(dbd->driver, p, dbd->handle, &res,
                       apr_psprintf(p, "SELECT format_type(atttypid, atttypmod) "
                                    "FROM pg_attribute WHERE attrelid = "
                                    "to_regclass('%s') AND attname = 'expires'",
                                    in->table), 0) != 0 || !res) {
        return 0;
    }
    while (apr_dbd_get_row(dbd->driver, p, res, &row, -1) == 0) {
        if (!type) {
            type = apr_dbd_get_entry(dbd->driver, row, 0);
            type = type ? apr_pstrdup(p, type) : "";
        }
    }
    if (!type) {
        return 0;               /* no such table (yet): ask again next time */
    }
    in->pg_zoned = strstr(type, "with time zone") != NULL;
    return in->pg_zoned;
}

static const char *sql_text(db_inst *in, enum db_query q, dialect d,
                            int zoned, apr_pool_t *p)
{
    /* "key" is a reserved word in MySQL, quoted the MySQL way there */
    const char *k = d == DIALECT_MYSQL ? "`key`" : "\"key\"";
    /* the pgsql driver passes parameters as varchar: cast the times */
    const char *tv = d != DIALECT_PGSQL ? "%s"
                     : zoned ? "CAST(%s AS TIMESTAMPTZ)" : "CAST(%s AS TIMESTAMP)";
    const char *t = in->table;

    switch (q) {
    case Q_LOAD:
        return apr_psprintf(p, "SELECT data FROM %s WHERE %s = %%s AND "
                            "expires > %s", t, k, tv);
    case Q_UPDATE:
        return apr_psprintf(p, "UPDATE %s SET data = %%s, expires = %s "
                            "WHERE %s = %%s", t, tv, k);
    case Q_INSERT:
        return apr_psprintf(p, "INSERT INTO %s (%s, data, expires) "
                            "VALUES (%%s, %%s, %s)", t, k, tv);
    case Q_DELETE:
        return apr_psprintf(p, "DELETE FROM %s WHERE %s = %%s", t, k);
    default:
        return apr_psprintf(p, "DELETE FROM %s WHERE expires < %s", t, tv);
    }
}

/* t in UTC, as the driver's Marten backend writes a date_time. */
static const char *sql_time(apr_pool_t *p, dialect d, apr_time_t t)
{
    apr_time_exp_t tm;

    apr_time_exp_gmt(&tm, t);
    return apr_psprintf(p, "%04d-%02d-%02d %02d:%02d:%02d%s",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec,
                        d == DIALECT_SQLITE ? ".000"
                        : d == DIALECT_PGSQL ? "+00" : "");
}

/* A driver's error message, first line only, with anything that looks like
 * a session id masked (MySQL quotes the duplicate key, for one). */
static const char *safe_error(apr_pool_t *p, ap_dbd_t *dbd, int rc)
{
    const char *msg = apr_dbd_error(dbd->driver, dbd->handle, rc);
    char *out, *o, *start;

    if (!msg || !*msg) {
        return "(no message)";
    }
    out = apr_pstrdup(p, msg);
    for (o = out; *o && *o != '\n' && *o != '\r'; o++) {
        if ((unsigned char)*o < 0x20) {
            *o = ' ';               /* control characters out of the log */
        }
    }
    *o = '\0';
    o = out;
    while (*o) {
        if (!apr_isxdigit(*o)) {
            o++;
            continue;
        }
        for (start = o; apr_isxdigit(*o); o++) {
        }
        if (o - start >= 16) {
            memset(start, 'x', (apr_size_t)(o - start));
        }
    }
    return out;
}

/* Server-side names of prepared statements must be unique per connection
 * (PostgreSQL), also when a statement is prepared again: a counter. */
static apr_uint32_t prepare_count;

/* The statement q on this connection, prepared on first use and kept in
 * the connection's table of prepared statements under in->labels[q]. */
static apr_dbd_prepared_t *prepared(db_inst *in, ap_dbd_t *dbd, enum db_query q,
                                    dialect d, const char **err, apr_pool_t *p)
{
    apr_dbd_prepared_t *st = apr_hash_get(dbd->prepared, in->labels[q],
                                          APR_HASH_KEY_STRING);
    const char *name;
    int rc;

    if (st) {
        return st;
    }
    name = apr_psprintf(p, "%s_%u", in->labels[q],
                        (unsigned int)apr_atomic_inc32(&prepare_count));
    rc = apr_dbd_prepare(dbd->driver, dbd->pool, dbd->handle,
                         sql_text(in, q, d,
                                  d == DIALECT_PGSQL ? pg_zoned(in, dbd, p) : 0, p),
                         name, &st);
    if (rc != 0 || !st) {
        *err = safe_error(p, dbd, rc);
        return NULL;
    }
    apr_hash_set(dbd->prepared, apr_pstrdup(dbd->pool, in->labels[q]),
                 APR_HASH_KEY_STRING, st);
    return st;
}

/* After a failure: prepare q again next time. A statement prepared before
 * the schema changed keeps failing (SQLite: "database schema has changed";
 * PostgreSQL: "cached plan must not change result type") until then. */
static void forget(db_inst *in, ap_dbd_t *dbd, enum db_query q)
{
    apr_hash_set(dbd->prepared, in->labels[q], APR_HASH_KEY_STRING, NULL);
}

/* Run a statement that returns no rows; *nrows gets the rows changed. A
 * failure is tried once more on a freshly prepared statement. */
static int run_query(db_inst *in, ap_dbd_t *dbd, dialect d, enum db_query q,
                     int nargs, const char **args, int *nrows,
                     const char **err, apr_pool_t *p)
{
    apr_dbd_prepared_t *st;
    int rc = -1, attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        if (!(st = prepared(in, dbd, q, d, err, p))) {
            return -1;
        }
        *nrows = 0;
        rc = apr_dbd_pquery(dbd->driver, p, dbd->handle, nrows, st, nargs, args);
        if (rc == 0) {
            return 0;
        }
        *err = safe_error(p, dbd, rc);
        forget(in, dbd, q);
    }
    return rc;
}

/* The first column of the first row of a SELECT (NULL: no row), or a
 * failure; tried once more on a freshly prepared statement. */
static int run_select(db_inst *in, ap_dbd_t *dbd, dialect d, enum db_query q,
                      int nargs, const char **args, const char **value,
                      const char **err, apr_pool_t *p)
{
    apr_dbd_prepared_t *st;
    apr_dbd_results_t *res;
    apr_dbd_row_t *row;
    int rc = -1, attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        if (!(st = prepared(in, dbd, q, d, err, p))) {
            return -1;
        }
        res = NULL;
        rc = apr_dbd_pselect(dbd->driver, p, dbd->handle, &res, st, 0, nargs, args);
        if (rc == 0 && res) {
            *value = NULL;
            /* read every row: sequential results must be drained */
            row = NULL;
            while (apr_dbd_get_row(dbd->driver, p, res, &row, -1) == 0) {
                if (!*value) {
                    const char *v = apr_dbd_get_entry(dbd->driver, row, 0);
                    *value = v ? apr_pstrdup(p, v) : "";
                }
            }
            return 0;
        }
        *err = safe_error(p, dbd, rc);
        forget(in, dbd, q);
    }
    return rc ? rc : -1;
}

static apr_status_t db_failure(db_inst *in, request_rec *r, server_rec *s,
                               enum db_query q, const char *err)
{
    if (r) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00702: MartenSessionStore db: %s on table %s failed: %s",
                      query_names[q], in->table, err);
        mss_reason(r, apr_pstrcat(r->pool, "table ", in->table, NULL),
                   query_names[q], err ? err : "(no message)");
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                     "MS00702: MartenSessionStore db: %s on table %s failed: %s",
                     query_names[q], in->table, err);
    }
    return APR_EGENERAL;
}

static ap_dbd_t *connection(request_rec *r)
{
    ap_dbd_t *dbd = dbd_acquire ? dbd_acquire(r) : NULL;

    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "MS00701: MartenSessionStore db: no database connection "
                      "(see mod_dbd's messages; is DBDriver set for this "
                      "server?)");
        mss_reason(r, "mod_dbd", "connection", "no database connection (see "
                   "mod_dbd's messages; is DBDriver set for this server?)");
    }
    return dbd;
}

/* --- the store ------------------------------------------------------------- */

static apr_status_t db_load(marten_session_store_instance *in, request_rec *r,
                            const char *key, const char **payload,
                            apr_time_t *expires)
{
    ap_dbd_t *dbd;
    dialect d;
    const char *args[2], *err = NULL, *data = NULL;

    if (!mss_id_valid(key)) {
        return APR_NOTFOUND;
    }
    if (!(dbd = connection(r))) {
        return APR_EGENERAL;
    }
    d = dialect_of(dbd->driver);
    args[0] = key;
    args[1] = sql_time(r->pool, d, apr_time_now());
    if (run_select(in, dbd, d, Q_LOAD, 2, args, &data, &err, r->pool)) {
        return db_failure(in, r, NULL, Q_LOAD, err);
    }
    if (!data || !*data) {
        return APR_NOTFOUND;
    }
    *payload = data;
    *expires = 0;           /* the query enforced the expiry */
    return APR_SUCCESS;
}

static apr_status_t db_save(marten_session_store_instance *in, request_rec *r,
                            const char *key, const char *payload,
                            apr_time_t expires, const char **new_key)
{
    ap_dbd_t *dbd;
    dialect d;
    const char *id, *when, *args[3], *err = NULL;
    int nrows = 0;

    if (!(dbd = connection(r))) {
        return APR_EGENERAL;
    }
    d = dialect_of(dbd->driver);
    if (expires <= 0) {
        expires = apr_time_now() + MSS_DEFAULT_LIFETIME;
    }
    when = sql_time(r->pool, d, expires);

    if (mss_id_valid(key)) {
        id = key;
        args[0] = payload;
        args[1] = when;
        args[2] = id;
        if (run_query(in, dbd, d, Q_UPDATE, 3, args, &nrows, &err, r->pool)) {
            return db_failure(in, r, NULL, Q_UPDATE, err);
        }
        if (nrows > 0) {
            *new_key = id;
            return APR_SUCCESS;
        }
        /* the row went away meanwhile (cleanup, another server): insert */
    }
    else if (!(id = mss_id_new(r->pool))) {
        return mss_no_id(r);
    }
    args[0] = id;
    args[1] = payload;
    args[2] = when;
    if (run_query(in, dbd, d, Q_INSERT, 3, args, &nrows, &err, r->pool)) {
        const char *insert_err = err;
        /* Inserted by someone else since (or MySQL's UPDATE counted no
         * change): the UPDATE settles it. */
        if (id == key) {
            args[0] = payload;
            args[1] = when;
            args[2] = id;
            if (!run_query(in, dbd, d, Q_UPDATE, 3, args, &nrows, &err, r->pool)) {
                *new_key = id;
                return APR_SUCCESS;
            }
        }
        return db_failure(in, r, NULL, Q_INSERT, insert_err);
    }
    *new_key = id;
    return APR_SUCCESS;
}

static apr_status_t db_destroy(marten_session_store_instance *in, request_rec *r,
                               const char *key)
{
    ap_dbd_t *dbd;
    const char *args[1], *err = NULL;
    int nrows;

    if (!mss_id_valid(key)) {
        return APR_SUCCESS;
    }
    if (!(dbd = connection(r))) {
        return APR_EGENERAL;
    }
    args[0] = key;
    if (run_query(in, dbd, dialect_of(dbd->driver), Q_DELETE, 1, args, &nrows,
                  &err, r->pool)) {
        return db_failure(in, r, NULL, Q_DELETE, err);
    }
    return APR_SUCCESS;
}

static apr_status_t db_clear_expired(marten_session_store_instance *in,
                                     server_rec *s, apr_pool_t *p)
{
    ap_dbd_t *dbd;
    dialect d;
    const char *args[1], *err = NULL;
    int nrows = 0, rc;

    if (!dbd_open || !(dbd = dbd_open(p, s))) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "MS00703: MartenSessionStore db: no database connection for "
                     "removing expired sessions; trying again later");
        return APR_EGENERAL;
    }
    d = dialect_of(dbd->driver);
    args[0] = sql_time(p, d, apr_time_now());
    rc = run_query(in, dbd, d, Q_CLEANUP, 1, args, &nrows, &err, p);
    dbd_close(s, dbd);
    if (rc) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "MS00704: MartenSessionStore db: removing expired sessions "
                     "from %s failed: %s", in->table, err);
        return APR_EGENERAL;
    }
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                 "MS00705: MartenSessionStore db: removed %d expired session(s) "
                 "from %s", nrows, in->table);
    return APR_SUCCESS;
}

/* --- periodic cleanup: one process of the server, through mod_watchdog ----- */

static apr_status_t cleanup_tick(int state, void *data, apr_pool_t *pool)
{
    db_inst *in = data;

    if (state == AP_WATCHDOG_STATE_RUNNING) {
        db_clear_expired(in, in->s, pool);
    }
    return APR_SUCCESS;     /* anything else would stop the callbacks */
}

static apr_status_t db_init(marten_session_store_instance *in, server_rec *s,
                            apr_pool_t *pconf, apr_pool_t *ptemp)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *wd_get;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *wd_register;
    ap_watchdog_t *wd = NULL;
    apr_status_t rv;

    (void)ptemp;
    in->s = s;
    retrieve_dbd();
    if (!in->cleanup) {
        return APR_SUCCESS;
    }
    wd_get = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    wd_register = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!wd_get || !wd_register) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "MS00706: MartenSessionStore db: mod_watchdog is not "
                     "loaded, so expired sessions are not removed by the "
                     "server; delete them from cron (see docs/stores.md)");
        return APR_SUCCESS;
    }
    /* singleton: the callback runs in one child at a time, not in each */
    rv = wd_get(&wd, DB_WATCHDOG, 0, 1, pconf);
    if (rv == APR_SUCCESS) {
        rv = wd_register(wd, in->cleanup, in, cleanup_tick);
    }
    if (rv != APR_SUCCESS && rv != APR_EEXIST) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "MS00707: MartenSessionStore db: cannot schedule the removal "
                     "of expired sessions with mod_watchdog");
        return rv;
    }
    return APR_SUCCESS;
}

static const marten_session_store db_store = {
    "db",
    db_create,
    db_init,
    NULL,                   /* child_init: mod_dbd keeps the connections */
    db_load,
    db_save,
    db_destroy,
    db_clear_expired
};

static void register_hooks(apr_pool_t *p)
{
    ap_register_provider(p, MARTEN_SESSION_STORE_GROUP, "db",
                         MARTEN_SESSION_STORE_VERSION, &db_store);
}

module AP_MODULE_DECLARE_DATA marten_session_dbd_module = {
    STANDARD20_MODULE_STUFF,
    NULL,                   /* dir config creator */
    NULL,                   /* dir merger */
    NULL,                   /* server config creator */
    NULL,                   /* server merger */
    NULL,                   /* command table */
    register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
