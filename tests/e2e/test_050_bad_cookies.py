"""Cookies that fail verification, decryption or parsing, or have expired:
the session is empty, the request succeeds, nothing is logged above debug
(clients must not be able to flood the error log), and the bad cookie is
expired in the response when the session was read, or replaced by a fresh
valid cookie when it was written (docs/sessions.md)."""

import re
import time

import pytest

import marten_codec as mc
from common import KEY, KEY_SAME_AES, OTHER_KEY, decode_cookie, session_on


@pytest.fixture(scope="module")
def server(module_servers):
    return module_servers(session_on(KEY), name="badcookies", start=True)


def _tamper(value, index):
    """Change one character of value at index to another Base64 character."""
    ch = value[index]
    repl = "A" if ch != "A" else "B"
    return value[:index] + repl + value[index + 1:]


def _bad_cookies():
    good = mc.encode(KEY, {"a": "1"})
    data, digest = good.split("--")
    expired_env = mc.encode(KEY, {"a": "1"}, expires=time.time() - 10)
    return {
        "tampered-data": _tamper(good, 20),
        "tampered-digest": data + "--" + digest[:5] + ("1" if digest[5] != "1" else "2")
                           + digest[6:],
        "uppercase-digest": data + "--" + digest.upper(),
        "truncated": good[:-10],
        "truncated-half": good[:len(good) // 2],
        "data-only": data,
        "garbage": "abc",
        "separator-only": "--",
        "empty": "",
        "expired": expired_env,
        "other-key": mc.encode(OTHER_KEY, {"a": "1"}),
        "same-aes-key-other-hmac": mc.encode(KEY_SAME_AES, {"a": "1"}),
        "signed-not-json": mc.encode(KEY, b"hello"),
        "signed-non-string-value": mc.encode(KEY, b'{"a":1}'),
        "signed-lone-surrogate": mc.encode(KEY, b'{"a":"\\ud800"}'),
        "signed-envelope-bad-expires": _signed_envelope('{"_marten":{"value":"eA==","expires":"soon"}}'),
        "signed-envelope-not-object": _signed_envelope('{"_marten":"x"}'),
        "signed-short-inner": _signed_envelope(None, inner_hex="00" * 8),
        "signed-bad-padding": _signed_envelope(None, inner_hex="00" * 32),
    }


def _signed_envelope(envelope, inner_hex=None):
    """A correctly signed (KEY) cookie with a handmade envelope or inner hex."""
    import base64
    if envelope is None:
        inner = base64.b64encode(inner_hex.encode()).decode()
        envelope = '{"_marten":{"value":"%s","expires":"2099-01-01T00:00:00Z"}}' % inner
    outer = base64.b64encode(envelope.encode()).decode()
    return outer + "--" + mc.sign(KEY, outer)


BAD = _bad_cookies()


def test_forged_cookies_really_are_invalid():
    for name, value in BAD.items():
        with pytest.raises(mc.InvalidCookie):
            mc.decode(KEY, value)


@pytest.mark.parametrize("kind", sorted(k for k in BAD if k != "empty"))
def test_read_gives_empty_session_and_expires_cookie(server, kind):
    cl = server.client()
    r = cl.api("get", k="a", request_kw={"cookie": "sessionid=" + BAD[kind]})
    assert r.status == 200, r
    assert r.header("X-Test-Found") == "0"
    assert "cookie" in r.vary
    c = r.cookie("sessionid")
    assert c is not None, "bad cookie not expired: %r" % r.headers
    assert c.value == "" and c.is_deletion(), c.raw
    assert c.attrs.get("path") == "/"


@pytest.mark.parametrize("kind", sorted(BAD))
def test_write_gives_fresh_cookie(server, kind):
    cl = server.client()
    r = cl.api("set", k="b", v="2", request_kw={"cookie": "sessionid=" + BAD[kind]})
    assert r.status == 200, r
    assert r.header("X-Test-Rv") == "0"
    c = r.cookie("sessionid")
    assert c is not None, r.headers
    session, _ = decode_cookie(c)
    assert session == {"b": "2"}


def test_empty_cookie_value_is_no_session(server):
    # "sessionid=" may be taken as no cookie at all (nothing to expire) or as
    # a bad one (expired); never as a session, never an error
    r = server.client().api("get", k="a", request_kw={"cookie": "sessionid="})
    assert r.status == 200 and r.header("X-Test-Found") == "0"
    for c in r.cookies_named("sessionid"):
        assert c.is_deletion(), c.raw


@pytest.mark.parametrize("kind", ["tampered-data", "garbage", "expired", "other-key"])
def test_dump_with_bad_cookie_is_empty(server, kind):
    r = server.client().api("dump", request_kw={"cookie": "sessionid=" + BAD[kind]})
    assert r.status == 200
    assert r.header("X-Test-Count") == "0" and r.body == b""


@pytest.mark.parametrize("kind", ["tampered-data", "garbage", "expired"])
def test_untouched_session_leaves_bad_cookie_alone(server, kind):
    r = server.client().api("noop", request_kw={"cookie": "sessionid=" + BAD[kind]})
    assert r.status == 200
    assert r.header_all("Set-Cookie") == []
    assert "cookie" not in r.vary


def test_bad_cookie_logged_at_debug_only(server):
    # the post-test check fails on any warn/error line; a debug line tagged
    # MS00101 (or another MS001xx) is fine, expected but not required
    for kind in ("tampered-data", "garbage", "expired", "other-key"):
        server.client().api("get", k="a", request_kw={"cookie": "sessionid=" + BAD[kind]})
    for line in server.test_log_lines():
        if re.search(r"MS001\d\d", line):
            assert "[marten_session:debug]" in line, line
        # a client-supplied cookie value is never written to the log
        for kind in ("tampered-data", "other-key"):
            assert BAD[kind][:40] not in line, line


def test_valid_cookie_about_to_expire_is_still_read(server):
    value = mc.encode(KEY, {"a": "1"}, expires=time.time() + 30)
    r = server.client().api("get", k="a", request_kw={"cookie": "sessionid=" + value})
    assert r.header("X-Test-Found") == "1" and r.body == b"1"
