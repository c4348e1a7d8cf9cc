"""MartenSessionEnvPrefix refuses every prefix that could produce a name CGI,
SSI, httpd or a program run as CGI gives a meaning to (issue 11, item 5):
`apache2 -t` fails naming the directive, the reserved name and why. The
reserved list documented in docs/directives.md is checked entry by entry."""

import os
import re

import pytest

from common import KEY, session_on

SRCDIR = os.environ.get("MS_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
DOC = os.path.join(SRCDIR, "docs", "directives.md")


@pytest.fixture(scope="module")
def checker(module_servers):
    return module_servers(name="envprefix")


def check(checker, prefix, where="server"):
    conf = session_on(KEY, "MartenSessionEnv On")
    if where == "server":
        conf += "MartenSessionEnvPrefix %s\n" % prefix
    else:
        conf += "<Location /x>\n    MartenSessionEnvPrefix %s\n</Location>\n" % prefix
    return checker.check_config(conf)


def assert_refused(checker, prefix, reserved, owner, where="server"):
    rc, out = check(checker, prefix, where)
    assert rc != 0 and "Syntax OK" not in out, out
    assert ("MartenSessionEnvPrefix: '%s' could name a variable %s, which %s "
            "gives a meaning to: a session could then forge it" % (
                prefix, reserved, owner)) in out, out


@pytest.mark.parametrize("prefix,reserved,owner", [
    ("REMOTE_", "REMOTE_*", "CGI"),             # REMOTE_ + USER
    ("R", "REMOTE_*", "CGI"),                   # R + EMOTE_USER
    ("HTTP_", "HTTP_*", "CGI (request headers)"),
    ("HTTP_X_FORWARDED_", "HTTP_*", "CGI (request headers)"),
    ("PATH", "PATH*", "CGI and the shell"),     # PATH, PATH_INFO
    ("Pa", "PATH*", "CGI and the shell"),
    ("HTTPS", "HTTPS*", "mod_ssl"),
    ("SSL_CLIENT_", "SSL_*", "mod_ssl and OpenSSL"),
    ("REDIRECT_", "REDIRECT_*", "httpd (internal redirects)"),
    ("AUTH_", "AUTH_*", "CGI"),                 # AUTH_TYPE
    ("DOCUMENT_", "DOCUMENT_*", "httpd and SSI"),
    ("remote_", "REMOTE_*", "CGI"),             # httpd ignores case
    ("LOGNAME_", "LOGNAME", "the shell"),       # its JSON variable is LOGNAME
    ("PHP_", "PHP*", "PHP"),
    ("PYTHONPATH", "PYTHON*", "Python"),
    ("LD_", "LD_*", "the dynamic linker"),
    ("UNIQUE_", "UNIQUE_ID*", "mod_unique_id"),
])
def test_reserved_prefix_refused(checker, prefix, reserved, owner):
    assert_refused(checker, prefix, reserved, owner)


def test_refused_in_a_location_too(checker):
    assert_refused(checker, "REMOTE_", "REMOTE_*", "CGI", where="location")


def test_message_says_why_and_what_to_use(checker):
    rc, out = check(checker, "REMOTE_")
    assert "a session key is appended to the prefix" in out, out
    assert "such as the default MARTEN_SESSION_" in out, out


@pytest.mark.parametrize("prefix", [
    "MARTEN_SESSION_", "MARTEN_SESSION", "APP_", "MYSITE_SESSION_", "X", "AUTHOR_",
    "Session_"])
def test_own_prefix_accepted(checker, prefix):
    rc, out = check(checker, prefix)
    assert rc == 0 and "Syntax OK" in out, out
    rc, out = check(checker, prefix, where="location")
    assert rc == 0 and "Syntax OK" in out, out


def documented_reserved():
    """The reserved names listed in docs/directives.md's MartenSessionEnvPrefix."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## MartenSessionEnvPrefix", 1)[1].split("\n## ", 1)[0]
    listing = section.split("The reserved names", 1)[1].split("\n\n", 2)[1]
    names = re.findall(r"`([A-Z][A-Z0-9_]*\*?)`", listing)
    assert len(names) > 40, listing
    return names


@pytest.mark.parametrize("name", documented_reserved())
def test_every_documented_name_is_refused(checker, name):
    """Each documented name, and for a family a longer name in it, cannot
    be a prefix; a name is also refused as its own JSON variable."""
    stem = name.rstrip("*")
    tries = [stem, stem + "_"] + ([stem + "ZZ"] if name.endswith("*") else [])
    for prefix in tries:
        rc, out = check(checker, prefix)
        assert rc != 0, "%s accepted:\n%s" % (prefix, out)
        assert "MartenSessionEnvPrefix: '%s' could name a variable" % prefix in out, out
