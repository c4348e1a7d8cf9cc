"""An independent Python implementation of Marten's cookie session format.

Written from the format's description (docs/cookie-formats.md, "The Marten
format"), not from the module's C
code, so the end-to-end tests can decode what the module writes and forge
what a client (or a Marten application) could send:

    encode(key, session, expires=..., iv=...)  -> cookie value (str)
    decode(keys, cookie, now=...)              -> (plaintext JSON bytes, expires)
    decode_session(keys, cookie, now=...)      -> (dict, expires)

decode() raises InvalidCookie with a reason for everything Marten treats as
an invalid cookie *and* for the correctly signed malformed payloads that
make Marten raise (a conforming reader rejects both).

Session keys and values are Python str. Raw invalid UTF-8 bytes inside a
session string (which Crystal keeps byte for byte) are carried as lone
surrogates ("surrogateescape"), so they survive a decode/encode round trip.

Expiry instants are timezone-aware datetimes in UTC (None for the no-expiry
form); encode() also accepts an int/float epoch.
"""

import base64
import binascii
import datetime as _dt
import hashlib
import hmac
import json
import os
import re
import time

from cryptography.hazmat.primitives import padding as _padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "InvalidCookie", "DEFAULT_MAX_AGE", "crystal_json_string",
    "crystal_json_object", "parse_session_json", "encode", "decode",
    "decode_session", "sign", "format_expires", "parse_iso8601",
]

DEFAULT_MAX_AGE = 1209600
UTC = _dt.timezone.utc


