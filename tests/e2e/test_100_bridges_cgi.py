"""The CGI bridge end to end: real CGI scripts in sh, Python and PHP read the
session from MARTEN_SESSION_* variables and change it with X-Marten-Session-*
response headers (docs/bridges.md).

One server for the module. PHP runs the way Debian's php-cgi package wires
it (/etc/apache2/conf-available/php8.2-cgi.conf): mod_actions hands each
.php file to php-cgi as an internal redirect, which sets REDIRECT_STATUS,
so php-cgi's cgi.force_redirect check passes without changing php.ini.
"""

import json
import os
import re
import urllib.parse

import pytest

import marten_codec
from bridges_util import KEY, load_modules, read_env, session_of, wait_for_log

PHP_CGI = "/usr/lib/cgi-bin/php"     # Debian's alternatives link to php-cgi

CONF = """
{modules}
MartenSessionSecretKey {key}

<Location "/">
    MartenSession On
    MartenSessionEnv On
    MartenSessionHeaders On
    # planted: none of these may reach a script
    SetEnv MARTEN_SESSION_admin 1
    SetEnv marten_session_lower planted
    SetEnv MARTEN_SESSION planted
    # not the prefix (MARTEN_SESSION_), so left alone
    SetEnv MARTEN_SESSIONX kept
    # apr_table_get: the first variable of a name (CGI sees the last)
    Header always set X-Env-A-B "%{{MARTEN_SESSION_a_b}}e"
</Location>
<Location "/cgi-bin/env.py/app">
    MartenSessionEnvPrefix APP_SESS_
</Location>
<Location "/cgi-bin/env.py/s">
    MartenSessionEnvPrefix X
</Location>
<Location "/static-s.txt">
    MartenSessionEnvPrefix X
    Header always set X-Env-S "%{{X}}e"
</Location>
RewriteEngine On
RewriteRule "^/cgi-bin/env\\.py$" - [E=MARTEN_SESSION_rewritten:1]

# PHP: .php files under /php/ go to php-cgi through mod_actions.
Alias "/php/" "@ROOT@/htdocs/php/"
<Directory "@ROOT@/htdocs/php">
    <FilesMatch "\\.php$">
        SetHandler marten-php
    </FilesMatch>
</Directory>
Action marten-php /php-cgi
ScriptAlias "/php-cgi" "{php_cgi}"
<Directory "/usr/lib/cgi-bin">
    Options +FollowSymLinks
</Directory>
<Location "/php-cgi">
    Require env REDIRECT_STATUS
</Location>

LogFormat "%r|%>s|%{{marten-session:user_id}}n|%{{marten-session:count}}n" bridges
CustomLog "@ROOT@/logs/bridges_log" bridges
"""


@pytest.fixture(scope="module")
def srv(module_servers, ms_env):
    if not os.path.exists(PHP_CGI):
        pytest.fail("%s is missing (Debian package php-cgi)" % PHP_CGI)
    h = module_servers(CONF.format(modules=load_modules(ms_env, "actions"),
                                   key=KEY, php_cgi=PHP_CGI), name="bridges-cgi")
    with open(h.env.cgi_dir + "/bridge_app.php", "rb") as f:
        h.write_file("htdocs/php/bridge_app.php", f.read())
    h.write_file("htdocs/static.txt", b"static\n")
    h.write_file("htdocs/static-s.txt", b"static\n")
    h.start()
    return h


APPS = {
    "sh": "/cgi-bin/bridge_app.sh",
    "py": "/cgi-bin/bridge_app.py",
    "php": "/php/bridge_app.php",
}


def leaked(resp):
    return [(k, v) for k, v in resp.headers
            if k.lower().startswith("x-marten-session")]


def body_of(resp):
    return read_env(resp.body)


def the_cookie(resp):
    c = resp.cookie("sessionid")
    assert c is not None, resp
    return c


# --- the same small app in three languages ----------------------------------

