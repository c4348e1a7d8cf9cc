"""MartenSessionCookieFormat sealed (docs/cookie-formats.md): the module's
cookies decoded with the independent Python codec (sealed_codec.py), every
single-character tamper refused, key ids and rotation, expiry, migration
from Marten cookies, and the capacity of one 4096-byte cookie in each
format (docs/cookie-formats.md, "The sealed format")."""

import json
import time

import pytest

import marten_codec as mc
import sealed_codec as sc
from common import (KEY, OLD_KEY, OTHER_KEY, DEFAULT_MAX_AGE, APR_SUCCESS,
                    handler_location)

APR_ENOSPC = "28"

CONF = """
MartenSessionSecretKey {key} {old}
MartenSession On
MartenSessionCookieFormat sealed
{marten}
""".format(key=KEY, old=OLD_KEY,
           marten=handler_location("/marten", "MartenSessionCookieFormat marten",
                                   "MartenSessionCookieName msid"))


@pytest.fixture(scope="module")
def srv(module_servers):
    return module_servers(CONF, name="sealed", start=True)


@pytest.fixture(scope="module")
def single_key(module_servers):
    """Only KEY: OLD_KEY has been rotated out."""
    return module_servers("MartenSessionSecretKey %s\nMartenSession On\n"
                          "MartenSessionCookieFormat sealed\n" % KEY,
                          name="sealed-1key", start=True)


def session_of(value, keys=(KEY, OLD_KEY)):
    plain, times = sc.decode(list(keys), value)
    return json.loads(plain), times


def get(client, key, cookie=None):
    kw = {} if cookie is None else {"cookie": cookie}
    r = client.api("get", k=key, request_kw=kw)
    return r.body.decode() if r.header("X-Test-Found") == "1" else None, r


# --- the format ------------------------------------------------------------------

def test_cookie_is_sealed_and_decodes_independently(srv):
    r = srv.client().api("set", k="user_id", v="42")
    c = r.cookie("sessionid")
    assert c.value.startswith("S1."), c.value
    assert all(ch.isalnum() or ch in "-_." for ch in c.value)
    data, t = session_of(c.value)
    assert data == {"user_id": "42"}
    assert sc.parse(c.value)[0]["kid"] == sc.key_id(KEY)
    assert r.started - 2 <= t["issued"] == t["seen"] <= r.finished + 1
    assert t["expires"] == t["issued"] + DEFAULT_MAX_AGE
    assert int(c.expires().timestamp()) == t["expires"]
    assert c.max_age() == DEFAULT_MAX_AGE


def test_exact_length_and_fresh_nonce(srv):
    cl = srv.client()
    c1 = cl.api("set", k="a", v="1").cookie("sessionid").value
    c2 = cl.api("set", k="a", v="1").cookie("sessionid").value
    assert c1 != c2
    assert sc.parse(c1)[0]["nonce"] != sc.parse(c2)[0]["nonce"]
    assert len(c1) == sc.encoded_length(len(b'{"a":"1"}'))


def test_python_made_cookie_is_read(srv):
    now = int(time.time())
    v = sc.encode(KEY, b'{"from":"python"}', now - 10, now - 5, now + 600)
    assert get(srv.client(), "from", {"sessionid": v})[0] == "python"


def test_every_single_character_tamper_is_refused(srv):
    now = int(time.time())
    good = sc.encode(KEY, b'{"t":"x"}', now, now, now + 600)
    cl = srv.client()
    assert get(cl, "t", {"sessionid": good})[0] == "x"
    for i in range(len(good)):
        alt = "B" if good[i] != "B" else "C"
        bad = good[:i] + alt + good[i + 1:]
        value, r = get(cl, "t", {"sessionid": bad})
        assert value is None, "tamper at %d accepted" % i
        # the bad cookie is expired in the response, never replaced
        assert r.cookie("sessionid").is_deletion(), r.headers


def test_unknown_key_id_and_wrong_key(srv):
    now = int(time.time())
    other = sc.encode(OTHER_KEY, b'{"a":"1"}', now, now, now + 600)
    assert get(srv.client(), "a", {"sessionid": other})[0] is None
    # our key id on a cookie sealed with another key: authentication fails
    fields, blob = sc.parse(other)
    forged = "S1." + sc.b64url_encode(blob[:1] + sc.key_id(KEY) + blob[5:])
    assert get(srv.client(), "a", {"sessionid": forged})[0] is None


