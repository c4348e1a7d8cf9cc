"""`make demo` stopped every way a user or a tool stops it leaves nothing
behind (its throw-away server root holds the secret key in httpd.conf) and
reports no error:

- Ctrl-C: SIGINT to the whole process group (make, run.sh, httpd);
- SIGTERM to make alone (make passes it on to its recipe);
- SIGINT to make alone (make does not pass it on: it waits for its recipe,
  which watches make);
- demo/run.sh itself exits 0 after Ctrl-C and after SIGTERM.

make ends on the signal it was sent (how a shell sees any program stopped
by Ctrl-C; it cannot exit 0 then), but prints no `Error` and no `***`.
Each demo gets its own TMPDIR, so demos of other test runs on the machine
do not count. Every wait is bounded.
"""

import os
import re
import signal
import subprocess
import time

import pytest

import demo_util


class Demo(demo_util.DemoProcess):
    def stopped(self, sig, group, timeout=15):
        """Send sig; the exit status once every process of the group is
        gone (None if the demo did not stop within timeout)."""
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            os.kill(self.proc.pid, sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        deadline = time.time() + 5
        while self.group_alive() and time.time() < deadline:
            time.sleep(0.05)
        self.reader.join(5)
        return rc


@pytest.fixture
def demos(ms_env):
    made = []

    def start(direct=False):
        d = Demo(ms_env, direct=direct)
        made.append(d)
        # the root is there while it runs, with the key in its httpd.conf
        roots = d.roots()
        assert len(roots) == 1, roots
        with open(os.path.join(roots[0], "httpd.conf")) as f:
            assert re.search(r"^MartenSessionSecretKey [0-9a-f]{64}$", f.read(), re.M)
        return d
    yield start
    for d in made:
        d.kill()


def assert_clean_stop(d, rc, sig):
    assert rc is not None, "the demo did not stop:\n" + d.text()
    assert d.roots() == [], "left behind in %s: %s" % (d.tmpdir, d.roots())
    assert not d.group_alive(), "processes of the demo still run"
    assert not [l for l in d.lines if "***" in l or "Error" in l], d.text()
    assert rc in (0, -sig), (rc, d.text())


def test_ctrl_c(demos):
    d = demos()
    assert_clean_stop(d, d.stopped(signal.SIGINT, group=True), signal.SIGINT)


def test_sigterm_to_make_alone(demos):
    d = demos()
    assert_clean_stop(d, d.stopped(signal.SIGTERM, group=False), signal.SIGTERM)


def test_sigint_to_make_alone(demos):
    d = demos()
    assert_clean_stop(d, d.stopped(signal.SIGINT, group=False), signal.SIGINT)


@pytest.mark.parametrize("sig, group", [(signal.SIGINT, True), (signal.SIGTERM, False),
                                        (signal.SIGHUP, True)])
def test_run_sh_exits_0(demos, sig, group):
    d = demos(direct=True)
    rc = d.stopped(sig, group=group)
    assert rc == 0, (rc, d.text())
    assert_clean_stop(d, rc, sig)
