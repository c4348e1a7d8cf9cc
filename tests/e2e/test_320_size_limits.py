"""Cookie size limits: a session that would not fit is never sent cut short.
marten_session_set() answers APR_ENOSPC and leaves the session as it was; a
response's write-back headers that would overflow apply none of them; the
client keeps its previous cookie; MS00202 gives the size and the limit.
MartenSessionCookieChunks spreads a session over <name>, <name>_1, ...;
surplus chunks are expired, and a set with a chunk missing, one extra or
two swapped is an empty session."""

import json
import time
import urllib.parse

import pytest

import sealed_codec as sc
from common import KEY, APR_SUCCESS, handler_location

APR_ENOSPC = "28"

CONF = "\n".join([
    # browsers send all cookies in one Cookie header: three full chunks
    # need more than httpd's default 8190 bytes for a request header
    "LimitRequestFieldSize 16384",
    "MartenSessionSecretKey %s" % KEY,
    "<Location /api>\n    MartenSession On\n"
    "    MartenSessionCookieFormat sealed\n</Location>",
    '<Location "/cgi-bin/">\n    MartenSession On\n    MartenSessionEnv On\n'
    "    MartenSessionHeaders On\n    MartenSessionCookieFormat sealed\n"
    "</Location>",
    handler_location("/chunk", "MartenSession On",
                     "MartenSessionCookieFormat sealed",
                     "MartenSessionCookieName big",
                     "MartenSessionCookieChunks 3"),
])

MS00202 = r"MS00202: the session cookie would be \d+ bytes"


@pytest.fixture(scope="module")
def srv(module_servers):
    return module_servers(CONF, name="limits", start=True)


def sealed(data, key=KEY):
    now = int(time.time())
    return sc.encode(key, json.dumps(data, separators=(",", ":")).encode(),
                     now, now, now + 600)


def session_from(value):
    return json.loads(sc.decode(KEY, value)[0])


# --- the API ---------------------------------------------------------------------

def test_set_answers_enospc_and_applies_nothing(srv):
    cl = srv.client()
    r = cl.api("set", k="k1", v="x" * 2000)
    assert r.header("X-Test-Rv") == APR_SUCCESS
    kept = cl.jar["sessionid"]
    r = cl.api("set", k="k2", v="y" * 1500)
    assert r.header("X-Test-Rv") == APR_ENOSPC
    assert r.set_cookies == []                 # nothing changed, nothing sent
    assert cl.jar["sessionid"] == kept
    assert session_from(kept) == {"k1": "x" * 2000}
    r = cl.api("dump", enc="1")
    assert r.header("X-Test-Count") == "1"


def test_enospc_keeps_the_previous_value_and_earlier_sets(srv):
    cl = srv.client()
    cl.api("set", k="a", v="short")
    # in one request: b fits, then a too large value for a is refused
    r = cl.api("set", ("k", "b"), ("v", "2"), ("k", "a"), ("v", "z" * 3000))
    assert r.header("X-Test-Rv") == APR_ENOSPC
    assert session_from(r.cookie("sessionid").value) == {"a": "short", "b": "2"}


def largest_value_that_fits(srv):
    """The longest value a fresh session can hold under the default
    lifetime: its Set-Cookie header is then within a byte of the limit."""
    lo, hi = 100, 4000
    while hi - lo > 1:
        mid = (lo + hi) // 2
        r = srv.client().api("set", k="k", v="x" * mid)
        if r.header("X-Test-Rv") == APR_SUCCESS:
            lo = mid
        else:
            assert r.header("X-Test-Rv") == APR_ENOSPC
            hi = mid
    return lo


def test_longer_lifetime_that_would_overflow_answers_enospc(srv):
    cl = srv.client()
    n = largest_value_that_fits(srv)
    r = cl.api("set", k="k", v="x" * n)
    assert r.header("X-Test-Rv") == APR_SUCCESS
    assert r.cookie("sessionid").attrs["max-age"] == "1209600"
    kept = cl.jar["sessionid"]
    # Max-Age=3153600000 is three digits longer than Max-Age=1209600
    r = cl.api("expires_in", s="3153600000")
    assert r.header("X-Test-Rv") == APR_ENOSPC
    assert r.set_cookies == []
    assert cl.jar["sessionid"] == kept
    # a shorter one fits, and is the one sent
    r = cl.api("expires_in", s="60")
    assert r.header("X-Test-Rv") == APR_SUCCESS
    assert r.cookie("sessionid").attrs["max-age"] == "60"
    assert session_from(r.cookie("sessionid").value) == {"k": "x" * n}
    srv.expect_log(MS00202, required=False)


# --- write-back headers -------------------------------------------------------------

def env_url(*headers):
    return "/cgi-bin/env.py?" + urllib.parse.urlencode(
        [("header", h) for h in headers])


