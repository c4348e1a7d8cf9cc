/*
 * mod_marten_session_test: a test-only module that exposes the public C API
 * of mod_marten_session over HTTP, for the end-to-end tests.
 *
 * Built with apxs against the public header; from lib/ it takes only the
 * hex coder (one copy in the project), from the built libmarten, keeping
 * nothing but the module record exported (Makefile.am):
 *     apxs -c -I../../include -I../../lib mod_marten_session_test.c \
 *         ../../lib/libmarten.la
 *
 *     LoadModule marten_session_test_module .../mod_marten_session_test.so
 *     <Location /api>
 *         SetHandler marten-session-test
 *     </Location>
 *
 * The last path segment is the operation; query arguments are form-style
 * (percent-decoded, '+' is a space). Results go to response headers in
 * err_headers_out (so they survive error and redirect responses):
 *
 *   get?k=K               X-Test-Found: 1|0; body = value
 *   set?k=K&v=V[&k=..&v=..]  set each pair in order; X-Test-Rv
 *   delete?k=K[&k=..]     X-Test-Rv
 *   flush, cycle          X-Test-Rv
 *   expires_in?s=N        X-Test-Rv
 *   browser_close?on=1|0  X-Test-Rv
 *   dump[?enc=1]          body = "key=value\n" lines in table order (with
 *                         enc, key and value percent-encoded);
 *                         X-Test-Table: 1|0, X-Test-Count: n
 *   table_edit?k=K&v=V[&del=K2]  apr_table_set/apr_table_unset on the table
 *                         from marten_session_table(), nothing else; X-Test-Rv
 *   noop                  touches nothing
 *   subreq?uri=U[&check=K]  runs U as a sub-request; X-Test-Sub-Status,
 *                         X-Test-Sub-Rv (the sub-request's X-Test-Rv); then
 *                         reports marten_session_get(r, K) like get
 *                         (X-Test-Sub-Status: the sub-request's status, or
 *                         the error ap_run_sub_req returned)
 *   internal?uri=U[&k=K&v=V...]  sets the pairs first (X-Test-Rv), then
 *                         ap_internal_redirect(U)
 *
 * Every operation accepts status=NNN (and location=URL): the operation is
 * done, then when NNN != 200 the handler sets Location (if given) and
 * returns NNN, so httpd builds the error or redirect response itself.
 * Bodies are written only for status 200 in the main request.
 *
 * X-Test-Rv is the apr_status_t in decimal: 0 is APR_SUCCESS, 70023 is
 * APR_ENOTIMPL (sessions off). When mod_marten_session is not loaded, every
 * request gets a 500 with a body saying so.
 */

#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "http_request.h"

#include "apr_strings.h"
#include "apr_tables.h"

#include "mod_marten_session.h"
#include "ms_hex.h"

#include <stdlib.h>
#include <string.h>

#define TEST_HANDLER "marten-session-test"

static APR_OPTIONAL_FN_TYPE(marten_session_table) *fn_table;
static APR_OPTIONAL_FN_TYPE(marten_session_get) *fn_get;
static APR_OPTIONAL_FN_TYPE(marten_session_set) *fn_set;
static APR_OPTIONAL_FN_TYPE(marten_session_delete) *fn_delete;
static APR_OPTIONAL_FN_TYPE(marten_session_flush) *fn_flush;
static APR_OPTIONAL_FN_TYPE(marten_session_cycle_key) *fn_cycle;
static APR_OPTIONAL_FN_TYPE(marten_session_set_expires_in) *fn_expires_in;
static APR_OPTIONAL_FN_TYPE(marten_session_set_expires_at_browser_close)
    *fn_browser_close;

static void retrieve_optional_fns(void)
{
    fn_table = APR_RETRIEVE_OPTIONAL_FN(marten_session_table);
    fn_get = APR_RETRIEVE_OPTIONAL_FN(marten_session_get);
    fn_set = APR_RETRIEVE_OPTIONAL_FN(marten_session_set);
    fn_delete = APR_RETRIEVE_OPTIONAL_FN(marten_session_delete);
    fn_flush = APR_RETRIEVE_OPTIONAL_FN(marten_session_flush);
    fn_cycle = APR_RETRIEVE_OPTIONAL_FN(marten_session_cycle_key);
    fn_expires_in = APR_RETRIEVE_OPTIONAL_FN(marten_session_set_expires_in);
    fn_browser_close =
        APR_RETRIEVE_OPTIONAL_FN(marten_session_set_expires_at_browser_close);
}

static int have_all_fns(void)
{
    return fn_table && fn_get && fn_set && fn_delete && fn_flush && fn_cycle
           && fn_expires_in && fn_browser_close;
}

typedef struct {
    const char *name;
    const char *value;
} test_arg;

/* Form-style decoding in place: '+' is a space, %XX a byte. Returns 0 on a
 * bad escape or an encoded NUL. */