@pytest.mark.parametrize("lang", sorted(APPS))
def test_app_counts_logs_in_and_out(srv, lang):
    app = APPS[lang]
    c = srv.client()

    r = c.get(app + "?do=show")
    assert r.status == 200, r
    assert body_of(r) == {"lang": lang, "count": "", "user": ""}
    assert r.set_cookies == []            # reading creates nothing
    assert "cookie" in r.vary

    for n in (1, 2, 3):
        r = c.get(app + "?do=count")
        assert r.status == 200, r
        cookie = the_cookie(r)
        assert cookie.attrs["path"] == "/" and cookie.max_age() == 1209600
        assert cookie.attrs["samesite"] == "Lax" and "expires" in cookie.attrs
        assert cookie.flags == {"httponly"}
        assert body_of(r)["count"] == ("" if n == 1 else str(n - 1))
        assert session_of(the_cookie(r)) == {"count": str(n)}
        assert leaked(r) == []

    r = c.get(app + "?do=login&user=al%C3%AFce")
    assert r.status == 303, r
    assert r.header("Location").endswith(app + "?do=show")
    assert session_of(the_cookie(r)) == {"count": "3", "user_id": "al\u00efce"}
    assert leaked(r) == []

    r = c.get(urllib.parse.urlsplit(r.header("Location")).path + "?do=show")
    assert body_of(r) == {"lang": lang, "count": "3", "user": "al\u00efce"}
    assert r.set_cookies == []            # nothing changed

    r = c.get(app + "?do=logout")
    assert r.status == 200
    gone = the_cookie(r)
    assert gone.value == "" and gone.max_age() == 0
    assert c.jar == {}

    r = c.get(app + "?do=show")
    assert body_of(r) == {"lang": lang, "count": "", "user": ""}


def test_three_languages_share_one_session(srv):
    c = srv.client()
    seen = []
    for lang in ("sh", "py", "php", "sh", "php", "py"):
        r = c.get(APPS[lang] + "?do=count")
        assert body_of(r)["lang"] == lang
        seen.append(session_of(the_cookie(r))["count"])
    assert seen == ["1", "2", "3", "4", "5", "6"]


def test_php_cgi_refuses_direct_calls(srv):
    # Only mod_actions' internal redirect may run php-cgi.
    srv.expect_log(r"AH01630: client denied", required=True)
    r = srv.client().get("/php-cgi/php/bridge_app.php?do=count")
    assert r.status == 403
    assert r.set_cookies == []


def test_php_sees_the_session_of_the_first_request(srv):
    # The internal redirect to php-cgi shares the session of the request the
    # client sent; httpd's REDIRECT_* copies of the variables match it.
    c = srv.client()
    c.jar["sessionid"] = marten_codec.encode(KEY, {"count": "41"})
    r = c.get("/php/bridge_app.php?do=count")
    assert body_of(r)["count"] == "41"
    assert session_of(the_cookie(r)) == {"count": "42"}


# --- the environment is exactly the session ----------------------------------

ODD_SESSION = [
    ("a-b.c", "dots and dashes"),
    ("\u00dcn\u00ef", "non-ASCII key"),
    ("user id", "space"),
    ("CamelCase", "case kept"),
    ("quote", "she said \"hi\" \\ o/ \u00e9\u00e8 \u2603"),
    ("tab", "a\tb"),
    ("empty", ""),
]
# "Ü" and "ï" are two UTF-8 bytes each: each byte becomes "_".
ODD_ENV = {
    "MARTEN_SESSION_a_b_c": "dots and dashes",
    "MARTEN_SESSION___n__": "non-ASCII key",
    "MARTEN_SESSION_user_id": "space",
    "MARTEN_SESSION_CamelCase": "case kept",
    "MARTEN_SESSION_quote": "she said \"hi\" \\ o/ \u00e9\u00e8 \u2603",
    "MARTEN_SESSION_tab": "a\tb",
    "MARTEN_SESSION_empty": "",
}


def cgi_env(srv, session=None, query="", path_info="", **kw):
    cookie = None
    if session is not None:
        cookie = {"sessionid": marten_codec.encode(KEY, session)}
    r = srv.client().get("/cgi-bin/env.py" + path_info + query, cookie=cookie,
                         **kw)
    assert r.status == 200, r
    return r, read_env(r.body)


def test_env_is_the_session_with_mangled_names(srv):
    r, env = cgi_env(srv, ODD_SESSION)
    json_text = env.pop("MARTEN_SESSION")
    assert env.pop("MARTEN_SESSIONX") == "kept"
    assert env == ODD_ENV
    # the JSON variable is the session, written the way Crystal writes it
    assert json_text.encode("utf-8") == marten_codec.crystal_json_object(ODD_SESSION)
    assert json.loads(json_text) == dict(ODD_SESSION)
    assert r.set_cookies == []


def test_env_without_a_session(srv):
    r, env = cgi_env(srv)
    assert env == {"MARTEN_SESSION": "{}", "MARTEN_SESSIONX": "kept"}
    assert r.set_cookies == []


def test_env_with_a_bad_cookie_is_empty(srv):
    forged = marten_codec.encode("another-key-of-at-least-32-bytes-xxxxxxxx",
                                 {"admin": "1"})
    r = srv.client().get("/cgi-bin/env.py", cookie={"sessionid": forged})
    assert read_env(r.body) == {"MARTEN_SESSION": "{}", "MARTEN_SESSIONX": "kept"}
    # the unreadable cookie is expired, never replaced by a new one
    assert [c.value for c in r.set_cookies] in ([], [""])
    # logged at debug level only (a warning would fail the test)
    assert any("MS00101" in l and ":debug]" in l for l in srv.test_log_lines())