def test_overflowing_write_back_applies_nothing(srv):
    srv.expect_log(MS00202 + r".*none of this response's write-back headers "
                   r"was applied, the client keeps its previous cookie "
                   r"\(/cgi-bin/env\.py\)", required=True)
    old = sealed({"keep": "1"})
    r = srv.client().get(env_url("X-Marten-Session-Delete: keep",
                                 "X-Marten-Session-Set: big=" + "v" * 3000),
                         cookie={"sessionid": old})
    assert r.status == 200
    assert r.set_cookies == []                 # the client keeps its cookie


def test_fitting_write_back_applies(srv):
    r = srv.client().get(env_url("X-Marten-Session-Delete: keep",
                                 "X-Marten-Session-Set: big=" + "v" * 2000),
                         cookie={"sessionid": sealed({"keep": "1"})})
    assert session_from(r.cookie("sessionid").value) == {"big": "v" * 2000}


# --- chunks ------------------------------------------------------------------------------

def chunks_of(r):
    return {c.name: c for c in r.set_cookies}


def joined(cookies, n):
    first = cookies["big"].value
    assert first.startswith("%d:" % n), first[:4]
    return first[2:] + "".join(cookies["big_%d" % i].value for i in range(1, n))


def test_chunks_write_and_read(srv):
    cl = srv.client()
    r = cl.api("set", k="a", v="x" * 5000, prefix="/chunk")
    assert r.header("X-Test-Rv") == APR_SUCCESS
    cs = chunks_of(r)
    assert sorted(cs) == ["big", "big_1"]
    assert all(len(h) <= 4096 for h in r.header_all("Set-Cookie"))
    assert session_from(joined(cs, 2)) == {"a": "x" * 5000}
    r = cl.api("get", k="a", prefix="/chunk")
    assert r.body == b"x" * 5000


def test_chunks_shrink_expires_the_surplus(srv):
    cl = srv.client()
    cl.api("set", ("k", "a"), ("v", "x" * 4000), ("k", "b"), ("v", "y" * 3500),
           prefix="/chunk")
    assert sorted(cl.jar) == ["big", "big_1", "big_2"]
    r = cl.api("delete", k="b", prefix="/chunk")
    cs = chunks_of(r)
    assert sorted(cs) == ["big", "big_1", "big_2"]
    assert cs["big_2"].is_deletion() and not cs["big_1"].is_deletion()
    assert sorted(cl.jar) == ["big", "big_1"]
    r = cl.api("set", k="a", v="small", prefix="/chunk")
    cs = chunks_of(r)
    assert cs["big_1"].is_deletion() and not cs["big"].value[:2] == "2:"
    assert list(cl.jar) == ["big"]
    assert session_from(cl.jar["big"]) == {"a": "small"}


def test_chunks_flush_expires_all(srv):
    cl = srv.client()
    cl.api("set", k="a", v="x" * 5000, prefix="/chunk")
    r = cl.api("flush", prefix="/chunk")
    assert sorted(chunks_of(r)) == ["big", "big_1"]
    assert all(c.is_deletion() for c in r.set_cookies)


@pytest.fixture
def three(srv):
    cl = srv.client()
    cl.api("set", ("k", "a"), ("v", "x" * 4000), ("k", "b"), ("v", "y" * 3500),
           prefix="/chunk")
    assert sorted(cl.jar) == ["big", "big_1", "big_2"]
    return dict(cl.jar)


def read_with(srv, jar):
    r = srv.client().api("get", k="a", prefix="/chunk", request_kw={"cookie": jar})
    return r.header("X-Test-Found") == "1", r


def test_complete_chunk_set_reads(srv, three):
    assert read_with(srv, three)[0]


def test_missing_chunk_is_empty(srv, three):
    for gone in ("big_1", "big_2"):
        jar = {k: v for k, v in three.items() if k != gone}
        ok, r = read_with(srv, jar)
        assert not ok, gone
        assert chunks_of(r)["big"].is_deletion()


def test_extra_chunk_is_empty(srv, three):
    jar = dict(three, big_3="stale")
    # big_3 is beyond MartenSessionCookieChunks 3: not ours, ignored
    assert read_with(srv, jar)[0]
    two = srv.client()
    two.api("set", k="a", v="x" * 5000, prefix="/chunk")
    jar = dict(two.jar, big_2=three["big_2"])  # a stale third chunk
    assert not read_with(srv, jar)[0]


def test_reordered_chunks_are_empty(srv, three):
    swapped = dict(three, big_1=three["big_2"], big_2=three["big_1"])
    assert not read_with(srv, swapped)[0]
    swapped = dict(three, big=three["big_1"], big_1=three["big"])
    assert not read_with(srv, swapped)[0]


def test_chunked_session_that_cannot_fit_is_refused(srv):
    cl = srv.client()
    assert cl.api("set", k="a", v="x" * 4000, prefix="/chunk").header(
        "X-Test-Rv") == APR_SUCCESS
    assert cl.api("set", k="b", v="x" * 4000, prefix="/chunk").header(
        "X-Test-Rv") == APR_SUCCESS
    r = cl.api("set", k="c", v="x" * 2000, prefix="/chunk")
    assert r.header("X-Test-Rv") == APR_ENOSPC
    assert r.set_cookies == []
