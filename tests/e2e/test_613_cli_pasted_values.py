"""`marten-session decode` recognises what gets pasted instead of a bare
cookie value (issue 11, item 16c): a NAME=VALUE pair (with attributes after
it), a URL-encoded value, surrounding whitespace, and a server-side store's
session id; each is named instead of "signature does not match"."""

import urllib.parse

import pytest

import marten_codec as mc
from common import KEY
from test_400_cli import cli  # noqa: F401  (the fixture)

NAME_NOTE = ("marten-session: note: 'sessionid=' is the cookie's name, not part "
             "of its value: reading what follows the '='\n")
SEMI_NOTE = ("marten-session: note: ignoring everything from the ';' on (cookie "
             "attributes or other cookies)\n")
URL_NOTE = ("marten-session: note: the value is URL-encoded (%XX): reading it "
            "decoded; sent encoded, the module would not accept it\n")
WS_NOTE = ("marten-session: note: removed the whitespace around the value: a "
           "cookie value holds none, so httpd would reject the cookie as sent\n")


def plus_slash_cookie():
    """A Marten cookie whose base64 holds '+', '/' or '=' padding, which
    URL-encoding changes (%2B, %2F, %3D)."""
    for i in range(200):
        c = mc.encode(KEY, {"n": str(i)})
        if any(ch in c for ch in "+/="):
            return c
    raise AssertionError("no cookie with +, / or =")


def assert_decoded(r, json_text, notes):
    assert r.returncode == 0, r
    assert r.stdout.splitlines()[0] == json_text
    assert r.stderr == "".join(notes), r.stderr


def test_name_value_pair(cli):
    c = mc.encode(KEY, {"a": "1"})
    assert_decoded(cli("decode", "sessionid=" + c, key=KEY), '{"a":"1"}', [NAME_NOTE])


def test_set_cookie_line_with_attributes(cli):
    c = mc.encode(KEY, {"a": "1"})
    r = cli("decode", "-", key=KEY,
            stdin="sessionid=%s; Path=/; HttpOnly; SameSite=Lax\n" % c)
    assert_decoded(r, '{"a":"1"}', [NAME_NOTE, SEMI_NOTE])


def test_url_encoded_value(cli):
    c = plus_slash_cookie()
    encoded = urllib.parse.quote(c, safe="")
    assert encoded != c
    json_text = mc.decode(KEY, c)[0].decode()
    assert_decoded(cli("decode", encoded, key=KEY), json_text, [URL_NOTE])
    # the pair form of it too
    assert_decoded(cli("decode", "sessionid=" + encoded, key=KEY), json_text,
                   [NAME_NOTE, URL_NOTE])


def test_sealed_value_with_name(cli):
    c = cli("encode", "--format", "sealed", '{"s":"1"}', key=KEY).stdout.strip()
    assert c.startswith("S1.")
    r = cli("decode", "sessionid=" + c, key=KEY)
    assert_decoded(r, '{"s":"1"}', [NAME_NOTE])


@pytest.mark.parametrize("around", [(" ", ""), ("", " \t"), ("\t", "\n\n")])
def test_surrounding_whitespace_noted(cli, around):
    c = mc.encode(KEY, {"a": "1"})
    r = cli("decode", around[0] + c + around[1], key=KEY)
    assert_decoded(r, '{"a":"1"}', [WS_NOTE])


def test_trailing_newline_from_a_pipe_not_noted(cli):
    c = mc.encode(KEY, {"a": "1"})
    assert_decoded(cli("decode", "-", key=KEY, stdin=c + "\n"), '{"a":"1"}', [])
    assert_decoded(cli("decode", "-", key=KEY, stdin=c + "\r\n"), '{"a":"1"}', [])
    assert_decoded(cli("decode", "-", key=KEY, stdin=" " + c + "\n"), '{"a":"1"}',
                   [WS_NOTE])


@pytest.mark.parametrize("value", [
    "0123456789abcdef0123456789abcdef",
    "sessionid=5f1d2c3b4a5968778695a4b3c2d1e0f0",
    "sessionid=5f1d2c3b4a5968778695a4b3c2d1e0f0; Path=/"])
def test_server_side_session_id(cli, value):
    r = cli("decode", value, key=KEY)
    assert r.returncode == 1, r
    assert r.stdout == ""
    assert r.stderr.endswith(
        "marten-session: not a cookie-store cookie: 32 hex characters are the "
        "session id a server-side store (redis, socache, db) puts in the cookie; "
        "the session itself is in the store, under that id\n"), r.stderr
    assert "signature" not in r.stderr


def test_real_values_are_not_rewritten(cli):
    """Base64 padding before '--' is not a name=value '='."""
    for i in range(40):
        c = mc.encode(KEY, {"k": "v" * i})
        r = cli("decode", c, key=KEY)
        assert r.returncode == 0 and r.stderr == "", (c, r)
