"""One session per client request: sub-requests and internal redirects share
it, and it is saved once (exactly one Set-Cookie holding every value)."""

import urllib.parse

import pytest

from common import KEY, decode_cookie, session_on


@pytest.fixture(scope="module")
def server(module_servers):
    conf = session_on(KEY) + """
ErrorDocument 404 /api/set?k=errdoc&v=1
ErrorDocument 410 /api/get?k=a
RewriteEngine On
RewriteRule ^/rewritten/(.*)$ /api/$1 [PT]
"""
    return module_servers(conf, name="subreq", start=True)


def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


def only_session(r):
    cookies = r.cookies_named("sessionid")
    assert len(cookies) == 1, "expected one Set-Cookie, got %r" % r.header_all("Set-Cookie")
    return list(decode_cookie(cookies[0])[0].items())


# --- sub-requests ------------------------------------------------------------------------

def test_value_set_in_subrequest_visible_in_main(server):
    r = server.client().api("subreq", uri=q("/api/set", k="a", v="1"), check="a")
    assert r.status == 200, r
    assert r.header("X-Test-Sub-Status") == "200"
    assert r.header("X-Test-Sub-Rv") == "0"
    assert r.header("X-Test-Found") == "1" and r.body == b"1"
    assert only_session(r) == [("a", "1")]
    assert "cookie" in r.vary


def test_subrequest_adds_to_existing_session(server):
    cl = server.client()
    cl.api("set", k="x", v="9")
    r = cl.api("subreq", uri=q("/api/set", k="a", v="1"), check="x")
    assert r.body == b"9"
    assert only_session(r) == [("x", "9"), ("a", "1")]


def test_subrequest_reads_main_session(server):
    cl = server.client()
    cl.api("set", k="x", v="9")
    r = cl.api("subreq", uri=q("/api/get", k="x"), check="x")
    assert r.header("X-Test-Sub-Status") == "200"
    assert r.body == b"9"
    assert r.header_all("Set-Cookie") == []


def test_flush_in_subrequest(server):
    cl = server.client()
    cl.api("set", k="x", v="9")
    r = cl.api("subreq", uri="/api/flush", check="x")
    assert r.header("X-Test-Found") == "0"
    cookies = r.cookies_named("sessionid")
    assert len(cookies) == 1 and cookies[0].is_deletion(), r.headers


def test_subrequest_through_rewrite(server):
    r = server.client().api("subreq", uri=q("/rewritten/set", k="rw", v="1"), check="rw")
    assert r.header("X-Test-Found") == "1"
    assert only_session(r) == [("rw", "1")]


# --- internal redirects -------------------------------------------------------------------

def test_value_set_before_internal_redirect_visible_after(server):
    r = server.client().api("internal", ("uri", q("/api/get", k="a")), ("k", "a"), ("v", "1"))
    assert r.status == 200, r
    assert r.header("X-Test-Found") == "1" and r.body == b"1"
    assert only_session(r) == [("a", "1")]


def test_both_sides_of_internal_redirect_write(server):
    r = server.client().api("internal", ("uri", q("/api/set", k="b", v="2")),
                            ("k", "a"), ("v", "1"))
    assert r.status == 200, r
    assert only_session(r) == [("a", "1"), ("b", "2")]


def test_internal_redirect_then_subrequest(server):
    target = q("/api/subreq", uri=q("/api/set", k="c", v="3"), check="a")
    r = server.client().api("internal", ("uri", target), ("k", "a"), ("v", "1"))
    assert r.header("X-Test-Found") == "1"
    assert only_session(r) == [("a", "1"), ("c", "3")]


def test_internal_redirect_to_external_redirect(server):
    target = q("/api/set", k="b", v="2", status="302", location="/next")
    r = server.client().api("internal", ("uri", target), ("k", "a"), ("v", "1"))
    assert r.status == 302
    assert r.header("Location").endswith("/next")
    assert only_session(r) == [("a", "1"), ("b", "2")]


def test_internal_redirect_from_existing_session(server):
    cl = server.client()
    cl.api("set", k="x", v="9")
    r = cl.api("internal", ("uri", q("/api/set", k="b", v="2")), ("k", "a"), ("v", "1"))
    assert only_session(r) == [("x", "9"), ("a", "1"), ("b", "2")]


def test_rewrite_passthrough(server):
    cl = server.client()
    r = cl.get(q("/rewritten/set", k="p", v="1"))
    assert r.header("X-Test-Rv") == "0"
    assert only_session(r) == [("p", "1")]
    assert cl.get(q("/rewritten/get", k="p")).body == b"1"


# --- error documents (internal redirect from an error) ----------------------------------

def test_error_document_sets_session(server):
    r = server.client().get("/no-such-file")
    assert r.status == 404
    assert only_session(r) == [("errdoc", "1")]


def test_error_document_after_set(server):
    # the first request sets a, then fails with 410; the error document
    # (an internal redirect) reads a; one cookie carries a
    r = server.client().api("set", k="a", v="1", status="410")
    assert r.status == 410
    assert r.header("X-Test-Found") == "1"
    assert only_session(r) == [("a", "1")]
