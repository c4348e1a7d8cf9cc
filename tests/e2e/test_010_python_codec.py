"""The test suite's own Marten codec (marten_codec.py) against Marten's vectors.

The end-to-end tests trust this codec to decode what the module writes and to
forge cookies, so it is checked first, against every vector Marten produced,
and against the byte-level rules of docs/cookie-formats.md.
"""

import base64
import datetime as dt
import json
import math
import os

import pytest

import marten_codec as mc

UTC = dt.timezone.utc
SRCDIR = os.environ.get("MS_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
VECTORS_FILE = os.path.join(SRCDIR, "tests", "vectors", "marten-cookies.json")

with open(VECTORS_FILE, encoding="utf-8") as _f:
    VECTORS = json.load(_f)["vectors"]

ACCEPTED = [v for v in VECTORS if v["expected"] != "invalid"]
REJECTED = [v for v in VECTORS if v["expected"] == "invalid"]

KEY32 = "0123456789abcdef0123456789abcdef"
KEY77 = "__insecure_" + "9f" * 32 + "__"


def _id(v):
    return "%s-%s" % (v["kind"], v["note"].split("value=")[-1].split(": ")[-1][:40])


def _expected_bytes(v):
    # JSON text in the vectors file; raw invalid UTF-8 would come through as
    # surrogates, kept byte for byte.
    return v["expected"].encode("utf-8", "surrogateescape")


def test_vectors_cover_all_kinds():
    kinds = {v["kind"] for v in VECTORS}
    assert {"valid", "expired", "tampered", "edge"} <= kinds
    assert ACCEPTED and REJECTED


@pytest.mark.parametrize("v", ACCEPTED, ids=_id)
def test_accepted_vector_decodes_exactly(v):
    plaintext, expires = mc.decode(v["key"], v["cookie"])
    # Marten's own writer produced these plaintexts: byte for byte equal
    assert plaintext == _expected_bytes(v)
    if v["expires"] is None:
        assert expires is None
    else:
        assert mc.format_expires(expires) == v["expires"]
    # and what we parse re-serialises (Crystal rules) to the same bytes
    session = mc.parse_session_json(plaintext)
    assert mc.crystal_json_object(session) == _expected_bytes(v)


@pytest.mark.parametrize("v", REJECTED, ids=_id)
def test_rejected_vector_raises(v):
    with pytest.raises(mc.InvalidCookie) as e:
        mc.decode(v["key"], v["cookie"])
    assert e.value.reason


def test_first_vector_reencodes_byte_exact():
    v = VECTORS[0]
    assert v["key"] == KEY77
    cookie = mc.encode(v["key"], {"user_id": "42"},
                       expires=dt.datetime(2099, 1, 1, tzinfo=UTC),
                       iv="7c2410c6b880afcbc3c91dbed3891f9c")
    assert cookie == v["cookie"]
    assert len(cookie) == 314


@pytest.mark.parametrize("v", [v for v in ACCEPTED if v["kind"] == "valid"
                               and v["expires"]], ids=_id)
def test_valid_vectors_reencode_with_their_iv(v):
    # The IV is the last 16 bytes of the inner hex: re-encoding the decoded
    # session with it and the same expiry gives Marten's cookie again.
    outer = v["cookie"].split("--", 1)[0]
    env = json.loads(base64.b64decode(outer))
    x = base64.b64decode(env["_marten"]["value"]).decode("ascii")
    iv = bytes.fromhex(x[-32:])
    session = mc.parse_session_json(_expected_bytes(v))
    again = mc.encode(v["key"], session, iv=iv,
                      expires=mc.parse_iso8601(v["expires"]))
    assert again == v["cookie"]


# --- Crystal JSON writer (format §4.1) ---------------------------------------

@pytest.mark.parametrize("value, expected", [
    ('a"b\\c', b'"a\\"b\\\\c"'),
    ("\b\f\n\r\t", b'"\\b\\f\\n\\r\\t"'),
    ("\x00\x01\x0b\x1b\x1f\x7f", b'"\\u0000\\u0001\\u000b\\u001b\\u001f\\u007f"'),
    ("</script>", b'"</script>"'),
    ("Zo\u00eb \u65e5\u672c \U0001F600", '"Zo\u00eb \u65e5\u672c \U0001F600"'.encode()),
    ("\u0080\u009f\u2028\u2029\ufeff", '"\u0080\u009f\u2028\u2029\ufeff"'.encode()),
    (b"raw\xff\xfe", b'"raw\xff\xfe"'),
])
def test_crystal_string_escaping(value, expected):
    assert mc.crystal_json_string(value) == expected


def test_crystal_object_layout():
    assert mc.crystal_json_object({}) == b"{}"
    assert mc.crystal_json_object([("b", "1"), ("a", "2")]) == b'{"b":"1","a":"2"}'


# --- reader details (format §2 step 8) ---------------------------------------

def test_reader_duplicate_key_keeps_first_position_last_value():
    s = mc.parse_session_json(b'{"a":"1","b":"2","a":"3"}')
    assert list(s.items()) == [("a", "3"), ("b", "2")]


def test_reader_whitespace_and_escapes():
    s = mc.parse_session_json(b' { "k" : "\\u00e9\\ud83d\\ude00\\/" } ')
    assert s == {"k": "\u00e9\U0001F600/"}


@pytest.mark.parametrize("bad", [
    b"", b"[]", b'{"a":1}', b'{"a":null}', b'{"a":"\\ud800"}', b'{"a":"\\udc00"}',
    b'{"a":"b",}', b'{"a":"b"} x', b'{"a":"\x01"}', b"hello",
])
def test_reader_rejects(bad):
    with pytest.raises(mc.InvalidCookie):
        mc.parse_session_json(bad)


def test_reader_keeps_invalid_utf8():
    s = mc.parse_session_json(b'{"k":"\xff"}')
    assert mc.crystal_json_object(s) == b'{"k":"\xff"}'


# --- round trips and forging helpers ------------------------------------------

def _length(p):
    c = 16 * (p // 16 + 1)
    i = 4 * math.ceil(2 * (c + 16) / 3)
    return 4 * math.ceil((i + 57) / 3) + 66


@pytest.mark.parametrize("session", [
    {}, {"a": "1"}, {"user_id": "42", "x": "y" * 200},
    {"ctl": "\x00\x7f\n", "uni": "\u00e9\U0001F600"},
])
def test_roundtrip_and_length_formula(session):
    cookie = mc.encode(KEY32, session)
    got, expires = mc.decode_session(KEY32, cookie)
    assert list(got.items()) == list(session.items())
    now = dt.datetime.now(UTC)
    assert abs((expires - now).total_seconds() - mc.DEFAULT_MAX_AGE) < 3
    assert len(cookie) == _length(len(mc.crystal_json_object(session)))


def test_empty_session_cookie_is_262_chars():
    assert len(mc.encode(KEY32, {})) == 262


def test_random_iv_changes_value():
    assert mc.encode(KEY32, {"a": "1"}) != mc.encode(KEY32, {"a": "1"})


def test_expiry_is_strict():
    t = dt.datetime(2030, 1, 1, tzinfo=UTC)
    cookie = mc.encode(KEY32, {"a": "1"}, expires=t)
    mc.decode(KEY32, cookie, now=t - dt.timedelta(seconds=1))
    with pytest.raises(mc.InvalidCookie, match="expired"):
        mc.decode(KEY32, cookie, now=t)


def test_expired_cookie_rejected():
    cookie = mc.encode(KEY32, {"a": "1"}, expires=dt.datetime(2001, 1, 1, tzinfo=UTC))
    with pytest.raises(mc.InvalidCookie, match="expired"):
        mc.decode(KEY32, cookie)


def test_no_expiry_form_roundtrip():
    cookie = mc.encode(KEY32, {"a": "1"}, envelope=False)
    assert mc.decode(KEY32, cookie) == (b'{"a":"1"}', None)


def test_key_rotation_list():
    old, new = "o" * 40, "n" * 40
    cookie = mc.encode(old, {"a": "1"})
    assert mc.decode([new, old], cookie)[0] == b'{"a":"1"}'
    with pytest.raises(mc.InvalidCookie, match="signature"):
        mc.decode(new, cookie)


def test_keys_sharing_aes_prefix_do_not_cross():
    a = KEY32 + "-a"
    b = KEY32 + "-b"
    with pytest.raises(mc.InvalidCookie, match="signature"):
        mc.decode(b, mc.encode(a, {"x": "1"}))


def test_short_key_invalid():
    short = "k" * 31
    with pytest.raises(ValueError):
        mc.encode(short, {})
    # a correctly signed cookie under a short key is still invalid
    cookie = mc.encode(KEY32, {})
    outer = cookie.split("--")[0]
    with pytest.raises(mc.InvalidCookie, match="32"):
        mc.decode(short, outer + "--" + mc.sign(short, outer))


@pytest.mark.parametrize("mangle", [
    lambda c: c.upper().split("--")[0] + "--" + c.split("--")[1],   # data changed
    lambda c: c.split("--")[0] + "--" + c.split("--")[1].upper(),   # uppercase digest
    lambda c: c + "\n",
    lambda c: c + "0",
    lambda c: c[:-1],
    lambda c: c.replace("--", "-"),
    lambda c: " " * 3,
    lambda c: "abc",
    lambda c: c[:100],
])
def test_mangled_rejected(mangle):
    cookie = mc.encode(KEY32, {"a": "1"})
    with pytest.raises(mc.InvalidCookie):
        mc.decode(KEY32, mangle(cookie))


def test_lenient_base64_variants_accepted_when_resigned():
    cookie = mc.encode(KEY32, {"a": "1"})
    outer = cookie.split("--")[0]
    for variant in (outer.rstrip("="), outer.replace("+", "-").replace("/", "_")):
        assert mc.decode(KEY32, variant + "--" + mc.sign(KEY32, variant))[0] == b'{"a":"1"}'


@pytest.mark.parametrize("text, expected", [
    ("2099-01-01T00:00:00Z", "2099-01-01T00:00:00Z"),
    ("2099-01-01T00:00:00z", "2099-01-01T00:00:00Z"),
    ("2099-01-01T02:00:00+02:00", "2099-01-01T00:00:00Z"),
    ("2099-01-01T02:00:00+0200", "2099-01-01T00:00:00Z"),
    ("2099-01-01T00:00:00.999Z", "2099-01-01T00:00:00Z"),
    ("2099-01-01T00:00:00,5Z", "2099-01-01T00:00:00Z"),
    ("2099-01-01T00:00Z", "2099-01-01T00:00:00Z"),
    ("20990101T000000Z", "2099-01-01T00:00:00Z"),
])
def test_iso8601_accepts(text, expected):
    assert mc.format_expires(mc.parse_iso8601(text)) == expected


@pytest.mark.parametrize("text", [
    "2099-01-01 00:00:00Z", "2099-01-01t00:00:00Z", "2099-01-01T00:00:00+02",
    "2099-01-01T00:00:00", "", "tomorrow",
])
def test_iso8601_rejects(text):
    with pytest.raises(ValueError):
        mc.parse_iso8601(text)
