"""A small harness that runs a real httpd for the end-to-end tests.

    h = Httpd(base_dir, conf_snippet)     # throw-away server root, free port
    h.start()                             # foreground httpd, waits for the port
    r = h.client().api("set", k="a", v="1")
    h.stop()                              # graceful stop of our own PID, then wait
    rc, out = h.check_config(snippet)     # `httpd -t` on a config

Every server listens on 127.0.0.1 only, on a port the kernel picked, and
keeps everything (config, logs, pid file, mutexes, cgid socket, document
root, CGI scripts) in its own server root. The error log is checked after
each test (see conftest.py): a line at warn level or worse, or a crashed
child, fails the test unless the test declared it with h.expect_log().

HTTP goes through http.client with no header folding: repeated Set-Cookie
headers stay separate (Response.headers is the raw list).

The process plumbing (paths, ports, run user, starting and stopping httpd)
is tools/harness/labhttpd.py's, shared with `make bench` and `make stress`.
"""

import datetime as _dt
import email.utils
import http.client
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "tools", "harness"))
from labhttpd import (Paths, check_config, conf_head, free_port,  # noqa: E402,F401
                      run_user, server_root, start_httpd, stop_httpd, wait_port)

# ---------------------------------------------------------------------------
# Environment (the variables `make check-e2e` sets; defaults for direct runs)
# ---------------------------------------------------------------------------

class Env(Paths):
    """labhttpd.Paths (MS_HTTPD, MS_MODULES_DIR, MS_MODULE, MS_TEST_MODULE,
    MS_STORES_DIR, MS_SRCDIR) and MS_APXS."""

    def __init__(self):
        e = os.environ
        self.apxs = e.get("MS_APXS") or shutil.which("apxs") or "/usr/bin/apxs"
        super().__init__(e)
        self.test_module_given = bool(e.get("MS_TEST_MODULE"))
        self.test_module_src = os.path.join(
            self.srcdir, "tests", "modules", "mod_marten_session_test.c")
        self.cgi_dir = os.path.join(self.srcdir, "tests", "cgi")

    def default_modules_dir(self):
        return self._apxs_q("LIBEXECDIR")

    def _apxs_q(self, var):
        try:
            out = subprocess.run([self.apxs, "-q", var], capture_output=True,
                                 text=True, timeout=30)
            return out.stdout.strip() or None
        except (OSError, subprocess.SubprocessError):
            return None

    def module_built(self):
        return os.path.isfile(self.module)

    def ensure_test_module(self):
        """Build the test module when running outside `make check-e2e`
        (MS_TEST_MODULE unset): `make` in the source tree knows how (it
        links lib/'s hex coder) and when it is out of date. Returns None or
        an error text."""
        if self.test_module_given:
            return None if os.path.isfile(self.test_module) else \
                "MS_TEST_MODULE %s does not exist" % self.test_module
        res = subprocess.run(
            ["make", "-s", os.path.relpath(self.test_module, self.srcdir)],
            cwd=self.srcdir, capture_output=True, text=True)
        if res.returncode != 0 or not os.path.isfile(self.test_module):
            return "building the test module failed:\n" + res.stdout + res.stderr
        return None


# ---------------------------------------------------------------------------
# Error log checking
# ---------------------------------------------------------------------------

BAD_LEVELS = ("emerg", "alert", "crit", "error", "warn")
_LOG_LINE = re.compile(
    r"^\[(?P<date>[^\]]*)\] \[(?P<module>[^:\]\s]*):(?P<level>[a-z]+[0-9]?)\] "
    r"(?P<rest>.*)$")
# A crashed child is logged at notice level; it is always a problem.
_CRASH = re.compile(r"AH00052|exit signal|Segmentation fault|core dumped|"
                    r"AH00060|AH00059")


def log_level(line):
    """(module, level) of an error log line, or (None, None)."""
    m = _LOG_LINE.match(line)
    return (m.group("module"), m.group("level")) if m else (None, None)


# Warnings other modules log about the machine the tests run on, not about
# the module or a test's configuration: (module, message code). AH01882:
# mod_ssl built against a newer OpenSSL than the libssl3 installed.
MACHINE_WARNINGS = {("ssl", "AH01882")}
_CODE = re.compile(r"^(?:\[[^\]]*\] )*(?P<code>[A-Z]+[0-9]{4,5}):")


