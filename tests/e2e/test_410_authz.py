"""Access control from the session: `Require marten-session KEY [VALUE ...]`.

The classic setup, with no application code in front of the protected part:

    <Location "/app/">
        Require marten-session user_id
        ErrorDocument 401 /cgi-bin/login.py
    </Location>

A visitor without user_id in the session gets a 401 whose body is the login
CGI's page; the login CGI sets user_id with write-back headers and sends the
visitor back; then access is granted. A session with the key but another
value than the Require line lists gets a 403. The provider composes with
<RequireAll>, <RequireAny>, <RequireNone> and `Require not`.
"""

import os
import re
import urllib.parse

import pytest

import marten_codec as mc
from common import KEY

LOGIN_CGI = r'''#!/usr/bin/python3
"""Login page for ErrorDocument 401: GET shows a form that posts back here
with the page the visitor wanted; POST puts the name in the session as
user_id and redirects there (303, so the write-backs go out with it)."""
import html, os, sys, urllib.parse

def out(status, headers, body=""):
    sys.stdout.write("\r\n".join(["Status: " + status] + headers) + "\r\n\r\n" + body)

if os.environ.get("REQUEST_METHOD") == "POST":
    n = int(os.environ.get("CONTENT_LENGTH") or 0)
    form = urllib.parse.parse_qs(sys.stdin.read(n))
    name = form.get("name", [""])[0]
    back = form.get("return", ["/"])[0]
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    out("303 See Other", ["Location: " + back,
        "X-Marten-Session-Set: user_id=" + urllib.parse.quote(name, safe=""),
        "X-Marten-Session-Cycle-Key: 1"])
else:
    wanted = os.environ.get("REDIRECT_URL", "/")
    status = os.environ.get("REDIRECT_STATUS", "200")
    out(status + " Login", ["Content-Type: text/html"],
        "<form method=post action=/cgi-bin/login.py>"
        "<input type=hidden name=return value='%s'>"
        "<input name=name><button>Log in</button></form>"
        "<p id=session-user>%s</p>\n"
        % (html.escape(wanted), html.escape(os.environ.get("MARTEN_SESSION_user_id", "-"))))
'''

WHOAMI_CGI = r'''#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
printf 'user=%s role=%s\n' "${MARTEN_SESSION_user_id:--}" "${MARTEN_SESSION_role:--}"
'''

CONF = """
LoadModule authz_host_module %(mods)s/mod_authz_host.so
MartenSessionSecretKey %(key)s
<Location "/">
    MartenSession On
</Location>
<Location "/cgi-bin/">
    MartenSessionEnv On
    MartenSessionHeaders On
</Location>

Alias "/app/" "@ROOT@/htdocs/app/"
<Location "/app/">
    Require marten-session user_id
    ErrorDocument 401 /cgi-bin/login.py
</Location>

# one of several values
<Location "/admin/">
    SetHandler marten-session-test
    Require marten-session role admin root
</Location>

# RequireAny: either key will do
<Location "/any/">
    SetHandler marten-session-test
    <RequireAny>
        Require marten-session role editor
        Require marten-session staff yes
    </RequireAny>
</Location>

# RequireAll with a negation: logged in and not banned
<Location "/members/">
    SetHandler marten-session-test
    <RequireAll>
        Require marten-session user_id
        Require not marten-session banned yes
    </RequireAll>
    ErrorDocument 401 /cgi-bin/login.py
</Location>

# RequireNone inside RequireAll: no "banned" key at all
<Location "/open/">
    SetHandler marten-session-test
    <RequireAll>
        Require all granted
        <RequireNone>
            Require marten-session banned
        </RequireNone>
    </RequireAll>
</Location>

# Require with the env bridge: the CGI sees the session the authz loaded
ScriptAlias "/whoami" "@ROOT@/cgi-bin/whoami.sh"
<Location "/whoami">
    MartenSessionEnv On
    Require marten-session user_id
</Location>

# our provider next to another one: an IP on loopback or a session key
<Location "/ip/">
    SetHandler marten-session-test
    <RequireAny>
        Require ip 127.0.0.1
        Require marten-session user_id
    </RequireAny>
</Location>
"""


def conf(env):
    return CONF % {"key": KEY, "mods": env.modules_dir}


@pytest.fixture(scope="module")
def server(module_servers, ms_env):
    h = module_servers(conf(ms_env), name="authz")
    h.write_file("cgi-bin/login.py", LOGIN_CGI, mode=0o755)
    h.write_file("cgi-bin/whoami.sh", WHOAMI_CGI, mode=0o755)
    h.write_file("htdocs/app/index.html", "<p>the protected app</p>\n")
    h.write_file("htdocs/app/page.html", "<p>another protected page</p>\n")
    h.start()
    return h


