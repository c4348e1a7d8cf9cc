"""Constants and small helpers shared by the end-to-end tests."""

import datetime as dt
import os
import time
import urllib.parse

import marten_codec as mc

UTC = dt.timezone.utc

# Test keys (never used anywhere else). KEY is 44 bytes; KEY_SAME_AES shares
# its first 32 bytes (same AES key, different HMAC key).
KEY = "e2e-test-key-0123456789abcdef-0123456789abcd"
KEY_SAME_AES = KEY[:32] + "-but-another-tail-xx"
OLD_KEY = "e2e-old-key-fedcba9876543210-fedcba9876543210"
OTHER_KEY = "e2e-unrelated-key-not-configured-anywhere-0000"
VECTOR_KEY = "__insecure_" + "9f" * 32 + "__"

DEFAULT_MAX_AGE = 1209600
APR_SUCCESS = "0"
APR_ENOTIMPL = "70023"


def build_dir(env):
    """The build tree of the module under test (where `make demo`,
    `make install` run): MS_BUILDDIR, else the one MS_MODULE
    (<builddir>/.libs/...) is in, else the source tree."""
    if os.environ.get("MS_BUILDDIR"):
        return os.environ["MS_BUILDDIR"]
    if os.environ.get("MS_MODULE"):
        return os.path.dirname(os.path.dirname(os.path.abspath(env.module)))
    return env.srcdir


def session_on(key=KEY, extra=""):
    return "MartenSessionSecretKey %s\nMartenSession On\n%s\n" % (key, extra)


def handler_location(path, *directives):
    """A <Location> running the test handler with extra directives."""
    body = "\n".join("    " + d for d in directives)
    return ("<Location %s>\n    SetHandler marten-session-test\n%s\n"
            "</Location>\n" % (path, body))


def decode_cookie(cookie, keys=KEY, now=None):
    """(session dict, envelope expiry) of a Set-Cookie (parsed) or a value."""
    value = getattr(cookie, "value", cookie)
    return mc.decode_session(keys, value, now=now)


def plaintext_of(cookie, keys=KEY):
    return mc.decode(keys, getattr(cookie, "value", cookie))[0]


def epoch(t):
    return t.timestamp()


def assert_time_near(actual, lo, hi, what, slack=2):
    """actual (datetime) within [lo - slack, hi + slack] (epoch seconds)."""
    a = epoch(actual)
    assert lo - slack <= a <= hi + slack, (
        "%s is %s, expected between %s and %s" % (
            what, actual.isoformat(),
            dt.datetime.fromtimestamp(lo, UTC).isoformat(),
            dt.datetime.fromtimestamp(hi, UTC).isoformat()))


def parse_dump(body):
    """Pairs of /api/dump?enc=1 (percent-encoded key=value lines), as bytes."""
    pairs = []
    for line in body.split(b"\n"):
        if not line:
            continue
        k, _, v = line.partition(b"=")
        pairs.append((urllib.parse.unquote_to_bytes(k),
                      urllib.parse.unquote_to_bytes(v)))
    return pairs


def now():
    return time.time()
