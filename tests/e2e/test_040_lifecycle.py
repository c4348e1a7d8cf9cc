"""A session's life over requests: persistence, lazy loading, Vary, flush,
cycle_key, direct table edits, error and redirect responses, sessions off."""

import pytest

from common import (APR_ENOTIMPL, KEY, decode_cookie, handler_location,
                    parse_dump, plaintext_of, session_on)
import marten_codec as mc


@pytest.fixture(scope="module")
def server(module_servers):
    conf = session_on(KEY) + handler_location("/off", "MartenSession Off")
    return module_servers(conf, name="lifecycle", start=True)


def session_of(r, name="sessionid"):
    c = r.cookie(name)
    assert c is not None, "no Set-Cookie: %r" % r.headers
    return decode_cookie(c)[0]


def assert_no_cookie(r, name="sessionid"):
    assert r.cookies_named(name) == [], r.headers


# --- persistence -------------------------------------------------------------------

def test_values_persist_across_requests(server):
    cl = server.client()
    r = cl.api("set", k="a", v="1")
    assert r.header("X-Test-Rv") == "0"
    assert session_of(r) == {"a": "1"}
    r = cl.api("get", k="a")
    assert (r.status, r.header("X-Test-Found"), r.body) == (200, "1", b"1")
    r = cl.api("set", k="b", v="2")
    assert list(session_of(r).items()) == [("a", "1"), ("b", "2")]
    r = cl.api("get", k="b")
    assert r.body == b"2"


def test_cookie_among_other_cookies(server):
    value = mc.encode(KEY, {"a": "1"})
    r = server.client().api("get", k="a", request_kw={
        "cookie": "first=1; sessionid=%s; last=2" % value})
    assert r.header("X-Test-Found") == "1" and r.body == b"1"


def test_read_only_request_sends_no_cookie(server):
    cl = server.client()
    cl.api("set", k="a", v="1")
    r = cl.api("get", k="a")
    assert r.header("X-Test-Found") == "1"
    assert_no_cookie(r)
    assert "cookie" in r.vary
    r = cl.api("dump")
    assert_no_cookie(r)


def test_dump_lists_session_in_order(server):
    cl = server.client()
    cl.api("set", ("k", "z"), ("v", "26"), ("k", "a"), ("v", "1"), ("k", "m"), ("v", "x y"))
    r = cl.api("dump", enc="1")
    assert r.header("X-Test-Table") == "1"
    assert r.header("X-Test-Count") == "3"
    assert parse_dump(r.body) == [(b"z", b"26"), (b"a", b"1"), (b"m", b"x y")]
    assert "cookie" in r.vary


# --- lazy loading, Vary --------------------------------------------------------------

def test_read_miss_creates_nothing(server):
    r = server.client().api("get", k="a")
    assert r.status == 200
    assert r.header("X-Test-Found") == "0"
    assert r.header_all("Set-Cookie") == []
    assert "cookie" in r.vary


def test_dump_without_cookie_creates_nothing(server):
    r = server.client().api("dump")
    assert r.header("X-Test-Table") == "1" and r.header("X-Test-Count") == "0"
    assert r.header_all("Set-Cookie") == []
    assert "cookie" in r.vary


def test_noop_no_vary_no_cookie(server):
    r = server.client().api("noop")
    assert r.status == 200
    assert "cookie" not in r.vary
    assert r.header_all("Set-Cookie") == []


def test_noop_with_cookie_no_vary_no_cookie(server):
    cl = server.client()
    cl.api("set", k="a", v="1")
    r = cl.api("noop")
    assert "cookie" not in r.vary
    assert r.header_all("Set-Cookie") == []


def test_static_file_untouched(server):
    cl = server.client()
    cl.api("set", k="a", v="1")
    r = cl.get("/")
    assert r.status == 200
    assert "cookie" not in r.vary
    assert r.header_all("Set-Cookie") == []