class InvalidCookie(ValueError):
    """The cookie is not a valid session cookie for the given key(s)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------
# Crystal's JSON writer (JSON::Builder), format §4.1
# ---------------------------------------------------------------------------

_SHORT_ESCAPES = {
    0x22: b'\\"', 0x5C: b"\\\\", 0x08: b"\\b", 0x0C: b"\\f",
    0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t",
}


def _to_bytes(s):
    if isinstance(s, (bytes, bytearray)):
        return bytes(s)
    return s.encode("utf-8", "surrogateescape")


def crystal_json_string(s):
    """A JSON string literal (bytes, with quotes) as Crystal writes it.

    Only '"' and '\\' and control characters are escaped: \\b \\f \\n \\r
    \\t in short form, every other U+0000-U+001F and U+007F as \\u00xx with
    lowercase hex. '/' and all non-ASCII (including invalid UTF-8 bytes)
    are written raw.
    """
    out = bytearray(b'"')
    for b in _to_bytes(s):
        esc = _SHORT_ESCAPES.get(b)
        if esc is not None:
            out += esc
        elif b < 0x20 or b == 0x7F:
            out += b"\\u%04x" % b
        else:
            out.append(b)
    out += b'"'
    return bytes(out)


def crystal_json_object(pairs):
    """Hash(String, String)#to_json: no whitespace, insertion order.

    pairs: a dict or an iterable of (key, value) tuples.
    """
    if isinstance(pairs, dict):
        pairs = pairs.items()
    parts = [crystal_json_string(k) + b":" + crystal_json_string(v)
             for k, v in pairs]
    return b"{" + b",".join(parts) + b"}"


# ---------------------------------------------------------------------------
# A strict reader for Hash(String, String).from_json (format §2 step 8)
# ---------------------------------------------------------------------------

_JSON_WS = b" \t\n\r"
_SIMPLE_UNESCAPE = {
    ord('"'): '"', ord("\\"): "\\", ord("/"): "/", ord("b"): "\b",
    ord("f"): "\f", ord("n"): "\n", ord("r"): "\r", ord("t"): "\t",
}


class _Reader:
    def __init__(self, data):
        self.d = data
        self.i = 0

    def fail(self, what):
        raise InvalidCookie("plaintext is not a JSON object of strings: %s "
                            "at byte %d" % (what, self.i))

    def ws(self):
        while self.i < len(self.d) and self.d[self.i] in _JSON_WS:
            self.i += 1

    def expect(self, ch):
        self.ws()
        if self.i >= len(self.d) or self.d[self.i] != ord(ch):
            self.fail("expected %r" % ch)
        self.i += 1

    def peek(self):
        self.ws()
        return self.d[self.i] if self.i < len(self.d) else None

    def hex4(self):
        h = self.d[self.i:self.i + 4]
        if len(h) != 4 or not all(c in b"0123456789abcdefABCDEF" for c in h):
            self.fail("bad \\u escape")
        self.i += 4
        return int(h, 16)

    def string(self):
        self.expect('"')
        out = []
        raw_start = self.i
        while True:
            if self.i >= len(self.d):
                self.fail("unterminated string")
            c = self.d[self.i]
            if c == 0x22 or c == 0x5C:
                out.append(self.d[raw_start:self.i].decode(
                    "utf-8", "surrogateescape"))
                if c == 0x22:
                    self.i += 1
                    return "".join(out)
                self.i += 1
                if self.i >= len(self.d):
                    self.fail("unterminated escape")
                e = self.d[self.i]
                self.i += 1
                if e in _SIMPLE_UNESCAPE:
                    out.append(_SIMPLE_UNESCAPE[e])
                elif e == ord("u"):
                    cp = self.hex4()
                    if 0xD800 <= cp <= 0xDBFF:
                        if self.d[self.i:self.i + 2] != b"\\u":
                            self.fail("lone high surrogate")
                        self.i += 2
                        lo = self.hex4()
                        if not 0xDC00 <= lo <= 0xDFFF:
                            self.fail("bad low surrogate")
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    elif 0xDC00 <= cp <= 0xDFFF:
                        self.fail("lone low surrogate")
                    out.append(chr(cp))
                else:
                    self.fail("bad escape")
                raw_start = self.i
            elif c < 0x20:
                self.fail("raw control character in string")
            else:
                self.i += 1

    def session(self):
        result = {}
        self.expect("{")
        if self.peek() == ord("}"):
            self.i += 1
        else:
            while True:
                if self.peek() != ord('"'):
                    self.fail("expected a string key")
                k = self.string()
                self.expect(":")
                if self.peek() != ord('"'):
                    self.fail("value is not a string")
                v = self.string()
                # duplicate keys: the last value wins, the first position stays
                result[k] = v
                c = self.peek()
                if c == ord(","):
                    self.i += 1
                    continue
                if c == ord("}"):
                    self.i += 1
                    break
                self.fail("expected ',' or '}'")
        self.ws()
        if self.i != len(self.d):
            self.fail("trailing data")
        return result


def parse_session_json(plaintext):
    """Parse plaintext bytes as a JSON object whose values are all strings.

    Returns an insertion-ordered dict; raises InvalidCookie otherwise.
    """
    return _Reader(_to_bytes(plaintext)).session()


# ---------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------

def _as_datetime(t):
    if isinstance(t, _dt.datetime):
        if t.tzinfo is None:
            raise ValueError("naive datetime; pass an aware (UTC) datetime")
        return t.astimezone(UTC)
    return _dt.datetime.fromtimestamp(int(t), UTC)


def format_expires(t):
    """YYYY-MM-DDTHH:MM:SSZ in UTC, sub-seconds truncated."""
    t = _as_datetime(t)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


_ISO_EXT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})$")
_ISO_BASIC = re.compile(
    r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})$")


def parse_iso8601(s):
    """The subset of Crystal's Time.parse_iso8601 Marten can meet.

    Accepts Z/z, +HH:MM, +HHMM, fractions with . or ',', omitted seconds
    and the basic format; rejects a space or 't' separator, '+HH' alone and
    a missing zone. (Week and ordinal dates are rejected: Marten never
    writes them.) Returns an aware UTC datetime; raises ValueError.
    """
    if not isinstance(s, str):
        raise ValueError("not a string")
    m = _ISO_EXT.match(s) or _ISO_BASIC.match(s)
    if not m:
        raise ValueError("not an ISO 8601 date-time: %r" % s)
    y, mo, d, hh, mi, ss, frac, zone = m.groups()
    micro = int((frac + "000000")[:6]) if frac else 0
    t = _dt.datetime(int(y), int(mo), int(d), int(hh), int(mi),
                     int(ss or 0), micro, tzinfo=UTC)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        z = zone[1:].replace(":", "")
        off = _dt.timedelta(hours=int(z[:2]), minutes=int(z[2:]))
        t -= sign * off
    return t


# ---------------------------------------------------------------------------
# Encoding (format §1)
# ---------------------------------------------------------------------------

def _key_bytes(key):
    return key if isinstance(key, (bytes, bytearray)) else key.encode("utf-8")


def sign(key, data):
    """Lowercase hex HMAC-SHA256 over data (str or bytes) with the full key."""
    return hmac.new(_key_bytes(key), _to_bytes(data), hashlib.sha256).hexdigest()


def _encrypt(key, plaintext, iv):
    k = _key_bytes(key)
    if len(k) < 32:
        raise ValueError("Key length too short (%d bytes, need 32)" % len(k))
    padder = _padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    enc = Cipher(algorithms.AES(k[:32]), modes.CBC(iv)).encryptor()
    return enc.update(padded) + enc.finalize()


def encode(key, session, expires="default", iv=None, max_age=DEFAULT_MAX_AGE,
           envelope=True):
    """Build a cookie value the way Marten's cookie store does.

    key:      the secret key (str, used as UTF-8, or bytes).
    session:  dict / iterable of pairs (serialised with Crystal's rules), or
              bytes/str used verbatim as the plaintext.
    expires:  datetime or epoch; "default" means now + max_age.
    iv:       16 bytes or 32 hex characters; random when None.
    envelope: False writes the pre-0.6 no-expiry form (no _marten wrapper).
    """
    if isinstance(session, (bytes, bytearray)):
        plaintext = bytes(session)
    elif isinstance(session, str):
        plaintext = session.encode("utf-8", "surrogateescape")
    else:
        plaintext = crystal_json_object(session)
    if iv is None:
        iv = os.urandom(16)
    elif isinstance(iv, str):
        iv = bytes.fromhex(iv)
    if len(iv) != 16:
        raise ValueError("IV must be 16 bytes")
    c = _encrypt(key, plaintext, iv)
    x = (c + iv).hex().encode("ascii")
    inner = base64.b64encode(x)
    if envelope:
        if expires == "default":
            expires = time.time() + max_age
        envelope_bytes = (b'{"_marten":{"value":"' + inner +
                          b'","expires":"' +
                          format_expires(expires).encode("ascii") + b'"}}')
        outer = base64.b64encode(envelope_bytes).decode("ascii")
    else:
        outer = inner.decode("ascii")
    return outer + "--" + sign(key, outer)


# ---------------------------------------------------------------------------
# Decoding (format §2)
# ---------------------------------------------------------------------------

_B64_CHARS = re.compile(rb"^[A-Za-z0-9+/\-_]*$")
_HEX = re.compile(rb"^(?:[0-9a-fA-F]{2})*$")


def _lenient_b64decode(text, what):
    """Crystal's Base64.decode_string: both alphabets (mixed), optional '='
    padding, trailing '='/CR/LF stripped, CR/LF skipped, unused low bits
    ignored."""
    if isinstance(text, str):
        try:
            text = text.encode("ascii")
        except UnicodeEncodeError:
            raise InvalidCookie("%s: not Base64 (non-ASCII)" % what)
    text = text.rstrip(b"=\r\n").replace(b"\r", b"").replace(b"\n", b"")
    if not _B64_CHARS.match(text):
        raise InvalidCookie("%s: not Base64" % what)
    if len(text) % 4 == 1:
        raise InvalidCookie("%s: not Base64 (bad length)" % what)
    text = text.replace(b"-", b"+").replace(b"_", b"/")
    text += b"=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidCookie("%s: not Base64" % what)


def _as_key_list(keys):
    if isinstance(keys, (str, bytes, bytearray)):
        return [keys]
    return list(keys)


def _decode_one(key, cookie, now):
    k = _key_bytes(key)
    if isinstance(cookie, (bytes, bytearray)):
        try:
            cookie = bytes(cookie).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidCookie("cookie is not valid UTF-8")
    try:
        cookie.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidCookie("cookie is not valid UTF-8")
    if cookie.strip() == "":
        raise InvalidCookie("cookie is blank")
    data, sep, digest = cookie.partition("--")
    if not sep:
        raise InvalidCookie("no '--' separator")
    if data.strip() == "" or digest.strip() == "":
        raise InvalidCookie("data or digest is blank")
    expected = sign(k, data.encode("utf-8"))
    if not hmac.compare_digest(expected.encode("ascii"),
                               digest.encode("utf-8")):
        raise InvalidCookie("bad signature")
    decoded = _lenient_b64decode(data, "outer layer")

    expires = None
    x = decoded
    try:
        env = json.loads(decoded.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        env = None
    if isinstance(env, dict) and "_marten" in env:
        m = env["_marten"]
        if not isinstance(m, dict):
            raise InvalidCookie("_marten is not an object")
        value = m.get("value")
        if not isinstance(value, str):
            raise InvalidCookie("_marten.value missing or not a string")
        try:
            expires = parse_iso8601(m.get("expires"))
        except ValueError:
            raise InvalidCookie("_marten.expires missing or not ISO 8601")
        if not now < expires:
            raise InvalidCookie("expired at %s" % format_expires(expires))
        x = _lenient_b64decode(value, "inner layer")

    if not _HEX.match(x):
        raise InvalidCookie("inner payload is not hex")
    b = bytes.fromhex(x.decode("ascii"))
    if len(b) < 16:
        raise InvalidCookie("inner payload shorter than an IV")
    c, iv = b[:-16], b[-16:]
    if len(k) < 32:
        raise InvalidCookie("key shorter than 32 bytes")
    if len(c) == 0 or len(c) % 16:
        raise InvalidCookie("ciphertext length %d is not a positive "
                            "multiple of 16" % len(c))
    dec = Cipher(algorithms.AES(k[:32]), modes.CBC(iv)).decryptor()
    padded = dec.update(c) + dec.finalize()
    unpadder = _padding.PKCS7(128).unpadder()
    try:
        plaintext = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise InvalidCookie("bad PKCS#7 padding")
    parse_session_json(plaintext)  # raises InvalidCookie
    return plaintext, expires


def decode(keys, cookie, now=None):
    """Decode a cookie value with one key or a list of keys (tried in order).

    Returns (plaintext JSON bytes, expires) where expires is an aware UTC
    datetime, or None for the no-expiry form. Raises InvalidCookie with the
    reason (of the first key when all fail).
    """
    if now is None:
        now = _dt.datetime.now(UTC)
    else:
        now = _as_datetime(now)
    first_error = None
    for key in _as_key_list(keys):
        try:
            return _decode_one(key, cookie, now)
        except InvalidCookie as e:
            if first_error is None:
                first_error = e
    if first_error is None:
        raise InvalidCookie("no key given")
    raise first_error


def decode_session(keys, cookie, now=None):
    """Like decode() but returns (ordered dict of the session, expires)."""
    plaintext, expires = decode(keys, cookie, now)
    return parse_session_json(plaintext), expires