static int form_decode(char *s)
{
    char *out = s;
    for (; *s; s++) {
        if (*s == '+') {
            *out++ = ' ';
        }
        else if (*s == '%') {
            unsigned char c;
            if (!s[1] || !ms_hex_decode(s + 1, 2, &c) || c == 0) {
                return 0;
            }
            *out++ = (char)c;
            s += 2;
        }
        else {
            *out++ = *s;
        }
    }
    *out = '\0';
    return 1;
}

static apr_array_header_t *parse_args(request_rec *r, int *ok)
{
    apr_array_header_t *args = apr_array_make(r->pool, 8, sizeof(test_arg));
    char *query, *pair, *state = NULL;

    *ok = 1;
    if (!r->args) {
        return args;
    }
    query = apr_pstrdup(r->pool, r->args);
    for (pair = apr_strtok(query, "&", &state); pair;
         pair = apr_strtok(NULL, "&", &state)) {
        test_arg *a = apr_array_push(args);
        char *eq = strchr(pair, '=');
        if (eq) {
            *eq = '\0';
            a->value = eq + 1;
        }
        else {
            a->value = "";
        }
        a->name = pair;
        if (!form_decode((char *)a->name) || !form_decode((char *)a->value)) {
            *ok = 0;
        }
    }
    return args;
}

static const char *first_arg(apr_array_header_t *args, const char *name)
{
    int i;
    for (i = 0; i < args->nelts; i++) {
        const test_arg *a = &APR_ARRAY_IDX(args, i, test_arg);
        if (!strcmp(a->name, name)) {
            return a->value;
        }
    }
    return NULL;
}

/* All values of name, in order. */
static apr_array_header_t *all_args(request_rec *r, apr_array_header_t *args,
                                    const char *name)
{
    apr_array_header_t *vals = apr_array_make(r->pool, 4, sizeof(const char *));
    int i;
    for (i = 0; i < args->nelts; i++) {
        const test_arg *a = &APR_ARRAY_IDX(args, i, test_arg);
        if (!strcmp(a->name, name)) {
            APR_ARRAY_PUSH(vals, const char *) = a->value;
        }
    }
    return vals;
}

static void set_header(request_rec *r, const char *name, const char *value)
{
    apr_table_set(r->err_headers_out, name, value);
}

static void report_rv(request_rec *r, apr_status_t rv)
{
    set_header(r, "X-Test-Rv", apr_psprintf(r->pool, "%d", rv));
}

/* Set each k/v pair in order; the first failure (or APR_SUCCESS). */
static apr_status_t set_pairs(request_rec *r, apr_array_header_t *args)
{
    apr_array_header_t *ks = all_args(r, args, "k");
    apr_array_header_t *vs = all_args(r, args, "v");
    apr_status_t result = APR_SUCCESS;
    int i;

    for (i = 0; i < ks->nelts && i < vs->nelts; i++) {
        apr_status_t rv = fn_set(r, APR_ARRAY_IDX(ks, i, const char *),
                                 APR_ARRAY_IDX(vs, i, const char *));
        if (rv != APR_SUCCESS && result == APR_SUCCESS) {
            result = rv;
        }
    }
    return result;
}

typedef struct {
    request_rec *r;
    apr_array_header_t *lines;
    int count;
    int encode;
} dump_ctx;

/* Percent-encode every byte outside A-Z a-z 0-9 - . _ ~ (lowercase hex:
 * the project's one encoder; readers take either case). */
static const char *pct(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~') {
            *o++ = (char)c;
        }
        else {
            *o++ = '%';
            ms_hex_encode_lower(&c, 1, o);   /* its NUL is overwritten */
            o += 2;
        }
    }
    *o = '\0';
    return out;
}

static int dump_one(void *baton, const char *key, const char *value)
{
    dump_ctx *ctx = baton;
    if (ctx->encode) {
        key = pct(ctx->r->pool, key);
        value = pct(ctx->r->pool, value);
    }
    APR_ARRAY_PUSH(ctx->lines, const char *) =
        apr_pstrcat(ctx->r->pool, key, "=", value, "\n", NULL);
    ctx->count++;
    return 1;
}