def is_machine_warning(line):
    """A warn line of MACHINE_WARNINGS; never one of our modules'."""
    m = _LOG_LINE.match(line)
    if not m or m.group("level") != "warn" or "marten" in line.lower():
        return False
    code = _CODE.match(m.group("rest"))
    return bool(code) and (m.group("module"), code.group("code")) in MACHINE_WARNINGS


def is_problem(line):
    """Does this error log line fail a test unless expected?"""
    if not line.strip():
        return False
    if _CRASH.search(line):
        return True
    module, level = log_level(line)
    if level is None:
        return True  # raw output on the log (stderr of a child, a crash)
    return level in BAD_LEVELS and not is_machine_warning(line)


class _Expectation:
    def __init__(self, pattern, count, required):
        self.regex = re.compile(pattern)
        self.remaining = count       # None: any number
        self.required = required
        self.matched = 0

    def consume(self, line):
        if self.remaining is not None and self.remaining <= 0:
            return False
        if not self.regex.search(line):
            return False
        self.matched += 1
        if self.remaining is not None:
            self.remaining -= 1
        return True


def find_problems(lines, expectations):
    """Lines that are problems and not consumed by an expectation, plus the
    descriptions of required expectations that matched nothing."""
    problems = []
    for line in lines:
        if not is_problem(line):
            continue
        if any(exp.consume(line) for exp in expectations):
            continue
        problems.append(line)
    unmet = ["expected log line /%s/ did not appear" % exp.regex.pattern
             for exp in expectations if exp.required and exp.matched == 0]
    return problems, unmet


# ---------------------------------------------------------------------------
# Set-Cookie parsing, responses, a client with a cookie jar
# ---------------------------------------------------------------------------

class SetCookie(tuple):
    """(name, value, attrs, flags), from parse_set_cookie().

    attrs: dict of attributes with a value, keys lowercased ("path",
    "expires", "max-age", "domain", "samesite");
    flags: set of valueless attributes, lowercased ("secure", "httponly").
    Also .order (lowercased attribute names as they came) and .raw.
    """

    def __new__(cls, name, value, attrs, flags, order, raw):
        self = super().__new__(cls, (name, value, attrs, flags))
        self.order = order
        self.raw = raw
        return self

    name = property(lambda self: self[0])
    value = property(lambda self: self[1])
    attrs = property(lambda self: self[2])
    flags = property(lambda self: self[3])

    def expires(self):
        """The Expires attribute as an aware UTC datetime, or None."""
        if "expires" not in self.attrs:
            return None
        return parse_http_date(self.attrs["expires"])

    def max_age(self):
        return int(self.attrs["max-age"]) if "max-age" in self.attrs else None

    def is_deletion(self, now=None):
        """Does a browser drop the cookie on receiving this?"""
        if "max-age" in self.attrs:
            try:
                return int(self.attrs["max-age"]) <= 0
            except ValueError:
                return False
        exp = self.expires() if "expires" in self.attrs else None
        if exp is not None:
            now = now or _dt.datetime.now(_dt.timezone.utc)
            return exp <= now
        return False


def parse_set_cookie(header):
    """Parse one Set-Cookie header value into a SetCookie."""
    parts = header.split(";")
    name, sep, value = parts[0].partition("=")
    if not sep:
        raise ValueError("Set-Cookie without '=': %r" % header)
    attrs, flags, order = {}, set(), []
    for part in parts[1:]:
        part = part.strip()
        if not part:
            continue
        k, sep, v = part.partition("=")
        k = k.strip().lower()
        order.append(k)
        if sep:
            attrs[k] = v.strip()
        else:
            flags.add(k)
    return SetCookie(name.strip(), value.strip(), attrs, flags, order, header)


def parse_http_date(text):
    """An IMF-fixdate (or other RFC 7231 date) as an aware UTC datetime."""
    t = email.utils.parsedate_to_datetime(text)
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    return t.astimezone(_dt.timezone.utc)


IMF_FIXDATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} GMT$")


