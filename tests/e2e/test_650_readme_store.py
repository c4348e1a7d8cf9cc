"""The README's "Choose a store" block, as written: its MartenSessionStore
line in a real httpd, with the modules its LoadModule lines name loaded from
where this build and this httpd keep them (the paths are the reader's own).
The session then lives on the server: the cookie is a 32-hex id, and the
session comes back through it."""

import os
import re

import pytest

import stores_util as su
from common import KEY

MARK = "<!-- tested: tests/e2e/test_650_readme_store.py"

# LoadModule's module name -> the line this test loads it with
LOADERS = {
    "socache_shmcb_module": lambda: su.httpd_module("socache_shmcb"),
    "marten_session_socache_module": lambda: su.load_store("socache"),
}


def store_block(srcdir):
    with open(os.path.join(srcdir, "README.md"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith(MARK)]
    assert len(starts) == 1, "one block marked for %s in README.md" % MARK
    i = starts[0]
    assert lines[i + 1] == "```apache", lines[i + 1]
    return lines[i + 2:lines.index("```", i + 2)]


def as_run(block):
    """The block with each LoadModule line replaced by this build's."""
    out = []
    for line in block:
        m = re.match(r"LoadModule\s+(\S+)\s+\S+$", line)
        if m:
            assert m.group(1) in LOADERS, line
            out.append(LOADERS[m.group(1)]().rstrip("\n"))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def srv(module_servers, ms_env):
    block = store_block(ms_env.srcdir)
    assert [l for l in block if l.startswith("MartenSessionStore")] == \
        ["MartenSessionStore socache shmcb"], block
    h = module_servers(as_run(block)
                       + "MartenSessionSecretKey %s\n" % KEY
                       + "<Location />\n    MartenSession On\n</Location>\n",
                       name="readme-store")
    h.start()
    return h


def test_readme_store_keeps_the_session_on_the_server(srv):
    c = srv.client()
    r = c.api("set", k="user_id", v="ada")
    sid = su.new_session_id(r)          # a 32-hex id, not the data
    r = c.api("get", k="user_id")
    assert r.status == 200 and r.body == b"ada", r
    su.assert_cookie_kept(r)
    assert c.jar["sessionid"] == sid
