"""Each location's configuration is a trust boundary, whatever route a
request took to get there: internal redirects (a CGI's local Location, an
ErrorDocument after ProxyErrorOverride), sub-requests (mod_include, another
module's) and authorization after a redirect.

- A write-back header counts only when the request whose handler emitted it
  had MartenSessionHeaders On in its own configuration.
- Require marten-session grants only from a session read under the cookie
  name of the location it protects.
- A session first touched in a sub-request is saved.
"""

import urllib.parse

import pytest

import marten_codec
from bridges_util import KEY, load_modules, session_of

CONF = """
{modules}
MartenSessionSecretKey {key}

# the scripts of cgi-bin under three names
ScriptAlias "/untrusted/" "@ROOT@/cgi-bin/"
<Location "/untrusted/">
    MartenSession On
    MartenSessionHeaders Off
</Location>
ScriptAlias "/cgi/" "@ROOT@/cgi-bin/"
<Location "/cgi/">
    MartenSession On
    MartenSessionEnv On
    MartenSessionHeaders On
</Location>
ScriptAlias "/backend/" "@ROOT@/cgi-bin/"

<Location "/admin/">
    MartenSession On
    Require marten-session role admin
</Location>
<Location "/api">
    MartenSession On
</Location>

# a backend in a location that may not write the session, its errors
# replaced by an ErrorDocument script in one that may
<Location "/proxied/">
    MartenSession On
    MartenSessionHeaders Off
    ProxyPass "http://127.0.0.1:@PORT@/backend/"
    ProxyErrorOverride On
    ErrorDocument 404 /cgi/env.py
</Location>

# another cookie name: its session must not open /admin/
<Location "/pub/">
    MartenSession On
    MartenSessionCookieName pubsid
    SetHandler marten-session-test
</Location>

# sessions off here: a sub-request into /api begins the session
<Location "/plain/">
    SetHandler marten-session-test
</Location>

# server-side includes, with and without sessions on the page itself
<Directory "@ROOT@/htdocs/ssi">
    Options +Includes
    AddOutputFilter INCLUDES .shtml
</Directory>
<Location "/ssi/on/">
    MartenSession On
</Location>
""".format(modules="@MODULES@", key=KEY)

ADMIN_SET = "X-Marten-Session-Set: role=admin"


@pytest.fixture(scope="module")
def srv(module_servers):
    h = module_servers("", name="trust-routes")
    conf = CONF.replace("@MODULES@", load_modules(
        h.env, "proxy", "proxy_http", "include"))
    h.snippet = conf
    for sub in ("on", "off"):
        h.write_file("htdocs/ssi/%s/page.shtml" % sub,
                     '<!--#include virtual="/api/set?k=ssi&v=1" -->\nafter\n')
    h.write_file("htdocs/admin/index.html", "admin area\n")
    h.start()
    return h


def env_url(base, *headers, **params):
    items = [("header", x) for x in headers] + list(params.items())
    return base + "env.py?" + urllib.parse.urlencode(items)


def cookie_session(r, name="sessionid"):
    cookies = r.cookies_named(name)
    return session_of(cookies[-1]) if cookies else None


# --- write-back trust follows the emitting request --------------------------------

def test_redirect_from_untrusted_script_into_trusted_location(srv):
    cl = srv.client()
    r = cl.get(env_url("/untrusted/", "Location: /cgi/env.py", ADMIN_SET))
    assert r.status == 200, r
    session = cookie_session(r)
    assert session is None or "role" not in session, r.headers
    assert [k for k, _ in r.headers if k.lower().startswith("x-marten")] == []
    assert cl.get("/admin/").status == 401


def test_redirect_from_trusted_script_still_writes(srv):
    # the rule cuts both ways: the emitting request's On counts even when the
    # redirect lands in a location that does not accept write-backs
    cl = srv.client()
    r = cl.get(env_url("/cgi/", "Location: /untrusted/env.py", ADMIN_SET))
    assert r.status == 200, r
    assert cookie_session(r) == {"role": "admin"}
    assert cl.get("/admin/").status == 200


def test_proxied_error_with_error_document_in_trusted_location(srv):
    cl = srv.client()
    r = cl.get(env_url("/proxied/", ADMIN_SET, status="404"))
    assert r.status == 404, r
    session = cookie_session(r)
    assert session is None or "role" not in session, r.headers
    assert cl.get("/admin/").status == 401


def test_trusted_error_document_itself_still_writes(srv):
    # the ErrorDocument script's own write-backs are judged by /cgi/: On
    cl = srv.client()
    r = cl.get(env_url("/cgi/", ADMIN_SET, status="404"))
    assert r.status == 404
    assert cookie_session(r) == {"role": "admin"}


# --- authorization reads the session under the location's own cookie --------------

def test_other_cookie_name_does_not_open_admin_through_a_redirect(srv):
    pub = marten_codec.encode(KEY, {"role": "admin"})
    cl = srv.client()
    assert cl.get("/admin/", cookie={"pubsid": pub}).status == 401
    # /pub reads (and changes) its pubsid session, then redirects
    r = cl.api("internal", ("uri", "/admin/"), ("k", "x"), ("v", "1"),
               prefix="/pub", request_kw={"cookie": {"pubsid": pub}})
    assert r.status == 401, r


def test_own_cookie_opens_admin_through_a_redirect(srv):
    sid = marten_codec.encode(KEY, {"role": "admin"})
    r = srv.client().api("internal", ("uri", "/admin/"), ("k", "x"), ("v", "1"),
                         prefix="/pub",
                         request_kw={"cookie": {"sessionid": sid}})
    assert r.status == 200, r


# --- a session first touched in a sub-request -------------------------------------

def test_mod_include_subrequest_begins_the_session(srv):
    # the page's location has sessions on but the page never touches them;
    # mod_include passes an empty brigade before it runs the include
    r = srv.client().get("/ssi/on/page.shtml")
    assert r.status == 200, r
    assert b"after" in r.body
    assert cookie_session(r) == {"ssi": "1"}, r.headers
    assert "cookie" in r.vary


def test_include_into_a_page_without_sessions_says_it_is_too_late(srv):
    # with sessions off for the page, its headers left before the include
    # ran: nothing can carry the session, and the log says so
    srv.expect_log(r"MS00205: the session changed after the response headers "
                   r"of /ssi/off/page\.shtml were sent; the change is not saved",
                   required=True)
    r = srv.client().get("/ssi/off/page.shtml")
    assert r.status == 200, r
    assert b"after" in r.body
    assert r.set_cookies == []


def test_other_modules_subrequest_begins_the_session(srv):
    r = srv.client().api("subreq", uri="/api/set?k=a&v=1", prefix="/plain")
    assert r.status == 200, r
    assert r.header("X-Test-Sub-Status") == "200"
    assert cookie_session(r) == {"a": "1"}, r.headers
