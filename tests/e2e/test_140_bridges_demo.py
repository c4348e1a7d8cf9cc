"""`make demo` end to end: the demo site (demo/run.sh, demo/app.py, a CGI on
the env and header bridges) started the way a user starts it, used through a
cookie jar, then stopped with Ctrl-C (SIGINT to its process group): it must
exit within seconds and remove its throw-away server root.
"""

import os
import re
import signal
import time
import urllib.parse

import pytest

import demo_util
import httpd as H
import marten_codec


class Demo(demo_util.DemoProcess):
    def interrupt(self, timeout=10):
        """Ctrl-C: SIGINT to the demo's process group; its exit code."""
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout)


@pytest.fixture
def demo(ms_env):
    d = Demo(ms_env)
    try:
        yield d
    finally:
        d.kill()


def home_facts(resp):
    visits = re.search(r"<b id='visits'>(\d+)</b>", resp.text)
    user = re.search(r"<b id='user'>([^<]*)</b>", resp.text)
    return (int(visits.group(1)) if visits else None,
            user.group(1) if user else None)


def test_make_demo(demo):
    roots = demo.roots()
    assert len(roots) == 1, roots
    root = roots[0]
    with open(os.path.join(root, "httpd.conf")) as f:
        key = re.search(r"^MartenSessionSecretKey (\S+)$", f.read(), re.M).group(1)

    def session(resp):
        return dict(marten_codec.decode_session(
            key, resp.cookie("sessionid").value)[0])

    c = H.Client("127.0.0.1", demo.port)
    r = c.get("/")
    assert r.status == 200, r
    assert home_facts(r) == (1, None)
    assert session(r) == {"visits": "1"}
    assert c.get("/").status == 200

    r = c.request("POST", "/login", body="name=Ada+L%C3%B6w",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 303, r
    assert urllib.parse.urlsplit(r.header("Location")).path == "/"
    assert session(r) == {"visits": "2", "user": "Ada L\u00f6w"}
    assert [k for k, _ in r.headers if k.lower().startswith("x-marten")] == []

    r = c.get("/")
    assert home_facts(r) == (3, "Ada L\u00f6w")
    r = c.get("/")
    assert home_facts(r) == (4, "Ada L\u00f6w")

    r = c.get("/logout")
    assert r.status == 303
    gone = r.cookie("sessionid")
    assert gone.value == "" and gone.max_age() == 0
    assert c.jar == {}
    r = c.get("/")
    assert home_facts(r) == (1, None)

    started = time.time()
    demo.interrupt(timeout=10)
    assert time.time() - started < 10
    deadline = time.time() + 5
    while (os.path.exists(root) or demo.group_alive()) and time.time() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(root), "the demo left %s behind" % root
    assert not demo.group_alive(), "processes of the demo are still running"
    demo.reader.join(5)
    problems = [l for l in demo.lines
                if re.search(r"\[[a-z_]+:(emerg|alert|crit|error|warn)\]", l)]
    assert problems == [], demo.text()
    # the access log (demo/httpd.conf.in) shows the user on the login itself
    assert any('"POST /login HTTP/1.1" 303 user=Ada L\\xc3\\xb6w' in l
               for l in demo.lines), demo.text()