def test_expired_cookie_is_refused(srv):
    now = int(time.time())
    v = sc.encode(KEY, b'{"a":"1"}', now - 100, now - 50, now - 1)
    assert get(srv.client(), "a", {"sessionid": v})[0] is None


# --- rotation and migration --------------------------------------------------------

def test_old_key_read_and_rewritten_with_new_key(srv):
    now = int(time.time())
    old = sc.encode(OLD_KEY, b'{"u":"1"}', now - 60, now - 60, now + 600)
    cl = srv.client()
    r = cl.api("set", k="v", v="2", request_kw={"cookie": {"sessionid": old}})
    new = r.cookie("sessionid").value
    assert sc.parse(new)[0]["kid"] == sc.key_id(KEY)
    data, t = session_of(new, keys=[KEY])
    assert data == {"u": "1", "v": "2"}
    assert t["issued"] == now - 60          # the same session goes on


def test_rotated_out_key_is_refused(single_key):
    now = int(time.time())
    old = sc.encode(OLD_KEY, b'{"u":"1"}', now, now, now + 600)
    assert get(single_key.client(), "u", {"sessionid": old})[0] is None


def test_marten_cookie_migrates_to_sealed_under_rotation(srv):
    """A Marten cookie signed with the old key is read by a sealed-format
    server and comes back sealed with the new key at the next save."""
    marten = mc.encode(OLD_KEY, {"user_id": "7"})
    cl = srv.client()
    assert get(cl, "user_id", {"sessionid": marten})[0] == "7"
    r = cl.api("set", k="seen", v="1", request_kw={"cookie": {"sessionid": marten}})
    new = r.cookie("sessionid").value
    assert new.startswith("S1.")
    data, t = session_of(new, keys=[KEY])
    assert data == {"user_id": "7", "seen": "1"}
    # a read alone saves nothing: no rewrite without a change
    assert get(cl, "user_id", {"sessionid": marten})[1].set_cookies == []


def test_marten_format_location_still_reads_sealed(srv):
    now = int(time.time())
    v = sc.encode(KEY, b'{"a":"s"}', now, now, now + 600)
    cl = srv.client()
    r = cl.api("get", k="a", prefix="/marten", request_kw={"cookie": {"msid": v}})
    assert r.body == b"s"
    r = cl.api("set", k="b", v="1", prefix="/marten",
               request_kw={"cookie": {"msid": v}})
    assert mc.decode_session(KEY, r.cookie("msid").value)[0] == {"a": "s", "b": "1"}


# --- capacity ------------------------------------------------------------------------

def largest_value(srv, prefix, name):
    """The longest single value marten_session_set accepts in one cookie."""
    lo, hi = 0, 4096
    while lo < hi:
        mid = (lo + hi + 1) // 2
        r = srv.client().api("set", k="k", v="x" * mid, prefix=prefix)
        if r.header("X-Test-Rv") == APR_SUCCESS:
            assert len(r.header_all("Set-Cookie")) == 1
            assert len(r.header("Set-Cookie")) <= 4096
            lo = mid
        else:
            assert r.header("X-Test-Rv") == APR_ENOSPC, r
            assert r.set_cookies == []
            hi = mid - 1
    r = srv.client().api("set", k="k", v="x" * lo, prefix=prefix)
    return lo, len(r.header("Set-Cookie"))


def test_sealed_holds_at_least_twice_marten(srv, capsys):
    sealed, sealed_len = largest_value(srv, "/api", "sessionid")
    marten, marten_len = largest_value(srv, "/marten", "msid")
    with capsys.disabled():
        print("\ncapacity of one 4096-byte Set-Cookie (default attributes): "
              "marten %d bytes of value (header %d), sealed %d (header %d), "
              "ratio %.2f" % (marten, marten_len, sealed, sealed_len,
                              sealed / marten))
    assert sealed >= 2 * marten
    # exact sizing: the largest session leaves less than one Base64 group
    assert 4096 - 4 < sealed_len <= 4096
