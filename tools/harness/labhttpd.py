"""Plumbing for the throw-away httpd instances of the end-to-end tests
(tests/e2e/httpd.py), `make bench` (bench/run.py) and `make stress`
(tools/stress/stress.py), kept here once: the build's paths (MS_*
variables), free ports, the run user when root, a server root, starting
httpd in the foreground and `httpd -t`, waiting for a port, the MPM
children of an httpd from /proc, stopping a process and httpd, a private
redis-server, and the common head of their httpd.conf.

Pure Python 3 standard library. The users import it through a sys.path
entry relative to their own location.

Every process is signalled by its own PID only; everything listens on
127.0.0.1 only.
"""

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time


SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Paths:
    """What the build made and where httpd is: MS_HTTPD, MS_MODULES_DIR,
    MS_MODULE, MS_TEST_MODULE, MS_STORES_DIR and MS_SRCDIR (`make` sets
    them), else the defaults of an in-tree build."""

    def __init__(self, environ=None):
        e = os.environ if environ is None else environ
        self.srcdir = os.path.abspath(e.get("MS_SRCDIR") or SRCDIR)
        self.httpd = e.get("MS_HTTPD") or shutil.which("apache2") \
            or "/usr/sbin/apache2"
        self.modules_dir = e.get("MS_MODULES_DIR") \
            or self.default_modules_dir() or "/usr/lib/apache2/modules"
        self.module = e.get("MS_MODULE") or os.path.join(
            self.srcdir, ".libs", "mod_marten_session.so")
        self.test_module = e.get("MS_TEST_MODULE") or os.path.join(
            self.srcdir, "tests", "modules", ".libs", "mod_marten_session_test.so")
        self.stores_dir = e.get("MS_STORES_DIR") or os.path.join(
            self.srcdir, "stores", ".libs")

    def default_modules_dir(self):
        """httpd's module directory when MS_MODULES_DIR is unset (None:
        Debian's)."""
        return None

    def of_httpd(self):
        """(httpd, modules_dir, module, test_module, stores_dir)."""
        return (self.httpd, self.modules_dir, self.module, self.test_module,
                self.stores_dir)


def free_port():
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_user():
    """(user, group) for httpd's User/Group directives when we are root:
    www-data, else nobody/nogroup (the first whose user and group exist,
    nobody/nogroup when neither does); None when not root."""
    if os.geteuid() != 0:
        return None
    for user, group in (("www-data", "www-data"), ("nobody", "nogroup")):
        try:
            pwd.getpwnam(user)
            grp.getgrnam(group)
            return user, group
        except KeyError:
            continue
    return "nobody", "nogroup"


def server_root(base, name, subdirs=()):
    """A new 0755 directory name-XXXX under base, with 0755 subdirs (the
    httpd user must reach them)."""
    root = tempfile.mkdtemp(prefix=name + "-", dir=base)
    os.chmod(root, 0o755)
    for sub in subdirs:
        path = os.path.join(root, sub)
        os.makedirs(path, exist_ok=True)
        os.chmod(path, 0o755)
    return root


def start_httpd(httpd, root, conf, out):
    """`httpd -DFOREGROUND` on root and conf, its output (stdout and
    stderr) to the open file out; the Popen."""
    return subprocess.Popen([httpd, "-DFOREGROUND", "-d", root, "-f", conf],
                            stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT, close_fds=True)


