"""Configuration is validated when it is read: `apache2 -t` fails, and says
which directive is wrong (docs/directives.md)."""

import os

import pytest

from common import KEY, OLD_KEY


@pytest.fixture(scope="module")
def checker(module_servers):
    """A server root used only for `httpd -t` (never started)."""
    return module_servers(name="config")


def assert_rejected(checker, snippet, directive):
    rc, out = checker.check_config(snippet)
    assert rc != 0, "accepted:\n%s\n---\n%s" % (snippet, out)
    assert "Syntax OK" not in out
    assert directive in out, "output does not name %s:\n%s" % (directive, out)


def assert_accepted(checker, snippet):
    rc, out = checker.check_config(snippet)
    assert rc == 0, "rejected:\n%s\n---\n%s" % (snippet, out)
    assert "Syntax OK" in out, out


def key_file(checker, name, *lines):
    return checker.write_file(os.path.join("conf", name),
                              "".join(l + "\n" for l in lines), mode=0o600)


# --- accepted ------------------------------------------------------------------

def test_module_loaded_sessions_off_without_key(checker):
    assert_accepted(checker, "")


def test_minimal_session_config(checker):
    assert_accepted(checker, "MartenSessionSecretKey %s\nMartenSession On" % KEY)


def test_every_cookie_directive(checker):
    assert_accepted(checker, """
MartenSessionSecretKey %s %s
MartenSessionStore cookie
MartenSession On
MartenSessionCookieName my_session-1
MartenSessionCookieDomain example.org
MartenSessionCookiePath /app
MartenSessionCookieMaxAge 1
MartenSessionCookieHttpOnly Off
MartenSessionCookieSecure On
MartenSessionCookieSameSite Strict
<Location /x>
    MartenSession Off
    MartenSessionCookieSameSite Off
    MartenSessionCookieMaxAge 86400
</Location>
""" % (KEY, OLD_KEY))


def test_key_exactly_32_bytes(checker):
    assert_accepted(checker, "MartenSessionSecretKey %s\nMartenSession On" % ("k" * 32))


def test_key_file(checker):
    path = key_file(checker, "keys-ok", KEY, OLD_KEY)
    assert_accepted(checker, "MartenSessionSecretKeyFile %s\nMartenSession On" % path)


@pytest.mark.parametrize("value", ["Lax", "Strict", "Off", "lax", "STRICT"])
def test_samesite_values(checker, value):
    assert_accepted(checker, "MartenSessionSecretKey %s\nMartenSession On\n"
                             "MartenSessionCookieSameSite %s" % (KEY, value))


@pytest.mark.parametrize("order", ["secure-first", "samesite-first"])
def test_samesite_none_with_secure_in_same_section(checker, order):
    lines = ["MartenSessionCookieSecure On", "MartenSessionCookieSameSite None"]
    if order == "samesite-first":
        lines.reverse()
    assert_accepted(checker, "MartenSessionSecretKey %s\n<Location /n>\n"
                             "MartenSession On\n%s\n</Location>" % (KEY, "\n".join(lines)))


# --- rejected ------------------------------------------------------------------

def test_sessions_on_without_key(checker):
    assert_rejected(checker, "MartenSession On", "MartenSessionSecretKey")


def test_sessions_on_in_location_without_key(checker):
    assert_rejected(checker, "<Location /app>\nMartenSession On\n</Location>",
                    "MartenSessionSecretKey")


def test_key_31_bytes(checker):
    assert_rejected(checker, "MartenSessionSecretKey %s\nMartenSession On" % ("k" * 31),
                    "MartenSessionSecretKey")


def test_old_key_too_short(checker):
    assert_rejected(checker, "MartenSessionSecretKey %s short-old-key\nMartenSession On"
                    % KEY, "MartenSessionSecretKey")


def test_key_file_with_short_key(checker):
    path = key_file(checker, "keys-short", "too-short")
    assert_rejected(checker, "MartenSessionSecretKeyFile %s\nMartenSession On" % path,
                    "MartenSessionSecretKeyFile")


def test_key_file_with_short_old_key(checker):
    path = key_file(checker, "keys-short-old", KEY, "too-short")
    assert_rejected(checker, "MartenSessionSecretKeyFile %s\nMartenSession On" % path,
                    "MartenSessionSecretKeyFile")


def test_key_file_missing(checker):
    assert_rejected(checker, "MartenSessionSecretKeyFile %s\nMartenSession On"
                    % checker.path("conf", "no-such-key-file"),
                    "MartenSessionSecretKeyFile")


def test_unknown_store(checker):
    assert_rejected(checker, "MartenSessionSecretKey %s\nMartenSessionStore nosuchstore"
                    % KEY, "MartenSessionStore")


@pytest.mark.parametrize("value", ["Sometimes", "1", "Lax;", ""])
def test_bad_samesite(checker, value):
    assert_rejected(checker, "MartenSessionSecretKey %s\nMartenSession On\n"
                             "MartenSessionCookieSameSite \"%s\"" % (KEY, value),
                    "MartenSessionCookieSameSite")


def test_samesite_none_without_secure(checker):
    assert_rejected(checker, "MartenSessionSecretKey %s\nMartenSession On\n"
                             "MartenSessionCookieSameSite None" % KEY,
                    "MartenSessionCookieSameSite")


def test_samesite_none_without_secure_in_location(checker):
    assert_rejected(checker, "MartenSessionSecretKey %s\nMartenSession On\n"
                             "<Location /n>\nMartenSessionCookieSameSite None\n</Location>"
                    % KEY, "MartenSessionCookieSameSite")


@pytest.mark.parametrize("value", ["abc", "0", "-5", "12abc", "1.5", "\"\""])
def test_bad_max_age(checker, value):
    assert_rejected(checker, "MartenSessionSecretKey %s\nMartenSession On\n"
                             "MartenSessionCookieMaxAge %s" % (KEY, value),
                    "MartenSessionCookieMaxAge")


@pytest.mark.parametrize("name", ["a;b", "a b", "a=b", "a,b"])
def test_bad_cookie_name(checker, name):
    assert_rejected(checker, "MartenSessionSecretKey %s\nMartenSession On\n"
                             "MartenSessionCookieName \"%s\"" % (KEY, name),
                    "MartenSessionCookieName")


def test_bad_flag_value(checker):
    assert_rejected(checker, "MartenSessionSecretKey %s\nMartenSession Maybe" % KEY,
                    "MartenSession")