def test_planted_variables_are_replaced_by_the_session(srv):
    # SetEnv MARTEN_SESSION_admin 1 (mod_env), a mod_rewrite [E=...] and a
    # lower-case variant never survive; a session key of the same name wins.
    _, env = cgi_env(srv, {"admin": "0"}, query="?only=")
    ours = {k: v for k, v in env.items() if k.upper().startswith("MARTEN_SESSION")}
    assert ours == {"MARTEN_SESSION_admin": "0",
                    "MARTEN_SESSION": '{"admin":"0"}',
                    "MARTEN_SESSIONX": "kept"}


def test_deleted_key_is_gone_from_the_next_request(srv):
    c = srv.client()
    c.jar["sessionid"] = marten_codec.encode(KEY, {"a": "1", "b": "2"})
    r = c.get("/cgi-bin/env.py?header=X-Marten-Session-Delete:a")
    # the script saw the session as the request began
    assert read_env(r.body)["MARTEN_SESSION_a"] == "1"
    assert session_of(the_cookie(r)) == {"b": "2"}
    env = read_env(c.get("/cgi-bin/env.py").body)
    assert env == {"MARTEN_SESSION_b": "2", "MARTEN_SESSION": '{"b":"2"}',
                   "MARTEN_SESSIONX": "kept"}


def test_session_keys_differing_in_case(srv):
    # Sessions are apr tables: "k" and "K" are one key, the last value wins.
    _, env = cgi_env(srv, [("k", "lower"), ("K", "upper")])
    ks = [(k, v) for k, v in env.items() if k.lower() == "marten_session_k"]
    assert len(ks) == 1 and ks[0][1] == "upper", env


@pytest.mark.parametrize("pairs", [
    [("a-b", "dash"), ("a_b", "underscore")],
    [("a_b", "underscore"), ("a-b", "dash")],
    [("x", "1"), ("a.b", "dot"), ("a b", "space"), ("y", "2")],
])
def test_keys_that_share_a_variable_name(srv, pairs):
    # Two keys can map to one name: the later key wins, and the variable is
    # there once, for a script and for a module reading the first of a name
    # (mod_headers here, on a static file).
    want = {}
    for k, v in pairs:
        want["MARTEN_SESSION_" + re.sub(r"[^A-Za-z0-9_]", "_", k)] = v
    want["MARTEN_SESSION"] = marten_codec.crystal_json_object(pairs).decode()
    want["MARTEN_SESSIONX"] = "kept"
    r, _ = cgi_env(srv, pairs, query="?raw=1")
    ours = {}
    for line in r.body.decode().split("\n"):
        if line:
            k, _, v = line.partition("=")
            assert k not in ours, r.body
            ours[k] = v
    assert ours == want
    cookie = {"sessionid": marten_codec.encode(KEY, pairs)}
    r = srv.client().get("/static.txt", cookie=cookie)
    assert r.status == 200
    assert r.header("X-Env-A-B") == want["MARTEN_SESSION_a_b"]


def test_env_prefix_names_the_variables(srv):
    pairs = [("user", "ann"), ("a-b", "1")]
    r, env = cgi_env(srv, pairs, query="", path_info="/app?only=APP_SESS")
    assert env == {"APP_SESS_user": "ann", "APP_SESS_a_b": "1",
                   "APP_SESS": marten_codec.crystal_json_object(pairs).decode()}


def test_env_prefix_without_underscore_and_the_empty_key(srv):
    # Prefix "X": the JSON variable is "X", which the empty key would be
    # named too; the JSON is set last and wins, and is there once.
    pairs = [("", "empty"), ("x", "1")]
    r, _ = cgi_env(srv, pairs, path_info="/s?only=X&raw=1")
    lines = [l for l in r.body.decode().split("\n") if l]
    ours = [l for l in lines if l.split("=", 1)[0] in ("X", "Xx")]
    json_text = marten_codec.crystal_json_object(pairs).decode()
    assert sorted(ours) == sorted(["X=" + json_text, "Xx=1"])
    # httpd merges a CGI's duplicate names; mod_headers reads the first of
    # a name, so a second "X" behind the empty key's would show here
    cookie = {"sessionid": marten_codec.encode(KEY, pairs)}
    r = srv.client().get("/static-s.txt", cookie=cookie)
    assert r.status == 200
    assert r.header("X-Env-S") == json_text