@pytest.mark.parametrize("op, params", [
    ("get", {"k": "a"}), ("set", {"k": "a", "v": "1"}), ("delete", {"k": "a"}),
    ("dump", {}), ("table_edit", {"k": "a", "v": "1"}), ("flush", {}),
    ("cycle", {}), ("expires_in", {"s": "60"}), ("browser_close", {"on": "1"}),
])
def test_vary_cookie_when_accessed(server, op, params):
    cl = server.client()
    cl.api("set", k="x", v="1")
    r = cl.api(op, **params)
    assert r.status == 200, r
    assert "cookie" in r.vary, (op, r.headers)


# --- delete / flush ---------------------------------------------------------------------

def test_delete_key(server):
    cl = server.client()
    cl.api("set", ("k", "a"), ("v", "1"), ("k", "b"), ("v", "2"))
    r = cl.api("delete", k="a")
    assert r.header("X-Test-Rv") == "0"
    assert session_of(r) == {"b": "2"}
    assert cl.api("get", k="a").header("X-Test-Found") == "0"


def test_delete_missing_key_is_not_an_error(server):
    cl = server.client()
    cl.api("set", k="a", v="1")
    r = cl.api("delete", k="nope")
    assert r.header("X-Test-Rv") == "0"
    assert cl.api("get", k="a").body == b"1"


def test_deleting_last_key_expires_cookie(server):
    # docs/design.md, "The save decision": the request carried the cookie
    # and the session ends empty
    cl = server.client()
    cl.api("set", k="a", v="1")
    r = cl.api("delete", k="a")
    c = r.cookie("sessionid")
    assert c is not None and c.is_deletion() and c.value == "", r.headers
    assert cl.jar == {}


def test_flush_with_cookie_sends_deletion(server):
    cl = server.client()
    cl.api("set", k="a", v="1")
    r = cl.api("flush")
    assert r.header("X-Test-Rv") == "0"
    c = r.cookie("sessionid")
    assert c is not None, r.headers
    assert c.value == "" and c.attrs.get("max-age") == "0" and c.is_deletion()
    assert cl.jar == {}
    assert cl.api("get", k="a").header("X-Test-Found") == "0"


def test_flush_without_cookie_sends_nothing(server):
    r = server.client().api("flush")
    assert r.header("X-Test-Rv") == "0"
    assert r.header_all("Set-Cookie") == []


# --- cycle_key ------------------------------------------------------------------------

def test_cycle_keeps_data_with_new_cookie(server):
    cl = server.client()
    old = cl.api("set", ("k", "a"), ("v", "1"), ("k", "b"), ("v", "2")).cookie("sessionid")
    r = cl.api("cycle")
    assert r.header("X-Test-Rv") == "0"
    new = r.cookie("sessionid")
    assert new is not None, r.headers
    assert new.value != old.value
    assert plaintext_of(new) == b'{"a":"1","b":"2"}'
    assert cl.api("get", k="b").body == b"2"


# --- direct table edits ------------------------------------------------------------------

def test_table_edit_new_session(server):
    cl = server.client()
    r = cl.api("table_edit", k="a", v="1")
    assert r.header("X-Test-Rv") == "0"
    assert session_of(r) == {"a": "1"}


def test_table_edit_set_and_unset(server):
    cl = server.client()
    cl.api("set", ("k", "a"), ("v", "1"), ("k", "b"), ("v", "2"))
    r = cl.api("table_edit", ("k", "c"), ("v", "3"), ("del", "a"))
    assert r.header("X-Test-Rv") == "0"
    assert list(session_of(r).items()) == [("b", "2"), ("c", "3")]


def test_table_edit_change_value(server):
    cl = server.client()
    cl.api("set", ("k", "a"), ("v", "1"), ("k", "b"), ("v", "2"))
    r = cl.api("table_edit", k="a", v="changed")
    assert plaintext_of(r.cookie("sessionid")) == b'{"a":"changed","b":"2"}'