class Response:
    def __init__(self, status, reason, headers, body, started, finished):
        self.status = status
        self.reason = reason
        self.headers = headers          # [(name, value), ...] as received
        self.body = body
        self.started = started          # time.time() before the request
        self.finished = finished        # time.time() after the response

    @property
    def text(self):
        return self.body.decode("utf-8", "surrogateescape")

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def header(self, name):
        vals = self.header_all(name)
        return vals[0] if vals else None

    @property
    def set_cookies(self):
        """All Set-Cookie headers, parsed, in order."""
        return [parse_set_cookie(v) for v in self.header_all("Set-Cookie")]

    def cookies_named(self, name):
        return [c for c in self.set_cookies if c.name == name]

    def cookie(self, name):
        """The one Set-Cookie for name, or None; fails if there are several."""
        found = self.cookies_named(name)
        assert len(found) <= 1, "%d Set-Cookie headers for %s: %r" % (
            len(found), name, [c.raw for c in found])
        return found[0] if found else None

    @property
    def vary(self):
        """Lowercased tokens of all Vary headers."""
        tokens = set()
        for v in self.header_all("Vary"):
            tokens.update(t.strip().lower() for t in v.split(",") if t.strip())
        return tokens

    def __repr__(self):
        return "<Response %d %r headers=%r body=%r>" % (
            self.status, self.reason, self.headers, self.body[:200])


class Client:
    """HTTP/1.1 client for one server, with a cookie jar kept by name.

    A Set-Cookie with Max-Age <= 0, or (without Max-Age) an Expires in the
    past, removes the cookie from the jar; any other one stores its value.
    Paths and domains are ignored: everything is one host.
    """

    def __init__(self, host, port, timeout=15):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.jar = {}

    def cookie_header(self):
        return "; ".join("%s=%s" % kv for kv in self.jar.items())

    def update_jar(self, response):
        for c in response.set_cookies:
            if c.is_deletion():
                self.jar.pop(c.name, None)
            else:
                self.jar[c.name] = c.value

    def request(self, method, path, headers=None, body=None, cookie=None,
                use_jar=True, store=True):
        """Send one request on a fresh connection.

        cookie: an explicit Cookie header (str) or dict, instead of the jar.
        use_jar: send the jar's cookies (when cookie is None).
        store: apply the response's Set-Cookie headers to the jar.
        """
        hdrs = dict(headers or {})
        if cookie is not None:
            if isinstance(cookie, dict):
                cookie = "; ".join("%s=%s" % kv for kv in cookie.items())
            hdrs["Cookie"] = cookie
        elif use_jar and self.jar:
            hdrs["Cookie"] = self.cookie_header()
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=self.timeout)
        started = time.time()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            result = Response(resp.status, resp.reason, resp.getheaders(),
                              data, started, time.time())
        finally:
            conn.close()
        if store:
            self.update_jar(result)
        return result

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def api(self, op, *pairs, prefix="/api", request_kw=None, **params):
        """GET prefix/op?query, query from (name, value) pairs then params.

        c.api("set", k="a", v="1"); c.api("set", ("k","a"), ("v","1"),
        ("k","b"), ("v","2")); request options go in request_kw.
        """
        items = list(pairs) + list(params.items())
        path = "%s/%s" % (prefix.rstrip("/"), op)
        if items:
            path += "?" + urllib.parse.urlencode(items)
        return self.get(path, **(request_kw or {}))


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------

def _traversable_by_others(path):
    path = os.path.abspath(path)
    while True:
        try:
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


_SHARED_BASE = None


def shared_base_dir():
    """A 0755 directory for server roots whose parents the httpd user can
    traverse (pytest's /tmp/pytest-of-root is 0700). Removed at exit by
    conftest unless MS_E2E_KEEP is set or a test failed."""
    global _SHARED_BASE
    if _SHARED_BASE is None:
        _SHARED_BASE = tempfile.mkdtemp(prefix="ms-e2e-")
        os.chmod(_SHARED_BASE, 0o755)
    return _SHARED_BASE


# httpd's own modules every server loads (labhttpd.conf_head)
HTTPD_MODULES = ("mpm_event", "authz_core", "mime", "alias", "cgid", "dir",
                 "rewrite", "env", "headers")

# after labhttpd.conf_head()
CONF_TEMPLATE = """\
StartServers 1
ServerLimit 2
ThreadLimit 16
ThreadsPerChild 16
MinSpareThreads 4
MaxSpareThreads 32
MaxRequestWorkers 32
Timeout 15
KeepAlive On
GracefulShutdownTimeout 1

ScriptSock "{root}/run/cgid.sock"
TypesConfig "{root}/conf/mime.types"
DirectoryIndex index.html

ErrorLog "{root}/logs/error_log"
{loglevel}
LogFormat "%a %t \\"%r\\" %>s %b %Dus pid=%P" ms_e2e
CustomLog "{root}/logs/access_log" ms_e2e

<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
DocumentRoot "{root}/htdocs"
<Directory "{root}/htdocs">
    Require all granted
</Directory>
ScriptAlias /cgi-bin/ "{root}/cgi-bin/"
<Directory "{root}/cgi-bin">
    Options +ExecCGI
    Require all granted
</Directory>
<Location /api>
    SetHandler marten-session-test
</Location>

# --- test configuration ---
{snippet}
"""

