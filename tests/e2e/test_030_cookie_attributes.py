"""The Set-Cookie header: attributes, their order, expiry, and the value
(decoded with the Python codec: Marten's format, Crystal's JSON).

    NAME=VALUE; Path=/; [Domain=D; ]Expires=<IMF-fixdate>; Max-Age=N; [Secure; ][HttpOnly; ][SameSite=X]
"""

import datetime as dt

import pytest

import httpd as H
import marten_codec as mc
from common import (KEY, DEFAULT_MAX_AGE, UTC, assert_time_near, decode_cookie,
                    handler_location, plaintext_of, session_on)

VARIANTS = {
    # prefix: (cookie name, directives)
    "/strict": ("strict_sid", ["MartenSessionCookieSameSite Strict"]),
    "/none": ("none_sid", ["MartenSessionCookieSecure On",
                           "MartenSessionCookieSameSite None"]),
    "/nosamesite": ("nosamesite_sid", ["MartenSessionCookieSameSite Off"]),
    "/nohttponly": ("nohttponly_sid", ["MartenSessionCookieHttpOnly Off"]),
    "/domain": ("domain_sid", ["MartenSessionCookieDomain example.org"]),
    "/allattrs": ("all_sid", ["MartenSessionCookieDomain example.org",
                              "MartenSessionCookieSecure On",
                              "MartenSessionCookieSameSite Strict"]),
    "/pathed": ("path_sid", ["MartenSessionCookiePath /pathed"]),
    "/short": ("short_sid", ["MartenSessionCookieMaxAge 60"]),
}


def _conf():
    parts = [session_on(KEY)]
    for prefix, (name, directives) in VARIANTS.items():
        parts.append(handler_location(
            prefix, "MartenSessionCookieName %s" % name, *directives))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def server(module_servers):
    return module_servers(_conf(), name="attrs", start=True)


def set_value(server, prefix="/api", name="sessionid", client=None, **kv):
    c = client or server.client()
    kv = kv or {"k": "a", "v": "1"}
    r = c.api("set", prefix=prefix, **kv)
    assert r.status == 200, r
    assert r.header("X-Test-Rv") == "0", r
    cookie = r.cookie(name)
    assert cookie is not None, "no Set-Cookie for %s: %r" % (name, r.headers)
    return r, cookie


def check_layout(cookie, expected_order):
    """'; '-separated, attribute names in the expected order (names compared
    without regard to case), no stray whitespace."""
    parts = cookie.raw.split("; ")
    assert parts[0] == "%s=%s" % (cookie.name, cookie.value)
    assert all(p == p.strip() and p for p in parts), cookie.raw
    assert cookie.order == expected_order, cookie.raw


def check_expiry(r, cookie, max_age):
    assert H.IMF_FIXDATE.match(cookie.attrs["expires"]), cookie.raw
    assert cookie.max_age() == max_age, cookie.raw
    assert_time_near(cookie.expires(), r.started + max_age - 1,
                     r.finished + max_age, "Expires")
    _, envelope = decode_cookie(cookie)
    assert envelope is not None
    assert int(envelope.timestamp()) == int(cookie.expires().timestamp()), (
        "envelope expiry %s != Expires %s" % (envelope, cookie.attrs["expires"]))


# --- defaults -------------------------------------------------------------------

def test_default_attributes_and_order(server):
    r, c = set_value(server)
    assert len(r.header_all("Set-Cookie")) == 1, r.headers
    check_layout(c, ["path", "expires", "max-age", "httponly", "samesite"])
    assert c.attrs["path"] == "/"
    assert c.attrs["samesite"] == "Lax"
    assert c.flags == {"httponly"}
    assert "domain" not in c.attrs


def test_default_expiry_is_two_weeks_and_matches_envelope(server):
    r, c = set_value(server)
    check_expiry(r, c, DEFAULT_MAX_AGE)


def test_value_is_marten_cookie_with_first_key(server):
    r, c = set_value(server, k="user_id", v="42")
    assert plaintext_of(c) == b'{"user_id":"42"}'
    # the value is made of cookie-octets only, never quoted
    assert all(ch.isalnum() or ch in "+/=-" for ch in c.value), c.value


def test_new_iv_every_save(server):
    _, c1 = set_value(server)
    _, c2 = set_value(server)
    assert c1.value != c2.value
    assert plaintext_of(c1) == plaintext_of(c2)


def test_insertion_order_kept(server):
    cl = server.client()
    set_value(server, client=cl, k="b", v="2")
    r = cl.api("set", ("k", "a"), ("v", "1"), ("k", "c"), ("v", "3"))
    assert plaintext_of(r.cookie("sessionid")) == b'{"b":"2","a":"1","c":"3"}'
    # updating a key keeps its position (Crystal Hash semantics)
    r = cl.api("set", k="a", v="9")
    assert plaintext_of(r.cookie("sessionid")) == b'{"b":"2","a":"9","c":"3"}'


SPECIAL = [
    ("quote", 'he said "hi"'),
    ("backslash", "C:\\path\\to\\"),
    ("newlines", "line1\nline2\r\n\ttab"),
    ("controls", "\x01\x08\x0c\x1b\x1f\x7f"),
    ("html", "</script> & <b>"),
    ("unicode", "Zo\u00eb \u65e5\u672c\u8a9e \U0001F600 \u2028\u2029\ufeff \u0080"),
    ('k"ey\\', "odd key"),
    ("empty", ""),
]


def test_json_is_crystal_byte_exact(server):
    pairs = []
    for k, v in SPECIAL:
        pairs += [("k", k), ("v", v)]
    r = server.client().api("set", *pairs)
    assert r.header("X-Test-Rv") == "0", r
    assert plaintext_of(r.cookie("sessionid")) == mc.crystal_json_object(SPECIAL)