def check_config(httpd, root, conf):
    """`httpd -t` on root and conf: (exit code, stdout and stderr)."""
    res = subprocess.run([httpd, "-t", "-d", root, "-f", conf],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace", timeout=60)
    return res.returncode, res.stdout


def wait_port(port, timeout, proc=None, interval=0.05):
    """True once 127.0.0.1:port accepts a connection; False after timeout
    seconds, or as soon as proc (if given) has exited. Tries every interval
    seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return True
        except OSError:
            time.sleep(interval)
    return False


def mpm_children(ppid):
    """Sorted PIDs of the MPM children of the httpd parent ppid: its child
    processes with more than one thread (mod_cgid's daemon has one, a zombie
    has one)."""
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) != ppid:
                    continue
            with open("/proc/%s/status" % d) as f:
                m = re.search(r"^Threads:\s+(\d+)", f.read(), re.M)
            if m and int(m.group(1)) > 1:
                kids.append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(kids)


def vmrss_kb(pid):
    """The resident set size of process pid in kB, None when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def terminate(proc, timeout, sig=signal.SIGTERM):
    """Send sig to proc's own PID if it still runs (proc may be None), wait
    up to timeout seconds, then SIGKILL and wait."""
    if proc is None:
        return
    if proc.poll() is None:
        os.kill(proc.pid, sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def stop_httpd(proc, drain=5.0, interval=0.05, timeout=15):
    """Stop the httpd parent proc (a Popen of `httpd -DFOREGROUND`).

    A plain SIGTERM makes mpm_event children crash now and then (about one
    stop in 60 in the e2e suite: SIGSEGV in the child's ungraceful shutdown,
    with no module of ours loaded). So: SIGWINCH (graceful stop) first, wait
    up to drain seconds (polling every interval) until the MPM children have
    exited, then SIGTERM to end the parent's wait loop at once; SIGKILL only
    when the parent has not exited timeout seconds later."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGWINCH)
    deadline = time.time() + drain
    while (time.time() < deadline and proc.poll() is None
           and mpm_children(proc.pid)):
        time.sleep(interval)
    terminate(proc, timeout)


def load_module(name, path):
    """A LoadModule line."""
    return "LoadModule %s %s" % (name, path)


_RUN_USER = object()


def conf_head(generated_by, root, port, modules_dir, builtin, loads,
              user_group=_RUN_USER):
    """The first lines of an httpd.conf for a throw-away server root: a
    comment, ServerRoot and run files under root, Listen 127.0.0.1:port,
    User/Group (user_group, by default run_user(); an empty line for None),
    a LoadModule line for each httpd module in builtin (e.g. "mpm_event"
    loads modules_dir/mod_mpm_event.so as mpm_event_module), then the lines
    of loads (one line, empty when there are none). Ends with a newline."""
    ug = run_user() if user_group is _RUN_USER else user_group
    lines = ["# generated by " + generated_by,
             'ServerRoot "%s"' % root,
             'DefaultRuntimeDir "%s/run"' % root,
             'PidFile "%s/run/httpd.pid"' % root,
             "Mutex file:%s/run default" % root,
             "Listen 127.0.0.1:%d" % port,
             "ServerName 127.0.0.1",
             "User %s\nGroup %s" % ug if ug else ""]
    lines += [load_module("%s_module" % m, "%s/mod_%s.so" % (modules_dir, m))
              for m in builtin]
    lines.append("\n".join(loads))
    return "\n".join(lines) + "\n"


class Redis:
    """A private redis-server on 127.0.0.1 and a free port, its data in a
    new directory under base. Its command line is
    binary --port PORT --bind 127.0.0.1 OPTIONS..., where an option equal to
    Redis.DATA_DIR stands for that directory. With log, its output goes to
    redis.log in that directory (appended over restarts); else nowhere."""

    DATA_DIR = object()

    def __init__(self, base, options, binary="redis-server", log=True,
                 port=None, preexec_fn=None):
        self.dir = tempfile.mkdtemp(prefix="redis-", dir=base)
        self.port = port or free_port()
        self.options = list(options)
        self.binary = binary
        self.log = log
        self.preexec_fn = preexec_fn
        self.proc = None
        self.out = None

    def argv(self):
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"] + [
            self.dir if o is Redis.DATA_DIR else o for o in self.options]

    def start(self, timeout=15):
        """Start it; True once it accepts connections, False when it exited
        or did not listen within timeout seconds (then still running or
        not: the caller stops or kills it)."""
        if self.log:
            self.out = open(os.path.join(self.dir, "redis.log"), "ab")
            out, err = self.out, subprocess.STDOUT
        else:
            out = err = subprocess.DEVNULL
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=err, close_fds=True,
                                     preexec_fn=self.preexec_fn)
        return wait_port(self.port, timeout, self.proc, interval=0.02)

    def _close(self):
        self.proc = None
        if self.out:
            self.out.close()
            self.out = None

    def kill(self):
        """A crash: SIGKILL to our redis-server's PID."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._close()

    def stop(self, timeout=15):
        """SIGTERM to our redis-server's PID; SIGKILL after timeout."""
        if self.proc and self.proc.poll() is None:
            terminate(self.proc, timeout)
        self._close()
