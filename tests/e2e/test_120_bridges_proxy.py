"""A real proxied application behind mod_proxy_http: it changes the session
with X-Marten-Session-* response headers (each a header of its own, not
joined as with CGI), never shows them to the client, and never receives
them from the client. It gets the session in request headers that the
administrator sets with mod_headers' RequestHeader from the exported
variables (docs/bridges.md).

The backend is the echo server of bridges_util.py: a Python http.server on
a loopback port of its own choosing, started and stopped (by PID) here.
"""

import json
import urllib.parse

import pytest

import marten_codec
from bridges_util import KEY, load_modules, session_of, start_echo_backend

CONF = """
{modules}
MartenSessionSecretKey {key}

<Location "/app/">
    MartenSession On
    MartenSessionEnv On
    MartenSessionHeaders On
    RequestHeader set X-Session "%{{MARTEN_SESSION}}e"
    RequestHeader unset X-Session-User
    RequestHeader set X-Session-User "%{{MARTEN_SESSION_user_id}}e" env=MARTEN_SESSION_user_id
    ProxyPass "http://{backend}/"
</Location>

<Location "/off/">
    MartenSession On
    MartenSessionHeaders Off
    ProxyPass "http://{backend}/"
</Location>
"""


@pytest.fixture(scope="module")
def backend():
    b = start_echo_backend()
    yield b
    b.stop()


@pytest.fixture(scope="module")
def srv(module_servers, ms_env, backend):
    h = module_servers(CONF.format(
        modules=load_modules(ms_env, "proxy", "proxy_http"), key=KEY,
        backend=backend.address), name="bridges-proxy")
    h.start()
    return h


def url(base, *headers, status=None):
    items = [("header", h) for h in headers]
    if status:
        items.append(("status", status))
    return base + "echo?" + urllib.parse.urlencode(items)


def received(resp):
    """The request headers the backend got, as [(name, value)]."""
    return [tuple(kv) for kv in json.loads(resp.body)["headers"]]


def leaked(resp):
    return [(k, v) for k, v in resp.headers
            if k.lower().startswith("x-marten-session")]


def with_session(session):
    return {"sessionid": marten_codec.encode(KEY, session)}


# --- write-backs from the backend ----------------------------------------------

def test_backend_sets_keys_with_separate_headers(srv):
    c = srv.client()
    r = c.get(url("/app/", "X-Marten-Session-Set: user_id=7",
                  "X-Marten-Session-Set: name=B%C3%B6b%2C%20Jr.",
                  "X-Marten-Session-Cycle-Key: 1"))
    assert r.status == 200, r
    assert session_of(r.cookie("sessionid")) == {"user_id": "7",
                                                 "name": "B\u00f6b, Jr."}
    assert leaked(r) == []
    assert "cookie" in r.vary

    r = c.get(url("/app/", "X-Marten-Session-Delete: name",
                  "X-Marten-Session-Set: visits=1"))
    assert session_of(r.cookie("sessionid")) == {"user_id": "7", "visits": "1"}

    r = c.get(url("/app/", "X-Marten-Session-Flush: 1"))
    gone = r.cookie("sessionid")
    assert gone.value == "" and gone.max_age() == 0
    assert leaked(r) == []


def test_backend_redirect_after_login_carries_the_cookie(srv):
    r = srv.client().get(url("/app/", "Location: /app/home",
                             "X-Marten-Session-Set: user_id=42",
                             "X-Marten-Session-Cycle-Key: 1",
                             "X-Marten-Session-Expires-In: 3600", status="303"))
    assert r.status == 303
    c = r.cookie("sessionid")
    assert session_of(c) == {"user_id": "42"}
    assert c.max_age() == 3600
    assert leaked(r) == []


def test_backend_error_status_saves_but_500_does_not(srv):
    r = srv.client().get(url("/app/", "X-Marten-Session-Set: a=1", status="403"))
    assert r.status == 403
    assert session_of(r.cookie("sessionid")) == {"a": "1"}
    r = srv.client().get(url("/app/", "X-Marten-Session-Set: a=1", status="500"),
                         cookie=with_session({"a": "0"}))
    assert r.status == 500
    assert r.set_cookies == [] and leaked(r) == []


def test_backend_malformed_write_back_applies_nothing(srv):
    srv.expect_log(r"\[marten_session:error\] .*MS00401: X-Marten-Session-Set: "
                   r"NUL in key or value; no write-back header of the "
                   r"response for /app/echo was applied", required=True)
    r = srv.client().get(url("/app/", "X-Marten-Session-Flush: 1",
                             "X-Marten-Session-Set: ok=1",
                             "X-Marten-Session-Set: bad=%00"),
                         cookie=with_session({"a": "0"}))
    assert r.status == 200
    assert r.set_cookies == [] and leaked(r) == []


def test_headers_off_strips_and_ignores(srv):
    r = srv.client().get(url("/off/", "X-Marten-Session-Set: a=1",
                             "X-Marten-Session-Flush: 1",
                             "X-Marten-Session-Set: bad=%zz"),
                         cookie=with_session({"a": "0"}))
    assert r.status == 200
    assert r.set_cookies == [] and leaked(r) == []


# --- nothing from the client reaches the backend -------------------------------

CLIENT_HEADERS = {"X-Marten-Session-Set": "admin=1",
                  "X-Marten-Session-Flush": "1",
                  "X-Marten-Session-Whatever": "x",
                  # '_' for '-', any case: the same CGI variable to a script,
                  # and a backend framework may read it as ours
                  "X_Marten_Session_Set": "admin=1",
                  "x_marten-session_cycle_key": "1",
                  "X-MARTEN_SESSION-Expires-In": "9"}


@pytest.mark.parametrize("base", ["/app/", "/off/"])
def test_client_write_back_headers_never_reach_the_backend(srv, base):
    r = srv.client().get(url(base), headers=CLIENT_HEADERS,
                         cookie=with_session({"keep": "1"}))
    assert r.status == 200
    got = received(r)
    assert [k for k, _ in got
            if k.lower().replace("_", "-").startswith("x-marten-session")] == []
    assert ("Cookie" in dict(got))    # the request itself went through
    assert r.set_cookies == [] and leaked(r) == []


def test_client_cannot_pose_as_a_user(srv):
    # RequestHeader unset + set ... env=: a client's X-Session-User never
    # passes, whether or not the variable is set.
    r = srv.client().get(url("/app/"), headers={"X-Session-User": "admin",
                                                "X-Session": '{"user_id":"1"}'})
    got = dict(received(r))
    assert got.get("X-Session-User") is None
    assert got.get("X-Session") != '{"user_id":"1"}'


# --- the session reaches the backend in request headers -------------------------

def test_backend_receives_the_session_json(srv):
    session = {"user_id": "7", "name": "B\u00f6b"}
    r = srv.client().get(url("/app/"), cookie=with_session(session))
    value = dict(received(r)).get("X-Session")
    # http.server decodes header bytes as Latin-1
    assert value is not None
    assert json.loads(value.encode("latin-1").decode("utf-8")) == session


def test_backend_receives_the_user_id(srv):
    r = srv.client().get(url("/app/"), cookie=with_session({"user_id": "7"}))
    assert dict(received(r)).get("X-Session-User") == "7"

