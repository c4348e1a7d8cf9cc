"""`make demo` end to end: the demo site (demo/run.sh, demo/app.py, a CGI on
the env and header bridges) started the way a user starts it, used through a
cookie jar, then stopped with Ctrl-C (SIGINT to its process group): it must
exit within seconds and remove its throw-away server root.
"""

import glob
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse

import pytest

import httpd as H
import marten_codec


def build_dir(env):
    """Where `make demo` runs: the build tree of the module under test
    (MS_MODULE from `make check-e2e` is <builddir>/.libs/...), else the
    source tree."""
    if os.environ.get("MS_MODULE"):
        return os.path.dirname(os.path.dirname(os.path.abspath(env.module)))
    return env.srcdir


class Demo:
    def __init__(self, env):
        self.port = H.free_port()
        before = set(glob.glob("/tmp/marten-demo.*"))
        clean = {k: v for k, v in os.environ.items()
                 if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        self.proc = subprocess.Popen(
            ["make", "--no-print-directory", "-C", build_dir(env), "demo",
             "PORT=%d" % self.port],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True, env=clean)
        self.pgid = self.proc.pid          # its own session and group
        self.output = []
        self.url_seen = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.url_seen.wait(120):
            self.kill()
            pytest.fail("make demo printed no URL:\n" + self.text())
        self.roots = sorted(set(glob.glob("/tmp/marten-demo.*")) - before)
        # run.sh prints the URL as it starts httpd, not once httpd listens
        if not H.wait_port(self.port, 15, self.proc):
            self.kill()
            pytest.fail("the demo does not answer:\n" + self.text())

    def _read(self):
        want = "demo: http://127.0.0.1:%d/" % self.port
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace")
            self.output.append(line)
            if want in line:
                self.url_seen.set()
        self.url_seen.set()

    def text(self):
        return "".join(self.output)

    def group_alive(self):
        try:
            os.killpg(self.pgid, 0)
            return True
        except ProcessLookupError:
            return False

    def interrupt(self, timeout=10):
        """Ctrl-C: SIGINT to the demo's process group; its exit code."""
        os.killpg(self.pgid, signal.SIGINT)
        return self.proc.wait(timeout)

    def kill(self):
        """After a failure: Ctrl-C first (the script cleans up), SIGKILL to
        the group if that is not enough, and remove what it left."""
        if self.proc.poll() is None:
            try:
                self.interrupt(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.group_alive():
            os.killpg(self.pgid, signal.SIGKILL)
        self.proc.wait()
        for root in getattr(self, "roots", []):
            shutil.rmtree(root, ignore_errors=True)


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
    assert len(demo.roots) == 1, demo.roots
    root = demo.roots[0]
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
    problems = [l for l in demo.output
                if re.search(r"\[[a-z_]+:(emerg|alert|crit|error|warn)\]", l)]
    assert problems == [], demo.text()
    # the access log (demo/httpd.conf.in) shows the user on the login itself
    assert any('"POST /login HTTP/1.1" 303 user=Ada L\\xc3\\xb6w' in l
               for l in demo.output), demo.text()