static int test_handler(request_rec *r)
{
    apr_array_header_t *args;
    const char *op, *status_arg, *body = NULL;
    int status = HTTP_OK, ok;

    if (!r->handler || strcmp(r->handler, TEST_HANDLER)) {
        return DECLINED;
    }
    ap_set_content_type(r, "text/plain");

    if (!have_all_fns()) {
        r->status = HTTP_INTERNAL_SERVER_ERROR;
        ap_rputs("mod_marten_session_test: the optional functions of "
                 "mod_marten_session are missing (module not loaded?)\n", r);
        return OK;
    }

    args = parse_args(r, &ok);
    if (!ok) {
        return HTTP_BAD_REQUEST;
    }
    op = strrchr(r->uri, '/');
    op = op ? op + 1 : r->uri;

    status_arg = first_arg(args, "status");
    if (status_arg) {
        status = atoi(status_arg);
        if (status < 100 || status > 599) {
            return HTTP_BAD_REQUEST;
        }
    }

    if (!strcmp(op, "get")) {
        const char *k = first_arg(args, "k");
        const char *v = fn_get(r, k ? k : "");
        set_header(r, "X-Test-Found", v ? "1" : "0");
        body = v;
    }
    else if (!strcmp(op, "set")) {
        report_rv(r, set_pairs(r, args));
    }
    else if (!strcmp(op, "delete")) {
        apr_array_header_t *ks = all_args(r, args, "k");
        apr_status_t result = APR_SUCCESS;
        int i;
        for (i = 0; i < ks->nelts; i++) {
            apr_status_t rv = fn_delete(r, APR_ARRAY_IDX(ks, i, const char *));
            if (rv != APR_SUCCESS && result == APR_SUCCESS) {
                result = rv;
            }
        }
        report_rv(r, result);
    }
    else if (!strcmp(op, "flush")) {
        report_rv(r, fn_flush(r));
    }
    else if (!strcmp(op, "cycle")) {
        report_rv(r, fn_cycle(r));
    }
    else if (!strcmp(op, "expires_in")) {
        const char *s = first_arg(args, "s");
        report_rv(r, fn_expires_in(r, apr_strtoi64(s ? s : "0", NULL, 10)));
    }
    else if (!strcmp(op, "browser_close")) {
        const char *on = first_arg(args, "on");
        report_rv(r, fn_browser_close(r, on ? atoi(on) : 1));
    }
    else if (!strcmp(op, "dump")) {
        apr_table_t *t = fn_table(r);
        set_header(r, "X-Test-Table", t ? "1" : "0");
        if (t) {
            dump_ctx ctx;
            ctx.r = r;
            ctx.lines = apr_array_make(r->pool, 8, sizeof(const char *));
            ctx.count = 0;
            ctx.encode = first_arg(args, "enc") != NULL;
            apr_table_do(dump_one, &ctx, t, NULL);
            body = apr_array_pstrcat(r->pool, ctx.lines, 0);
            set_header(r, "X-Test-Count", apr_itoa(r->pool, ctx.count));
        }
    }
    else if (!strcmp(op, "table_edit")) {
        apr_table_t *t = fn_table(r);
        if (!t) {
            report_rv(r, APR_ENOTIMPL);
        }
        else {
            apr_array_header_t *ks = all_args(r, args, "k");
            apr_array_header_t *vs = all_args(r, args, "v");
            apr_array_header_t *dels = all_args(r, args, "del");
            int i;
            for (i = 0; i < ks->nelts && i < vs->nelts; i++) {
                apr_table_set(t, APR_ARRAY_IDX(ks, i, const char *),
                              APR_ARRAY_IDX(vs, i, const char *));
            }
            for (i = 0; i < dels->nelts; i++) {
                apr_table_unset(t, APR_ARRAY_IDX(dels, i, const char *));
            }
            report_rv(r, APR_SUCCESS);
        }
    }
    else if (!strcmp(op, "noop")) {
        /* nothing */
    }
    else if (!strcmp(op, "subreq")) {
        const char *uri = first_arg(args, "uri");
        const char *check = first_arg(args, "check");
        request_rec *rr;
        int sub_status;

        if (!uri || !*uri) {
            return HTTP_BAD_REQUEST;
        }
        /* The sub-request's output (the test handler writes none in
         * sub-requests) would go through this request's filters, the way
         * mod_include runs them. */
        rr = ap_sub_req_lookup_uri(uri, r, r->output_filters);
        sub_status = rr->status;
        if (sub_status == HTTP_OK) {
            int rc = ap_run_sub_req(rr);
            sub_status = (rc == OK) ? rr->status : rc;
        }
        set_header(r, "X-Test-Sub-Status", apr_itoa(r->pool, sub_status));
        if (apr_table_get(rr->err_headers_out, "X-Test-Rv")) {
            set_header(r, "X-Test-Sub-Rv",
                       apr_table_get(rr->err_headers_out, "X-Test-Rv"));
        }
        ap_destroy_sub_req(rr);
        if (check) {
            const char *v = fn_get(r, check);
            set_header(r, "X-Test-Found", v ? "1" : "0");
            body = v;
        }
    }
    else if (!strcmp(op, "internal")) {
        const char *uri = first_arg(args, "uri");
        if (!uri || !*uri) {
            return HTTP_BAD_REQUEST;
        }
        if (first_arg(args, "k")) {
            report_rv(r, set_pairs(r, args));
        }
        ap_internal_redirect(uri, r);
        return OK;
    }
    else {
        set_header(r, "X-Test-Error", "unknown operation");
        return HTTP_NOT_FOUND;
    }

    if (status != HTTP_OK) {
        const char *location = first_arg(args, "location");
        if (location) {
            apr_table_setn(r->headers_out, "Location", location);
        }
        return status;
    }
    if (body && !r->main) {
        ap_rputs(body, r);
    }
    return OK;
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_optional_fn_retrieve(retrieve_optional_fns, NULL, NULL,
                                 APR_HOOK_MIDDLE);
    ap_hook_handler(test_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(marten_session_test) = {
    STANDARD20_MODULE_STUFF,
    NULL, /* dir config creator */
    NULL, /* dir merger */
    NULL, /* server config creator */
    NULL, /* server merger */
    NULL, /* command table */
    register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
