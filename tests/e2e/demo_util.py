"""`make demo` (or demo/run.sh alone) as the tests start it: in its own
session and process group, on a free port, its throw-away server root in a
TMPDIR of its own (so demos of other test runs on the machine are not
mistaken for it), its output collected. Every wait is bounded."""

import os
import signal
import subprocess
import tempfile
import threading
import time

import pytest

import httpd as H
from common import build_dir


class DemoProcess:
    def __init__(self, env, samesite=None, direct=False):
        self.port = H.free_port()
        self.tmpdir = tempfile.mkdtemp(prefix="demo-", dir=H.shared_base_dir())
        os.chmod(self.tmpdir, 0o755)
        menv = {k: v for k, v in os.environ.items()
                if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SAMESITE")}
        menv.update(TMPDIR=self.tmpdir, PORT=str(self.port))
        if samesite:
            menv["SAMESITE"] = samesite        # as in: SAMESITE=Strict make demo
        if direct:
            menv.update(MS_HTTPD=env.httpd, MS_MODULES_DIR=env.modules_dir,
                        MS_MODULE=env.module)
            cmd = ["sh", os.path.join(env.srcdir, "demo", "run.sh")]
        else:
            cmd = ["make", "--no-print-directory", "-C", build_dir(env), "demo",
                   "PORT=%d" % self.port]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     env=menv)
        self.lines = []
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.ready.wait(120) or self.proc.poll() is not None:
            self.kill()
            pytest.fail("the demo printed no URL:\n" + self.text())
        deadline = time.time() + 15
        while True:
            try:
                H.Client("127.0.0.1", self.port, timeout=5).get("/session")
                break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.kill()
                    pytest.fail("the demo does not answer:\n" + self.text())
                time.sleep(0.05)

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace")
            self.lines.append(line)
            if "demo: http://127.0.0.1:%d/" % self.port in line:
                self.ready.set()
        self.ready.set()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def text(self):
        return "".join(self.lines)

    def roots(self):
        """The demo's server roots still on disk (one while it runs)."""
        return [os.path.join(self.tmpdir, n) for n in os.listdir(self.tmpdir)
                if n.startswith("marten-demo.")]

    def group_alive(self):
        try:
            os.killpg(self.proc.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def kill(self):
        """After a test: SIGKILL to whatever is left, and its roots removed."""
        if self.group_alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for root in self.roots():
            subprocess.run(["rm", "-rf", root])