_MIME_TYPES = "text/html html htm\ntext/plain txt\napplication/json json\n"


class HttpdError(RuntimeError):
    pass


_LIVE = []


def live_servers():
    return list(_LIVE)


class Httpd:
    """One httpd with its own server root under base_dir.

    conf_snippet: configuration appended to the template (server level).
    load_module / load_test_module: LoadModule our module / the test module.
    """

    def __init__(self, base_dir, conf_snippet="", name="httpd",
                 load_module=True, load_test_module=True, env=None):
        self.env = env or Env()
        self.name = name
        self.load_module = load_module
        self.load_test_module = load_test_module
        self.snippet = conf_snippet
        base_dir = os.path.abspath(str(base_dir))
        os.makedirs(base_dir, exist_ok=True)
        self.user_group = run_user()
        subdirs = ("conf", "logs", "run", "htdocs", "cgi-bin")
        if self.user_group and not _traversable_by_others(base_dir):
            # The httpd user could not reach the server root: put it in a
            # shared 0755 directory and leave a symlink where it was asked.
            self.root = server_root(shared_base_dir(), name, subdirs)
            os.symlink(self.root, os.path.join(base_dir,
                                               os.path.basename(self.root)))
        else:
            self.root = server_root(base_dir, name, subdirs)
        with open(os.path.join(self.root, "conf", "mime.types"), "w") as f:
            f.write(_MIME_TYPES)
        with open(os.path.join(self.root, "htdocs", "index.html"), "w") as f:
            f.write("<html><body>ms-e2e</body></html>\n")
        self._install_cgi()
        self.conf_path = os.path.join(self.root, "conf", "httpd.conf")
        self.error_log = os.path.join(self.root, "logs", "error_log")
        self.access_log = os.path.join(self.root, "logs", "access_log")
        self.stderr_path = os.path.join(self.root, "logs", "stderr")
        self.port = free_port()
        self.proc = None
        self._stderr_file = None
        self._log_offset = 0          # error log checked up to here
        self._test_offset = 0         # where the current test's window began
        self._expectations = []
        self._checks = 0

    # --- files ---------------------------------------------------------------

    def _install_cgi(self):
        src = self.env.cgi_dir
        dst = os.path.join(self.root, "cgi-bin")
        if not os.path.isdir(src):
            return
        for entry in os.listdir(src):
            p = os.path.join(src, entry)
            if os.path.isfile(p) and not entry.startswith("."):
                shutil.copy(p, os.path.join(dst, entry))
                os.chmod(os.path.join(dst, entry), 0o755)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write_file(self, relpath, content, mode=0o644):
        p = self.path(relpath)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w" if isinstance(content, str) else "wb") as f:
            f.write(content)
        os.chmod(p, mode)
        return p

    def config_text(self, snippet=None):
        if snippet is None:
            snippet = self.snippet
        load = []
        if self.load_module:
            load.append("LoadModule marten_session_module %s" % self.env.module)
        if self.load_test_module:
            load.append("LoadModule marten_session_test_module %s"
                        % self.env.test_module)
        return conf_head(
            "tests/e2e/httpd.py for " + self.name, self.root, self.port,
            self.env.modules_dir, HTTPD_MODULES, load,
            user_group=self.user_group) + CONF_TEMPLATE.format(
            root=self.root,
            loglevel="LogLevel warn marten_session:debug" if self.load_module
            else "LogLevel warn",
            snippet=snippet.replace("@ROOT@", self.root).replace(
                "@PORT@", str(self.port)))

    def write_config(self, snippet=None, path=None):
        with open(path or self.conf_path, "w") as f:
            f.write(self.config_text(snippet))
        return path or self.conf_path

    # --- control -------------------------------------------------------------

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def check_config(self, snippet=None):
        """`httpd -t` on the template with snippet (default: the current
        one). Returns (exit code, stdout + stderr). Uses its own file, so a
        running server is not disturbed."""
        self._checks += 1
        path = self.write_config(snippet, path=os.path.join(
            self.root, "conf", "check-%d.conf" % self._checks))
        return check_config(self.env.httpd, self.root, path)

    def start(self, timeout=15):
        if self.running:
            raise HttpdError("%s already running" % self.name)
        for attempt in range(3):
            self.write_config()
            err = self._start_once(timeout)
            if err is None:
                if self not in _LIVE:
                    _LIVE.append(self)
                return self
            if "Address already in use" in err and attempt < 2:
                self.port = free_port()
                continue
            raise HttpdError("%s did not start: %s" % (self.name, err))

    def _start_once(self, timeout):
        self._stderr_file = open(self.stderr_path, "ab")
        self.proc = start_httpd(self.env.httpd, self.root, self.conf_path,
                                self._stderr_file)
        if wait_port(self.port, timeout, self.proc, interval=0.02):
            self._wait_for_a_child()
            self._wait_for_cgid()
            return None
        if self.proc.poll() is not None:
            self._close_stderr()
            code = self.proc.returncode
            self.proc = None
            return "exit code %s\n--- stderr ---\n%s\n--- error_log ---\n%s" % (
                code, self._read(self.stderr_path)[-3000:],
                self._read(self.error_log)[-3000:])
        self._kill()
        return "port %d did not answer within %ss" % (self.port, timeout)

    def _wait_for_a_child(self):
        """The parent's socket answers before a child serves. One request
        that a child answers (OPTIONS *, which touches no session) makes
        sure a child has finished starting: a child stopped while it starts
        can crash in mpm_event (see stop())."""
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                conn.request("OPTIONS", "*")
                conn.getresponse().read()
            finally:
                conn.close()
        except (OSError, http.client.HTTPException):
            pass

    def _wait_for_cgid(self, timeout=5):
        """mod_cgid's daemon creates its socket as root with mode 0700 and
        only then gives it to the User: a CGI request in between fails with
        EACCES (AH01257). Wait until the socket belongs to the User."""
        if not self.user_group:
            return
        uid = pwd.getpwnam(self.user_group[0]).pw_uid
        sock = os.path.join(self.root, "run", "cgid.sock.%d" % self.proc.pid)
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            try:
                if os.stat(sock).st_uid == uid:
                    return
            except OSError:
                pass
            time.sleep(0.01)

    def _close_stderr(self):
        if self._stderr_file:
            self._stderr_file.close()
            self._stderr_file = None

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self._close_stderr()

    def stop(self, timeout=15, check_log=True):
        """Stop our httpd parent (by its PID only) and wait. Then check the
        rest of the error log (shutdown lines); raises AssertionError on
        unexpected lines when check_log.

        labhttpd.stop_httpd: a graceful stop first, as a plain SIGTERM makes
        mpm_event children crash now and then, which would fail tests at
        random."""
        if self.proc is not None:
            stop_httpd(self.proc, drain=min(timeout, 5), interval=0.01,
                       timeout=timeout)
            self.proc = None
        self._close_stderr()
        if self in _LIVE:
            _LIVE.remove(self)
        if check_log:
            self.assert_log_clean("after stopping %s" % self.name)

    def restart(self, snippet=None):
        """Stop, optionally replace the configuration snippet, start."""
        self.stop()
        if snippet is not None:
            self.snippet = snippet
        return self.start()

    # --- HTTP ----------------------------------------------------------------

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def client(self):
        return Client("127.0.0.1", self.port)

    # --- error log -----------------------------------------------------------

    @staticmethod
    def _read(path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _log_from(self, offset):
        try:
            with open(self.error_log, "rb") as f:
                f.seek(offset)
                data = f.read()
        except OSError:
            return offset, []
        # only complete lines
        end = data.rfind(b"\n") + 1
        lines = data[:end].decode("utf-8", "replace").splitlines()
        return offset + end, lines

    def expect_log(self, pattern, count=1, required=False):
        """Allow up to count (None: any number) warn-or-worse lines matching
        the regex in the current test. required: fail if none appears."""
        self._expectations.append(_Expectation(pattern, count, required))

    def begin_test(self):
        self._test_offset = self._log_offset

    def test_log_lines(self):
        """All error log lines written since the current test began
        (including startup lines of a server started for it)."""
        return self._log_from(self._test_offset)[1]

    def end_test(self):
        """Problems in the error log since the last check, then reset the
        expectations. Returns a list of messages (empty when clean)."""
        self._log_offset, lines = self._log_from(self._log_offset)
        problems, unmet = find_problems(lines, self._expectations)
        self._expectations = []
        msgs = ["unexpected error log line in %s: %s" % (self.name, p)
                for p in problems] + unmet
        return msgs

    def assert_log_clean(self, when=""):
        msgs = self.end_test()
        if msgs:
            raise AssertionError("%s (%s):\n  %s" % (
                self.name, when, "\n  ".join(msgs)))