def test_table_edit_unset_only(server):
    cl = server.client()
    cl.api("set", ("k", "a"), ("v", "1"), ("k", "b"), ("v", "2"))
    r = cl.api("table_edit", ("del", "b"))
    assert session_of(r) == {"a": "1"}


# --- error and redirect responses ----------------------------------------------------------

def test_status_500_saves_nothing(server):
    cl = server.client()
    r = cl.api("set", k="a", v="1", status="500")
    assert r.status == 500
    assert r.header_all("Set-Cookie") == []


def test_status_500_keeps_existing_session(server):
    cl = server.client()
    cl.api("set", k="a", v="1")
    r = cl.api("set", k="a", v="2", status="500")
    assert r.status == 500 and r.header_all("Set-Cookie") == []
    assert cl.api("get", k="a").body == b"1"


def test_redirect_carries_cookie(server):
    cl = server.client()
    r = cl.api("set", k="a", v="1", status="302", location="/x")
    assert r.status == 302
    assert r.header("Location") is not None and r.header("Location").endswith("/x")
    assert session_of(r) == {"a": "1"}


def test_forbidden_carries_cookie(server):
    cl = server.client()
    r = cl.api("set", k="a", v="1", status="403")
    assert r.status == 403
    assert session_of(r) == {"a": "1"}


def test_not_found_carries_cookie(server):
    r = server.client().api("set", k="a", v="1", status="404")
    assert r.status == 404
    assert session_of(r) == {"a": "1"}


def test_flush_on_redirect(server):
    cl = server.client()
    cl.api("set", k="a", v="1")
    r = cl.api("flush", status="303", location="/login")
    assert r.status == 303
    c = r.cookie("sessionid")
    assert c is not None and c.is_deletion(), r.headers


# --- sessions off ------------------------------------------------------------------------

@pytest.mark.parametrize("op, params", [
    ("set", {"k": "a", "v": "1"}), ("delete", {"k": "a"}), ("flush", {}),
    ("cycle", {}), ("expires_in", {"s": "60"}), ("browser_close", {"on": "1"}),
])
def test_mutators_enotimpl_when_off(server, op, params):
    r = server.client().api(op, prefix="/off", **params)
    assert r.status == 200
    assert r.header("X-Test-Rv") == APR_ENOTIMPL
    assert r.header_all("Set-Cookie") == []
    assert "cookie" not in r.vary


def test_getters_null_when_off(server):
    cl = server.client()
    cl.api("set", k="a", v="1")           # a real session cookie in the jar
    r = cl.api("get", prefix="/off", k="a")
    assert r.header("X-Test-Found") == "0"
    r = cl.api("dump", prefix="/off")
    assert r.header("X-Test-Table") == "0"
    r = cl.api("table_edit", prefix="/off", k="b", v="2")
    assert r.header("X-Test-Rv") == APR_ENOTIMPL
    assert r.header_all("Set-Cookie") == [] and "cookie" not in r.vary


# --- size limit (docs/cookie-formats.md) -------------------------------------------------

def test_large_session_under_limit_is_sent_whole(server):
    cl = server.client()
    r = cl.api("set", k="big", v="x" * 900)
    c = r.cookie("sessionid")
    assert c is not None, r.headers
    assert len(c.raw) <= 4096
    assert decode_cookie(c)[0] == {"big": "x" * 900}


def test_oversized_session_never_sent_truncated(server):
    # ~1.1 KB of JSON is the most a 4096-byte cookie holds; 2000 bytes cannot
    # fit. Whether and how the module logs this is its business.
    server.expect_log(r"MS\d{5}", count=None)
    cl = server.client()
    cl.api("set", k="a", v="1")
    r = cl.api("set", k="big", v="y" * 2000)
    assert r.status in (200, 500), r
    for c in r.set_cookies:
        assert len(c.raw) <= 4096, "cookie of %d bytes sent" % len(c.raw)
        if c.value:
            decode_cookie(c)   # never a truncated, undecodable value
    if not r.set_cookies:
        # the client keeps its previous cookie and session
        assert cl.api("get", k="a").body == b"1"
