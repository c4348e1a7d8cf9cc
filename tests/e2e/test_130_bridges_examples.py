"""The bridge examples of the documentation work as written.

Every fenced block in README.md or docs/*.md that follows a line
"`examples/PATH`:" must be byte-identical to that file, and every file under
examples/ must be shown so, once. The tests then run those very files: examples/httpd-bridges.conf is
Included unchanged (with the Defines it asks for), the CGI scripts, the PHP
page and the proxied app run from a byte-for-byte copy of examples/ in the
server root (the httpd user may not reach the source tree), the C module is
built with apxs and loaded, and the access-log block of README "Log the
user" is used as it stands.
"""

import filecmp
import glob
import os
import re
import shutil
import subprocess
import urllib.parse

import pytest

import marten_codec
from bridges_util import (KEY, PYTHON, Backend, load_modules, session_of,
                          wait_for_log)

SRCDIR = os.environ.get("MS_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = os.path.join(SRCDIR, "examples")
README = os.path.join(SRCDIR, "README.md")
# where examples are shown: the README first, then docs/ in name order
SHOWN_IN = [README] + sorted(glob.glob(os.path.join(SRCDIR, "docs", "*.md")))


# --- README blocks ---------------------------------------------------------------

_LABEL = re.compile(r"^`(examples/[^`]+)`:\s*$")


def readme_blocks(path=README):
    """[(label or None, info string, text)] of the fenced blocks of a
    Markdown file; the label is the "`examples/...`:" line just before the
    fence (blank lines between are allowed)."""
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8").split("\n")
    blocks, label, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        m = _LABEL.match(line)
        if m:
            label = m.group(1)
        elif line.startswith("```"):
            info = line[3:].strip()
            j = i + 1
            while j < len(lines) and lines[j] != "```":
                j += 1
            assert j < len(lines), "unterminated fence at %s line %d" % (path, i + 1)
            blocks.append((label, info, "\n".join(lines[i + 1:j]) + "\n"))
            label = None
            i = j
        elif line.strip():
            label = None
        i += 1
    return blocks


_BUILT = (".o", ".lo", ".slo", ".la", ".so")


def example_files():
    """The files of examples/, less what `apxs -c` leaves next to a .c."""
    out = []
    for root, dirs, files in os.walk(EXAMPLES):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and not name.endswith(_BUILT):
                out.append(os.path.relpath(os.path.join(root, name), SRCDIR))
    return sorted(out)


def test_docs_show_every_example_file_verbatim():
    labelled, where = {}, {}
    for path in SHOWN_IN:
        for label, info, text in readme_blocks(path):
            if label:
                assert label not in labelled, "%s shown twice (%s, %s)" % (
                    label, where[label], path)
                labelled[label], where[label] = text, path
    assert sorted(labelled) == example_files()
    for label, text in labelled.items():
        with open(os.path.join(SRCDIR, label), "rb") as f:
            assert text.encode("utf-8") == f.read(), \
                "%s: the block for %s differs from the file" % (where[label], label)


def test_example_scripts_are_executable():
    for rel in ("examples/cgi/counter.sh", "examples/cgi/login.py",
                "examples/proxy/app.py"):
        assert os.access(os.path.join(SRCDIR, rel), os.X_OK), rel


def logging_block():
    found = [text for label, info, text in readme_blocks()
             if info == "apache" and "LogFormat" in text
             and "marten-session:user_id" in text]
    assert found, "README has no LogFormat block with marten-session:user_id"
    return found[0]


# --- a server made of the examples ------------------------------------------------

@pytest.fixture(scope="module")
def hello_so(server_base, ms_env):
    """examples/module/mod_hello_session.c built with apxs in a tmp dir."""
    d = os.path.join(server_base, "hello-module")
    os.makedirs(d, exist_ok=True)
    shutil.copy(os.path.join(EXAMPLES, "module", "mod_hello_session.c"), d)
    res = subprocess.run(
        [ms_env.apxs, "-c", "-I" + os.path.join(SRCDIR, "include"),
         "-Wc,-Wall", "-Wc,-Wextra", "-Wc,-Werror", "mod_hello_session.c"],
        cwd=d, capture_output=True, text=True)
    so = os.path.join(d, ".libs", "mod_hello_session.so")
    assert res.returncode == 0 and os.path.isfile(so), res.stdout + res.stderr
    return so


@pytest.fixture(scope="module")
def app(server_base):
    b = Backend([PYTHON, os.path.join(EXAMPLES, "proxy", "app.py"), "0"])
    yield b
    b.stop()


@pytest.fixture(scope="module")
def srv(module_servers, ms_env, hello_so, app):
    h = module_servers("", name="bridges-examples")
    copy = h.path("examples")
    shutil.copytree(EXAMPLES, copy)
    assert not filecmp.dircmp(EXAMPLES, copy).diff_files
    h.snippet = (load_modules(ms_env, "actions", "proxy", "proxy_http")
                 + "LoadModule hello_session_module %s\n" % hello_so
                 + "MartenSessionSecretKey %s\n" % KEY
                 + "Define EXAMPLES %s\n" % copy
                 + "Define BACKEND %s\n" % app.address
                 + "Define APACHE_LOG_DIR %s\n" % h.path("logs")
                 + "Include ${EXAMPLES}/httpd-bridges.conf\n"
                 + logging_block())
    h.start()
    return h


def leaked(resp):
    return [(k, v) for k, v in resp.headers
            if k.lower().startswith("x-marten-session")]


def lines_of(resp):
    return resp.text.splitlines()


def post_form(client, path, **fields):
    return client.request("POST", path, body=urllib.parse.urlencode(fields),
                          headers={"Content-Type":
                                   "application/x-www-form-urlencoded"})


def test_counter_sh(srv):
    c = srv.client()
    for n in (1, 2, 3):
        r = c.get("/cgi/counter.sh")
        assert r.status == 200, r
        assert lines_of(r) == ["visits: %d" % n, "user: (not logged in)"]
        assert session_of(r.cookie("sessionid")) == {"visits": str(n)}
        assert leaked(r) == []


def test_login_py_and_the_access_log(srv):
    c = srv.client()
    r = c.get("/cgi/login.py")
    assert r.status == 200 and "Not logged in." in r.text
    assert r.set_cookies == []

    r = post_form(c, "/cgi/login.py?probe=login-example", name="Zo\u00eb")
    assert r.status == 303, r
    assert urllib.parse.urlsplit(r.header("Location")).path == "/"
    assert session_of(r.cookie("sessionid")) == {"user_id": "Zo\u00eb"}
    assert leaked(r) == []

    # the README's LogFormat logs the user on the login request itself
    # (httpd escapes the non-ASCII bytes in log lines)
    line = wait_for_log(os.path.join(srv.path("logs"), "access.log"),
                        lambda l: "probe=login-example" in l)
    assert ' "Zo\\xc3\\xab" [' in line and '" 303 ' in line, line

    r = c.get("/cgi/login.py")
    assert "Logged in as Zo\u00eb." in r.text
    r = c.get("/cgi/counter.sh")
    assert lines_of(r) == ["visits: 1", "user: Zo\u00eb"]

    r = post_form(c, "/cgi/login.py", name="  ")
    assert r.status == 400 and r.set_cookies == []


def test_counter_php_shares_the_counter(srv):
    c = srv.client()
    r = c.get("/cgi/counter.sh")
    assert lines_of(r)[0] == "visits: 1"
    r = c.get("/php/counter.php")
    assert r.status == 200, r
    assert lines_of(r) == ["visits: 2", "user: (not logged in)", "keys: visits"]
    assert session_of(r.cookie("sessionid")) == {"visits": "2"}
    assert leaked(r) == []
    c.jar["sessionid"] = marten_codec.encode(KEY, {"user_id": "7", "visits": "41"})
    r = c.get("/php/counter.php")
    assert lines_of(r) == ["visits: 42", "user: 7", "keys: user_id,visits"]
    r = c.get("/cgi/counter.sh")
    assert lines_of(r) == ["visits: 43", "user: 7"]


def test_php_cgi_cannot_be_called_directly(srv):
    srv.expect_log(r"AH01630: client denied", required=True)
    r = srv.client().get("/php-cgi/php/counter.php")
    assert r.status == 403 and r.set_cookies == []


def test_proxy_app_logs_in_and_out(srv):
    c = srv.client()
    r = post_form(c, "/proxy/login", name="Ann Lee")
    assert r.status == 303, r
    assert r.header("Location") == "./"
    assert session_of(r.cookie("sessionid")) == {"user_id": "Ann Lee"}
    assert leaked(r) == []
    r = c.get("/cgi/counter.sh")
    assert lines_of(r) == ["visits: 1", "user: Ann Lee"]

    r = post_form(c, "/proxy/logout")
    assert r.status == 303
    gone = r.cookie("sessionid")
    assert gone.value == "" and gone.max_age() == 0
    assert c.jar == {}


def test_proxy_app_reads_the_session(srv):
    c = srv.client()
    c.jar["sessionid"] = marten_codec.encode(KEY, {"user_id": "Ann",
                                                   "visits": "4"})
    r = c.get("/proxy/")
    assert r.status == 200, r
    assert "Hello Ann! Visits: 5." in r.text
    assert session_of(r.cookie("sessionid")) == {"user_id": "Ann", "visits": "5"}


def test_hello_module(srv):
    c = srv.client()
    r = c.get("/hello")
    assert r.status == 200, r
    assert r.body == b"hello stranger\n"
    assert session_of(r.cookie("sessionid")) == {"last_page": "/hello"}

    c.jar["sessionid"] = marten_codec.encode(KEY, {"user_id": "7"})
    r = c.get("/hello")
    assert r.body == b"hello 7\n"
    assert session_of(r.cookie("sessionid")) == {"user_id": "7",
                                                 "last_page": "/hello"}