@pytest.mark.parametrize("stored, written", [
    # whitespace, escapes a writer need not use, a duplicate key, DEL
    ('{ "a" : "x" }', '{"a":"x"}'),
    ('{"p":"a\\/b","u":"\\u0041"}', '{"p":"a/b","u":"A"}'),
    ('{"a":"1","b":"2","a":"3"}', '{"a":"3","b":"2"}'),
    ('{"d":"x\x7fy"}', '{"d":"x\\u007fy"}'),
    # already as written: passed on as it came
    ('{"k":"v","csrf":"0123456789abcdef"}', '{"k":"v","csrf":"0123456789abcdef"}'),
])
def test_json_variable_is_written_as_crystal_writes_it(srv, stored, written):
    cookie = {"sessionid": marten_codec.encode(KEY, stored)}
    r = srv.client().get("/cgi-bin/env.py", cookie=cookie)
    assert r.status == 200
    assert read_env(r.body)["MARTEN_SESSION"] == written


# --- the access log gets the final values through the notes ------------------

def test_access_log_has_the_user_of_the_login_request(srv):
    c = srv.client()
    tag = "login-log-probe"
    r = c.get(APPS["py"] + "?do=login&user=bob&t=" + tag)
    assert r.status == 303
    line = wait_for_log(srv.path("logs", "bridges_log"), lambda l: tag in l)
    request, status, user, count = line.split("|")
    assert (status, user, count) == ("303", "bob", "-")

    tag = "count-log-probe"
    c.get(APPS["sh"] + "?do=count&t=" + tag)
    line = wait_for_log(srv.path("logs", "bridges_log"), lambda l: tag in l)
    assert line.split("|")[1:] == ["200", "bob", "1"]

    tag = "logout-log-probe"
    c.get(APPS["php"] + "?do=logout&t=" + tag)
    line = wait_for_log(srv.path("logs", "bridges_log"), lambda l: tag in l)
    assert line.split("|")[1:] == ["200", "-", "-"]


# --- redirects from CGI scripts -----------------------------------------------

def q(*headers, **params):
    items = [("header", h) for h in headers] + list(params.items())
    return "/cgi-bin/env.py?" + urllib.parse.urlencode(items)


def test_status_302_with_location_carries_the_cookie(srv):
    r = srv.client().get(q("Location: /elsewhere",
                           "X-Marten-Session-Set: user_id=7",
                           "X-Marten-Session-Cycle-Key: 1", status="302"))
    assert r.status == 302
    assert r.header("Location") == "/elsewhere" or \
        r.header("Location").endswith("/elsewhere")
    assert session_of(the_cookie(r)) == {"user_id": "7"}
    assert leaked(r) == []


def test_local_location_without_status_keeps_the_write_backs(srv):
    c = srv.client()
    c.jar["sessionid"] = marten_codec.encode(KEY, {"before": "1"})
    target = "/cgi-bin/env.py?only=MARTEN_SESSION"
    r = c.get(q("Location: " + target, "X-Marten-Session-Set: after=2"))
    assert r.status == 200
    # the page is the second script's; the first script's write-backs were
    # applied as its request was left, so the second one sees them
    assert read_env(r.body)["MARTEN_SESSION"] == '{"before":"1","after":"2"}'
    assert session_of(the_cookie(r)) == {"before": "1", "after": "2"}
    assert leaked(r) == []


def test_absolute_location_without_status_keeps_the_write_backs(srv):
    # httpd answers with its own 302 page, but the script's headers other
    # than Status, Location and Content-* were stored in err_headers_out
    # (util_script.c), which an error response keeps: the write-backs apply
    # and the cookie goes out with the redirect (docs/bridges.md).
    c = srv.client()
    c.jar["sessionid"] = marten_codec.encode(KEY, {"before": "1"})
    url = "http://127.0.0.1:%d/somewhere" % srv.port
    r = c.get(q("Location: " + url, "X-Marten-Session-Set: after=2",
                "X-Other: kept"))
    assert r.status == 302
    assert r.header("Location") == url
    assert r.header("X-Other") == "kept"
    assert session_of(the_cookie(r)) == {"before": "1", "after": "2"}
    assert leaked(r) == []
    assert read_env(c.get("/cgi-bin/env.py").body)["MARTEN_SESSION"] \
        == '{"before":"1","after":"2"}'


def test_error_status_from_the_script_still_saves(srv):
    r = srv.client().get(q("X-Marten-Session-Set: seen=403", status="403"))
    assert r.status == 403
    assert session_of(the_cookie(r)) == {"seen": "403"}
    assert leaked(r) == []


def test_status_500_saves_nothing(srv):
    c = srv.client()
    c.jar["sessionid"] = marten_codec.encode(KEY, {"before": "1"})
    r = c.get(q("X-Marten-Session-Set: after=2", "X-Marten-Session-Flush: 1",
                status="500"))
    assert r.status == 500
    assert r.set_cookies == []
    assert leaked(r) == []
