"""MartenSessionMaxLifetime and MartenSessionIdleTimeout hold whatever route a
cookie took: a sealed session rewritten once where the Marten format is
written, a cookie a Marten application (or `marten-session encode`) made
with the same key, or an internal redirect from a location without limits.
A Marten cookie carries neither the session's start nor its last request,
so where a limit applies it is not trusted; the session starts over."""

import subprocess
import time

import pytest

import sealed_codec as sc
from common import KEY, handler_location, session_on
from test_400_cli import cli_path

CONF = "\n".join([
    session_on(KEY),
    handler_location("/m"),                              # marten format
    handler_location("/s", "MartenSessionCookieFormat sealed",
                     "MartenSessionMaxLifetime 4"),
    handler_location("/i", "MartenSessionCookieFormat sealed",
                     "MartenSessionIdleTimeout 3",
                     "MartenSessionTouchInterval 60"),
])


@pytest.fixture(scope="module")
def srv(module_servers):
    return module_servers(CONF, name="lifetime-routes", start=True)


def found(r):
    return r.header("X-Test-Found") == "1"


def refused(r):
    """The session was not trusted: empty, and its cookie expired."""
    cookie = r.cookie("sessionid")
    return not found(r) and cookie is not None and cookie.is_deletion()


def test_sealed_session_rewritten_as_marten_keeps_its_max_lifetime(srv):
    cl = srv.client()
    cl.api("set", k="a", v="1", prefix="/s")
    assert sc.decode(KEY, cl.jar["sessionid"])[1]["issued"] > 0
    cl.api("set", k="b", v="2", prefix="/m")    # now a Marten cookie
    time.sleep(4.2)
    r = cl.api("get", k="a", prefix="/s")
    assert refused(r), r.headers


def test_sealed_session_rewritten_as_marten_keeps_its_idle_timeout(srv):
    cl = srv.client()
    cl.api("set", k="a", v="1", prefix="/i")
    cl.api("set", k="b", v="2", prefix="/m")
    time.sleep(3.2)
    r = cl.api("get", k="a", prefix="/i")
    assert refused(r), r.headers


@pytest.mark.parametrize("where", ["/s", "/i"])
def test_cookie_from_a_marten_app_with_the_key_is_not_trusted(srv, ms_env, where):
    # what a Marten application sharing the key would send
    out = subprocess.run([cli_path(ms_env), "encode", '{"user_id":"42"}'],
                         env={"MARTEN_SESSION_SECRET_KEY": KEY},
                         capture_output=True, text=True, timeout=30, check=True)
    value = out.stdout.strip()
    r = srv.client().api("get", k="user_id", prefix=where,
                         request_kw={"cookie": {"sessionid": value}})
    assert refused(r), r.headers


def test_marten_cookie_still_serves_where_no_limit_applies(srv):
    cl = srv.client()
    cl.api("set", k="a", v="1", prefix="/m")
    assert found(cl.api("get", k="a", prefix="/m"))


def test_internal_redirect_into_a_limited_location_holds_the_limit(srv):
    # /m reads the (Marten, so timeless) session, then hands the request to
    # /s: /s must not serve it
    cl = srv.client()
    cl.api("set", k="a", v="1", prefix="/m")
    r = cl.api("internal", ("uri", "/s/get?k=a"), ("k", "b"), ("v", "2"),
               prefix="/m")
    assert r.status == 200, r
    assert not found(r)


def test_new_session_is_not_refused_after_a_redirect(srv):
    # a session begun in this very request starts now: the limit is met
    cl = srv.client()
    r = cl.api("internal", ("uri", "/s/get?k=b"), ("k", "b"), ("v", "2"),
               prefix="/m")
    assert found(r), r.headers


# --- the cookie store named is the cookie store by default ---------------------

@pytest.fixture(scope="module")
def named(module_servers):
    conf = "MartenSessionStore cookie\n" + "\n".join([
        session_on(KEY),
        handler_location("/s", "MartenSessionCookieFormat sealed",
                         "MartenSessionMaxLifetime 4"),
    ])
    return module_servers(conf, name="lifetime-named-cookie", start=True)


def test_named_cookie_store_writes_and_limits_as_the_default(named):
    cl = named.client()
    before = int(time.time())
    r = cl.api("set", k="a", v="1", prefix="/s")
    plain, times = sc.decode(KEY, r.cookie("sessionid").value)
    assert plain == b'{"a":"1"}'           # the times are in the header only
    assert before <= times["issued"] == times["seen"] <= time.time()
    assert times["expires"] == times["issued"] + 4
    time.sleep(4.2)
    assert not found(cl.api("get", k="a", prefix="/s"))