@pytest.mark.parametrize("key, value", SPECIAL, ids=[k for k, _ in SPECIAL])
def test_special_values_read_back(server, key, value):
    cl = server.client()
    set_value(server, client=cl, k=key, v=value)
    r = cl.api("get", k=key)
    assert r.header("X-Test-Found") == "1"
    assert r.body == value.encode("utf-8")


# --- configured attributes ---------------------------------------------------------

def test_samesite_strict(server):
    _, c = set_value(server, "/strict", "strict_sid")
    check_layout(c, ["path", "expires", "max-age", "httponly", "samesite"])
    assert c.attrs["samesite"] == "Strict"


def test_samesite_none_with_secure(server):
    _, c = set_value(server, "/none", "none_sid")
    check_layout(c, ["path", "expires", "max-age", "secure", "httponly", "samesite"])
    assert c.attrs["samesite"] == "None"
    assert c.flags == {"secure", "httponly"}


def test_samesite_off_omits_attribute(server):
    _, c = set_value(server, "/nosamesite", "nosamesite_sid")
    check_layout(c, ["path", "expires", "max-age", "httponly"])
    assert "samesite" not in c.attrs


def test_httponly_off(server):
    _, c = set_value(server, "/nohttponly", "nohttponly_sid")
    check_layout(c, ["path", "expires", "max-age", "samesite"])
    assert c.flags == set()


def test_domain_comes_after_path(server):
    _, c = set_value(server, "/domain", "domain_sid")
    check_layout(c, ["path", "domain", "expires", "max-age", "httponly", "samesite"])
    assert c.attrs["domain"] == "example.org"


def test_all_attributes(server):
    r, c = set_value(server, "/allattrs", "all_sid")
    check_layout(c, ["path", "domain", "expires", "max-age", "secure", "httponly",
                     "samesite"])
    assert c.attrs == {"path": "/", "domain": "example.org",
                       "expires": c.attrs["expires"], "max-age": str(DEFAULT_MAX_AGE),
                       "samesite": "Strict"}
    check_expiry(r, c, DEFAULT_MAX_AGE)


def test_cookie_path(server):
    _, c = set_value(server, "/pathed", "path_sid")
    assert c.attrs["path"] == "/pathed"


def test_max_age_setting(server):
    r, c = set_value(server, "/short", "short_sid")
    check_expiry(r, c, 60)


def test_cookie_name_used_for_reading(server):
    cl = server.client()
    set_value(server, "/strict", "strict_sid", cl, k="s", v="strict")
    assert set(cl.jar) == {"strict_sid"}
    r = cl.api("get", prefix="/strict", k="s")
    assert r.header("X-Test-Found") == "1" and r.body == b"strict"
    # the default location's cookie (sessionid) is a different session
    r = cl.api("get", k="s")
    assert r.header("X-Test-Found") == "0"


# --- per-session expiry --------------------------------------------------------------

def test_expires_in(server):
    cl = server.client()
    set_value(server, client=cl)
    r = cl.api("expires_in", s="300")
    assert r.header("X-Test-Rv") == "0", r
    c = r.cookie("sessionid")
    assert c is not None, r.headers
    check_layout(c, ["path", "expires", "max-age", "httponly", "samesite"])
    check_expiry(r, c, 300)
    assert plaintext_of(c) == b'{"a":"1"}'


def test_browser_close(server):
    cl = server.client()
    set_value(server, client=cl)
    r = cl.api("browser_close", on="1")
    assert r.header("X-Test-Rv") == "0", r
    c = r.cookie("sessionid")
    assert c is not None, r.headers
    check_layout(c, ["path", "httponly", "samesite"])
    assert "expires" not in c.attrs and "max-age" not in c.attrs
    session, envelope = decode_cookie(c)
    assert session == {"a": "1"}
    assert_time_near(envelope, r.started + DEFAULT_MAX_AGE - 1,
                     r.finished + DEFAULT_MAX_AGE, "envelope expiry")


# --- the deletion cookie ---------------------------------------------------------------

def check_deletion(r, name, attrs, flags, order):
    c = r.cookie(name)
    assert c is not None, "no deletion cookie: %r" % r.headers
    assert c.value == ""
    check_layout(c, order)
    assert c.attrs.get("max-age") == "0", c.raw
    assert H.IMF_FIXDATE.match(c.attrs.get("expires", "")), c.raw
    assert c.expires() < dt.datetime.fromtimestamp(r.started, UTC), c.raw
    got = {k: v for k, v in c.attrs.items() if k not in ("expires", "max-age")}
    assert got == attrs, c.raw
    assert c.flags == flags, c.raw


def test_flush_deletion_cookie_defaults(server):
    cl = server.client()
    set_value(server, client=cl)
    r = cl.api("flush")
    assert r.header("X-Test-Rv") == "0"
    check_deletion(r, "sessionid", {"path": "/", "samesite": "Lax"}, {"httponly"},
                   ["path", "expires", "max-age", "httponly", "samesite"])
    assert cl.jar == {}


def test_flush_deletion_cookie_keeps_configured_attributes(server):
    cl = server.client()
    set_value(server, "/allattrs", "all_sid", cl)
    r = cl.api("flush", prefix="/allattrs")
    check_deletion(r, "all_sid",
                   {"path": "/", "domain": "example.org", "samesite": "Strict"},
                   {"secure", "httponly"},
                   ["path", "domain", "expires", "max-age", "secure", "httponly",
                    "samesite"])


def test_flush_deletion_cookie_with_path(server):
    cl = server.client()
    set_value(server, "/pathed", "path_sid", cl)
    r = cl.api("flush", prefix="/pathed")
    c = r.cookie("path_sid")
    assert c is not None and c.value == "" and c.attrs["path"] == "/pathed", r.headers