def cookie_for(session):
    return {"sessionid": mc.encode(KEY, session)}


def test_no_session_gets_401_and_the_login_page(server):
    c = server.client()
    r = c.get("/app/page.html")
    assert r.status == 401, r
    assert "<form method=post action=/cgi-bin/login.py>" in r.text
    # the login page knows where the visitor wanted to go
    assert "value='/app/page.html'" in r.text
    assert r.set_cookies == []              # nothing created, nothing sent
    assert "cookie" in r.vary               # the answer depends on the cookie
    assert "WWW-Authenticate" not in dict(r.headers)


def test_login_through_the_error_document_then_granted(server):
    c = server.client()
    assert c.get("/app/").status == 401
    r = c.request("POST", "/cgi-bin/login.py",
                  body="name=ada&return=%2Fapp%2Fpage.html",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 303, r
    assert urllib.parse.urlsplit(r.header("Location")).path == "/app/page.html"
    assert mc.decode_session(KEY, r.cookie("sessionid").value)[0] == {"user_id": "ada"}
    r = c.get("/app/page.html")
    assert r.status == 200, r
    assert b"another protected page" in r.body
    assert "cookie" in r.vary
    assert r.set_cookies == []               # read, not changed: no cookie


def test_session_loaded_by_authz_is_the_requests_session(server):
    c = server.client()
    r = c.get("/whoami", cookie=cookie_for({"user_id": "bob", "role": "viewer"}))
    assert r.status == 200, r
    assert r.text == "user=bob role=viewer\n"


def test_a_bad_cookie_is_no_session(server):
    bad = mc.encode("another-key-of-at-least-32-bytes-xxxxxxxx", {"user_id": "eve"})
    r = server.client().get("/app/", cookie={"sessionid": bad})
    assert r.status == 401
    gone = r.cookie("sessionid")          # the unusable cookie is expired
    assert gone is not None and gone.is_deletion()


def test_one_of_several_values(server):
    c = server.client()
    for role in ("admin", "root"):
        r = c.api("get", prefix="/admin", k="role",
                  request_kw={"cookie": cookie_for({"role": role})})
        assert r.status == 200, (role, r)
        assert r.body == role.encode()


def test_another_value_is_403(server):
    server.expect_log(r"AH01630: client denied by server configuration")
    r = server.client().api("get", prefix="/admin", k="role",
                            request_kw={"cookie": cookie_for({"role": "viewer"})})
    assert r.status == 403, r


def test_value_comparison_is_exact(server):
    server.expect_log(r"AH01630", count=2)
    c = server.client()
    for role in ("Admin", "admin "):
        r = c.api("get", prefix="/admin", k="role",
                  request_kw={"cookie": cookie_for({"role": role})})
        assert r.status == 403, (role, r)


def test_key_missing_is_401_even_with_values(server):
    r = server.client().api("get", prefix="/admin", k="role",
                            request_kw={"cookie": cookie_for({"user_id": "x"})})
    assert r.status == 401, r


def test_require_any(server):
    c = server.client()
    ok1 = c.api("noop", prefix="/any", request_kw={"cookie": cookie_for({"role": "editor"})})
    ok2 = c.api("noop", prefix="/any", request_kw={"cookie": cookie_for({"staff": "yes"})})
    assert (ok1.status, ok2.status) == (200, 200), (ok1, ok2)
    none = c.api("noop", prefix="/any")
    assert none.status == 401, none


def test_require_all_with_not(server):
    server.expect_log(r"AH01630")
    c = server.client()
    r = c.api("noop", prefix="/members", request_kw={"cookie": cookie_for({"user_id": "a"})})
    assert r.status == 200, r
    r = c.api("noop", prefix="/members",
              request_kw={"cookie": cookie_for({"user_id": "a", "banned": "no"})})
    assert r.status == 200, r
    r = c.api("noop", prefix="/members",
              request_kw={"cookie": cookie_for({"user_id": "a", "banned": "yes"})})
    assert r.status == 403, r
    # not logged in: the login page, not a 403
    r = c.api("noop", prefix="/members")
    assert r.status == 401, r
    assert "action=/cgi-bin/login.py" in r.text


def test_require_none_missing_key_never_asks_for_login(server):
    server.expect_log(r"AH01630")
    c = server.client()
    assert c.api("noop", prefix="/open").status == 200
    r = c.api("noop", prefix="/open", request_kw={"cookie": cookie_for({"banned": "1"})})
    assert r.status == 403, r


def test_with_another_provider(server):
    # Require ip 127.0.0.1 grants: no session needed, none read
    r = server.client().api("noop", prefix="/ip")
    assert r.status == 200, r


def test_require_without_a_key_is_a_config_error(server, ms_env):
    rc, out = server.check_config(
        conf(ms_env) + '<Location "/x/">\n    Require marten-session\n</Location>\n')
    assert rc != 0
    assert "Require marten-session needs a session key" in out, out


def test_require_where_sessions_are_off(servers):
    h = servers("""
MartenSessionSecretKey %s
<Location "/off/">
    SetHandler marten-session-test
    Require marten-session user_id
</Location>
""" % KEY, name="authz-off", start=True)
    h.expect_log(r"MS00801: Require marten-session user_id: MartenSession is Off",
                 required=True)
    r = h.client().api("noop", prefix="/off")
    assert r.status == 500, r


def test_with_auth_basic_the_basic_challenge_comes(servers, ms_env):
    """With an AuthType, authentication is that module's: a missing key
    gets its challenge, not our bare 401."""
    h = servers("""
LoadModule auth_basic_module %(mods)s/mod_auth_basic.so
LoadModule authn_core_module %(mods)s/mod_authn_core.so
LoadModule authn_file_module %(mods)s/mod_authn_file.so
LoadModule authz_user_module %(mods)s/mod_authz_user.so
MartenSessionSecretKey %(key)s
<Location "/">
    MartenSession On
</Location>
<Location "/both/">
    SetHandler marten-session-test
    AuthType Basic
    AuthName "staff"
    AuthUserFile "@ROOT@/conf/htpasswd"
    <RequireAny>
        Require valid-user
        Require marten-session user_id
    </RequireAny>
</Location>
""" % {"mods": ms_env.modules_dir, "key": KEY}, name="authz-basic")
    # user "u", password "p" (SHA1 form, which mod_authn_file reads)
    h.write_file("conf/htpasswd", "u:{SHA}UWuXg/ylF+7L0dBk2i0WUxCxl1k=\n")
    h.start()
    c = h.client()
    r = c.api("noop", prefix="/both")
    assert r.status == 401
    assert re.match(r'Basic realm="staff"', r.header("WWW-Authenticate") or ""), r
    assert c.api("noop", prefix="/both",
                 request_kw={"cookie": cookie_for({"user_id": "a"})}).status == 200


# --- the README's setup, as shown ---------------------------------------------

README = os.path.join(os.environ.get("MS_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")), "README.md")


