"""The README's Quick start, as written: its configuration block verbatim
in a real httpd, its CGI script verbatim in /cgi-bin/, and its curl lines
run with sh against that server. The only stand-ins: the harness loads the
built module and mod_cgid (for `make install` and `a2enmod marten_session
cgid`), the server's own /cgi-bin/ directory plays Debian's
/usr/lib/cgi-bin/, and curl goes to the test port instead of
http://localhost/. The response shows the session working: the count goes
up through the cookie, which holds it.
"""

import os
import subprocess

import pytest

import marten_codec as mc
from test_400_cli import cli_path

MARK = "<!-- tested: tests/e2e/test_603_quick_start.py"


def quick_start_blocks(srcdir):
    """[(info string, text)] of the fenced blocks after MARK in README.md."""
    with open(os.path.join(srcdir, "README.md"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = []
    for i, line in enumerate(lines):
        if line.startswith(MARK):
            assert lines[i + 1].startswith("```"), "no fence after README line %d" % (i + 1)
            j = lines.index("```", i + 2)
            blocks.append((lines[i + 1][3:].strip(), "\n".join(lines[i + 2:j]) + "\n"))
    return blocks


@pytest.fixture(scope="module")
def quick_start(module_servers, ms_env):
    blocks = quick_start_blocks(ms_env.srcdir)
    assert [info for info, _ in blocks] == ["sh", "apache", "sh", "sh"], blocks
    install, conf, script, use = (text for _, text in blocks)
    # what the harness stands in for
    lines = install.split("\n")
    assert lines[:2] == ["make install", "a2enmod marten_session cgid"], install
    assert "LoadModule" not in conf
    h = module_servers("", name="quickstart")
    # the key line as written, with the CLI just built and a path of the
    # server root for /etc/apache2/marten-session.key
    key_file = h.path("conf", "marten-session.key")
    genkey = lines[2].replace("/etc/apache2/marten-session.key", key_file)
    genkey = genkey.replace("marten-session genkey", cli_path(ms_env) + " genkey")
    subprocess.run(["sh", "-c", genkey], check=True, timeout=30)
    assert os.stat(key_file).st_mode & 0o077 == 0
    h.snippet = conf.replace("/etc/apache2/marten-session.key", key_file)
    h.write_file("cgi-bin/counter", script, mode=0o755)
    h.start()
    with open(key_file) as f:
        key = f.read().strip()
    return {"server": h, "key": key, "use": use}


def test_quick_start_as_written(quick_start, tmp_path):
    h, key, use = quick_start["server"], quick_start["key"], quick_start["use"]
    assert use.startswith("a2enconf marten-quickstart && systemctl reload apache2\n")
    curls = [l for l in use.splitlines() if l.startswith("curl ")]
    assert len(curls) == 2 and all("http://localhost/cgi-bin/counter" in c for c in curls)
    seen = []
    for line in curls:
        line = line.replace("http://localhost/", "http://127.0.0.1:%d/" % h.port)
        res = subprocess.run(["sh", "-c", line], cwd=str(tmp_path), capture_output=True,
                             text=True, timeout=30)
        assert res.returncode == 0, res.stderr
        seen.append(res.stdout)
    assert seen == ["visit 1\n", "visit 2\n"], seen
    # the count is in the session cookie curl kept
    with open(tmp_path / "jar") as f:
        value = [l.split("\t")[6] for l in f.read().splitlines()
                 if l.split("\t")[5:6] == ["sessionid"]]
    assert len(value) == 1
    assert mc.decode_session(key, value[0].strip())[0] == {"visits": "2"}


def test_quick_start_new_visitor_starts_at_one(quick_start):
    c = quick_start["server"].client()
    r = c.get("/cgi-bin/counter")
    assert r.status == 200 and r.body == b"visit 1\n", r
    assert mc.decode_session(quick_start["key"], r.cookie("sessionid").value)[0] == {
        "visits": "1"}
    # the header the script wrote is the module's, not the client's
    assert not [k for k, _ in r.headers if k.lower().startswith("x-marten")]
    assert c.get("/cgi-bin/counter").body == b"visit 2\n"
