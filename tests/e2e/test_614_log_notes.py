"""The README's LogFormat, as written, logs session values (issue 11, item
16e): the notes marten-session:<key> are set whenever the request read the
session, with MartenSessionEnv Off too, and the field is quoted, so a value
with spaces or quotes keeps the line parseable."""

import os
import re
import shlex

import pytest

from bridges_util import wait_for_log
from common import KEY, decode_cookie, handler_location

SRCDIR = os.environ.get("MS_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))


def readme_logging_block():
    with open(os.path.join(SRCDIR, "README.md"), encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"^```apache\n(.*?)^```$", text, re.M | re.S)
    found = [b for b in blocks if "LogFormat" in b and "marten-session:user_id" in b]
    assert found, "README has no LogFormat block with marten-session:user_id"
    return found[0]


def test_readme_field_is_quoted():
    assert '\\"%{marten-session:user_id}n\\"' in readme_logging_block()


@pytest.fixture(scope="module", params=["env-off", "env-unset", "env-on"])
def srv(request, module_servers):
    env = {"env-off": "MartenSessionEnv Off\n", "env-unset": "",
           "env-on": "MartenSessionEnv On\n"}[request.param]
    h = module_servers("", name="lognotes-" + request.param)
    h.snippet = ("MartenSessionSecretKey %s\nMartenSession On\n%s" % (KEY, env)
                 + handler_location("/api")
                 + "Define APACHE_LOG_DIR %s\n" % h.path("logs")
                 + readme_logging_block())
    h.env_on = request.param == "env-on"
    h.start()
    return h


def logged(srv, probe):
    line = wait_for_log(os.path.join(srv.path("logs"), "access.log"),
                        lambda l: "probe=%s " % probe in l)
    # the README's format: %h %l "user" %t "%r" %>s %b
    fields = shlex.split(line.replace("[", '"').replace("]", '"'), posix=False)
    return line, fields


def test_value_with_spaces_logged_quoted(srv):
    c = srv.client()
    r = c.api("set", k="user_id", v="Ada Lovelace")
    assert r.status == 200
    assert decode_cookie(r.cookie("sessionid"))[0] == {"user_id": "Ada Lovelace"}
    # a later request that only reads the session
    r = c.get("/api/get?k=user_id&probe=read")
    assert r.body == b"Ada Lovelace"
    line, fields = logged(srv, "read")
    assert ' "Ada Lovelace" [' in line, line
    assert fields[2] == '"Ada Lovelace"' and fields[5] == "200", (line, fields)


def test_value_set_on_the_request_itself_is_logged(srv):
    c = srv.client()
    r = c.get("/api/set?k=user_id&v=grace&probe=login")
    assert r.status == 200
    line, _ = logged(srv, "login")
    assert ' "grace" [' in line, line


def test_quotes_in_a_value_are_escaped(srv):
    c = srv.client()
    c.api("set", k="user_id", v='say "hi"')
    c.get("/api/get?k=user_id&probe=quote")
    line, _ = logged(srv, "quote")
    assert ' "say \\"hi\\"" [' in line, line


def test_request_that_never_reads_the_session_logs_a_dash(srv):
    """Nothing reads the session of a static file, unless MartenSessionEnv
    On exports it (which reads it)."""
    c = srv.client()
    c.api("set", k="user_id", v="ada")
    r = c.get("/index.html?probe=static")
    assert r.status == 200
    line, _ = logged(srv, "static")
    assert (' "ada" [' if srv.env_on else ' "-" [') in line, line