def readme_tested_blocks():
    """The fenced blocks that follow a '<!-- tested: tests/e2e/test_410_authz.py'
    comment in README.md: {info string: text}."""
    with open(README, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = {}
    for i, line in enumerate(lines):
        if line.startswith("<!-- tested: tests/e2e/test_410_authz.py"):
            assert lines[i + 1].startswith("```"), "no fence after README line %d" % (i + 1)
            info = lines[i + 1][3:].strip()
            j = lines.index("```", i + 2)
            blocks[info] = "\n".join(lines[i + 2:j]) + "\n"
    return blocks


@pytest.fixture(scope="module")
def readme_server(module_servers):
    blocks = readme_tested_blocks()
    assert set(blocks) == {"apache", "python"}, blocks.keys()
    h = module_servers("", name="authz-readme")
    keyfile = h.write_file("conf/marten-session.key", KEY + "\n", mode=0o600)
    login = h.write_file("login/login.py", blocks["python"], mode=0o755)
    conf = blocks["apache"]
    for path in ("/etc/apache2/marten-session.key", "/usr/local/lib/marten-login/login.py"):
        assert path in conf
    conf = conf.replace("/etc/apache2/marten-session.key", keyfile)
    conf = conf.replace("/usr/local/lib/marten-login/login.py", login)
    h.snippet = conf + '<Directory "@ROOT@/login">\n    Require all granted\n</Directory>\n'
    h.write_file("htdocs/app/page.html", "<p>members only</p>\n")
    h.start()
    return h


def test_readme_setup(readme_server):
    c = readme_server.client()
    r = c.get("/app/page.html")
    assert r.status == 401, r
    assert "<form method=post action=/login/>" in r.text
    assert "name=back value='/app/page.html'" in r.text
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = c.request("POST", "/login/", body="name=Ada+L%C3%B6w&back=%2Fapp%2Fpage.html",
                  headers=form)
    assert r.status == 303, r
    assert urllib.parse.urlsplit(r.header("Location")).path == "/app/page.html"
    assert mc.decode_session(KEY, r.cookie("sessionid").value)[0] == {
        "user_id": "Ada L\u00f6w"}
    r = c.get("/app/page.html")
    assert r.status == 200 and b"members only" in r.body, r
    # the login page on its own, and no redirect off the site
    assert c.get("/login/").status == 200
    r = c.request("POST", "/login/", body="name=x&back=%2F%2Fevil.example%2F", headers=form)
    assert urllib.parse.urlsplit(r.header("Location")).netloc in ("", "127.0.0.1:%d"
                                                                 % readme_server.port)
    assert urllib.parse.urlsplit(r.header("Location")).path == "/"
