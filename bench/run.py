#!/usr/bin/python3
"""make bench: what a session costs per request, against httpd without one.

Starts its own httpd instances (mpm_event, 127.0.0.1, free ports, throw-away
server roots under one temp directory), verifies that each scenario really
does what it claims, then measures:

  1. instructions per request under callgrind (`httpd -X`, keep-alive
     `ab -k -c 1`, two request counts, the difference divided by the count
     difference so start-up and shutdown cancel out);
  2. throughput and p99 latency with `wrk -t2 -c32 --latency`, all
     scenarios interleaved, REPS repetitions, medians of ratios to A taken
     in the same repetition;
  3. the RSS of each httpd child before and after 100,000 M-write requests;
  4. the codec micro-benchmark (bench/codec_bench) beside the bare OpenSSL
     floor, in ns/op and callgrind instructions/op.

Prints one report. Not a test: nothing here fails the build unless a
scenario cannot be set up or verified (exit 1).

Environment (set by `make bench`): MS_HTTPD, MS_MODULES_DIR, MS_MODULE,
MS_TEST_MODULE, MS_STORES_DIR, MS_CODEC_BENCH; tuning: BENCH_REPS (7),
BENCH_SECONDS (3 per wrk run), BENCH_RSS_REQUESTS (100000), BENCH_KEEP=1
keeps the server roots, BENCH_ONLY=A,M-read,... limits the scenarios
(A is always included)."""

import http.client
import os
import platform
import pwd
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRCDIR, "tools", "harness"))
from labhttpd import (Paths, Redis, check_config, conf_head, free_port,  # noqa: E402
                      load_module, mpm_children, run_user, start_httpd,
                      stop_httpd, terminate, vmrss_kb, wait_port)

HTTPD, MODULES_DIR, MODULE, TEST_MODULE, STORES_DIR = Paths().of_httpd()
CODEC_BENCH = os.environ.get("MS_CODEC_BENCH") or os.path.join(HERE, "codec_bench")

REPS = int(os.environ.get("BENCH_REPS", "7"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
RSS_REQUESTS = int(os.environ.get("BENCH_RSS_REQUESTS", "100000"))
KEEP = os.environ.get("BENCH_KEEP") == "1"
ONLY = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]

# The same secret as bench/codec_bench.c (at least 32 bytes; 64 here).
KEY = "bench-secret-key-0123456789abcdef-0123456789abcdef-0123456789ab"
# The 5-key session, the same in every scenario and in codec_bench.c.
SESSION = [("user_id", "4217"), ("email", "alice@example.com"),
           ("role", "editor"), ("csrf_token", "9f86d081884c7d659a2feaa0c55ad015"),
           ("visits", "1")]
STATIC = "/s/file.txt"
STATIC_BODY = b"0123456789abcdefghi\n"          # 20 bytes
WRITE_URL = "/api/set?k=visits&v=2"
SEALED_PREFIX = "S1."           # lib/ms_codec_sealed.h: MS_SEALED_PREFIX

# callgrind request counts (N1, N2) per scenario kind
CG_COUNTS = {"fast": (200, 1200), "slow": (2, 7)}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class BenchError(RuntimeError):
    pass


# ---------------------------------------------------------------------------
# httpd instances
# ---------------------------------------------------------------------------

# httpd modules every scenario loads (from MODULES_DIR), before its own
HTTPD_MODULES = ("mpm_event", "authz_core", "mime", "alias", "cgid")

# after labhttpd.conf_head()
CONF = """\
StartServers 2
ServerLimit 2
ThreadLimit 32
ThreadsPerChild 32
MinSpareThreads 32
MaxSpareThreads 128
MaxRequestWorkers 64
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
Timeout 30
ScriptSock "{root}/run/cgid.sock"
TypesConfig "{root}/conf/mime.types"
ErrorLog "{root}/logs/error_log"
LogLevel warn
# no access log: the baseline is as lean as httpd gets

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

# --- scenario ---
{snippet}
"""

ENV_CGI = """#!/bin/sh
printf 'Content-Type: text/plain\\n\\n'
env | sort
"""

# mod_session: the handler hands the session to mod_session in a header.
P_SET_CGI = """#!/bin/sh
printf 'Content-Type: text/plain\\nX-Replace-Session: %s\\n\\nset\\n' '{session}'
"""


class Httpd:
    def __init__(self, base, name, loads, snippet):
        self.name = name
        self.root = tempfile.mkdtemp(prefix=name + "-", dir=base)
        os.chmod(self.root, 0o755)
        for sub in ("conf", "logs", "run", "htdocs/s", "cgi-bin", "cg"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        for dirpath, dirs, _ in os.walk(self.root):
            os.chmod(dirpath, 0o755)
        os.chmod(os.path.join(self.root, "cg"), 0o777)   # callgrind output
        with open(os.path.join(self.root, "conf", "mime.types"), "w") as f:
            f.write("text/plain txt\ntext/html html\n")
        with open(os.path.join(self.root, "htdocs", "s", "file.txt"), "wb") as f:
            f.write(STATIC_BODY)
        self.write_cgi("env.sh", ENV_CGI)
        self.loads = loads
        self.snippet = snippet
        self.port = free_port()
        self.conf = os.path.join(self.root, "conf", "httpd.conf")
        self.proc = None
        self.write_conf()

    def write_cgi(self, name, text):
        p = os.path.join(self.root, "cgi-bin", name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, 0o755)

    def write_conf(self):
        with open(self.conf, "w") as f:
            f.write(conf_head("bench/run.py: " + self.name, self.root, self.port,
                              MODULES_DIR, HTTPD_MODULES, self.loads)
                    + CONF.format(root=self.root, snippet=self.snippet))

    def check(self):
        rc, out = check_config(HTTPD, self.root, self.conf)
        return rc == 0, out

    # --- normal (multi-process) server -------------------------------------

    def start(self, timeout=20):
        for attempt in range(3):
            self.write_conf()
            with open(os.path.join(self.root, "logs", "stderr"), "ab") as out:
                self.proc = start_httpd(HTTPD, self.root, self.conf, out)
            if wait_port(self.port, timeout, self.proc):
                get(self.port, "/nothing-here")      # a child has started
                return self
            self.stop()
            self.port = free_port()
        raise BenchError("%s did not start: %s" % (self.name, self.error_log()[-2000:]))

    def children(self):
        """PIDs of the MPM children (more than one thread)."""
        return mpm_children(self.proc.pid)

    def stop(self):
        """Graceful stop (SIGWINCH, then SIGTERM) of our own parent PID."""
        if self.proc is None:
            return
        stop_httpd(self.proc, drain=5, interval=0.02)
        self.proc = None

    def error_log(self):
        try:
            with open(os.path.join(self.root, "logs", "error_log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # --- one process under callgrind ----------------------------------------

    def callgrind(self, path, cookie, n, tag):
        """Total instructions of `httpd -X` serving n keep-alive requests
        (plus start-up and shutdown); returns (total, output file)."""
        out = os.path.join(self.root, "cg", "cg.%s.%%p" % tag)
        self.port = free_port()
        self.write_conf()
        # callgrind creates its output file at start and writes it at exit:
        # the process must be the same user then. As root, start it as the
        # User already (httpd then changes no identity).
        ug, preexec = run_user(), None
        if ug:
            pw = pwd.getpwnam(ug[0])
            for d in ("logs", "run", "cg"):
                os.chmod(os.path.join(self.root, d), 0o777)
                for f in os.listdir(os.path.join(self.root, d)):
                    os.chmod(os.path.join(self.root, d, f), 0o666)

            def preexec():
                os.setgroups([])
                os.setgid(pw.pw_gid)
                os.setuid(pw.pw_uid)
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
             HTTPD, "-X", "-d", self.root, "-f", self.conf],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, preexec_fn=preexec,
            stderr=open(os.path.join(self.root, "logs", "valgrind-%s" % tag), "wb"))
        try:
            if not wait_port(self.port, 180, proc):
                raise BenchError("%s under callgrind did not start" % self.name)
            cmd = ["ab", "-q", "-k", "-c", "1", "-n", str(n), "-s", "120"]
            if cookie:
                cmd += ["-H", "Cookie: " + cookie]
            res = subprocess.run(cmd + ["http://127.0.0.1:%d%s" % (self.port, path)],
                                 capture_output=True, text=True, timeout=900)
            check_ab(res, n, self.name)
        finally:
            terminate(proc, 120)
        path = out.replace("%p", str(proc.pid))
        if not os.path.isfile(path):
            raise BenchError("no callgrind output for %s (%s)" % (self.name, path))
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1]), path
        raise BenchError("no totals in %s" % path)


def check_ab(res, n, name):
    out = res.stdout
    done = re.search(r"^Complete requests:\s+(\d+)", out, re.M)
    failed = re.search(r"^Failed requests:\s+(\d+)", out, re.M)
    non2xx = re.search(r"^Non-2xx responses:\s+(\d+)", out, re.M)
    if res.returncode != 0 or not done or int(done.group(1)) != n \
            or (failed and int(failed.group(1))) or non2xx:
        raise BenchError("ab against %s: %s%s" % (name, out[-1500:], res.stderr[-500:]))


def get(port, path, cookie=None):
    """(status, headers as a list, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        conn.close()


def header_all(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def cookie_of(headers, name):
    for v in header_all(headers, "Set-Cookie"):
        n, _, rest = v.partition("=")
        if n.strip() == name:
            return rest.split(";")[0]
    return None


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------

def ours():
    return [load_module("marten_session_module", MODULE)]


# Every scenario is configured at server level: a <Location> section would
# add httpd's location walk and a merge of every module's per-directory
# configuration to each request (about 1,000 instructions), which is the
# cost of the section, not of a session module.
def marten_snippet(env, extra=""):
    return ("MartenSessionSecretKey %s\n%sMartenSession On\nMartenSessionEnv %s\n"
            % (KEY, extra, "On" if env else "Off"))


def api_location():
    """The test module answers every request of this server (no <Location>,
    see marten_snippet); it takes the operation from the last path segment."""
    return "SetHandler marten-session-test\n"


def have_cookie_format():
    """Does this build know MartenSessionCookieFormat?"""
    h = Httpd(BASE, "probe", ours(), marten_snippet(True, "MartenSessionCookieFormat sealed\n"))
    ok, out = h.check()
    shutil.rmtree(h.root, ignore_errors=True)
    return ok, out


def session_query():
    from urllib.parse import urlencode
    pairs = []
    for k, v in SESSION:
        pairs += [("k", k), ("v", v)]
    return urlencode(pairs)


def make_marten_cookie(loads, snippet):
    """A cookie for SESSION made by our module (through the test module)."""
    g = Httpd(BASE, "gen", loads + [load_module("marten_session_test_module", TEST_MODULE)],
              snippet + api_location())
    g.start()
    try:
        st, hdrs, body = get(g.port, "/api/set?" + session_query())
        c = cookie_of(hdrs, "sessionid")
        if st != 200 or not c:
            raise BenchError("cookie generation failed: %s %r %r" % (st, hdrs, body))
        return "sessionid=" + c
    finally:
        g.stop()


def expect_env(h, cookie, prefix, label):
    """The CGI on h sees the session: each key through prefix."""
    st, hdrs, body = get(h.port, "/cgi-bin/env.sh", cookie)
    text = body.decode("utf-8", "replace")
    for k, v in SESSION:
        if prefix == "HTTP_SESSION":
            from urllib.parse import quote_plus
            ok = re.search(r"^HTTP_SESSION=.*\b%s=%s(&|$)" % (re.escape(k), re.escape(quote_plus(v))),
                           text, re.M) is not None
        else:
            ok = ("%s%s=%s" % (prefix, k, v)) in text.splitlines()
        if not ok:
            raise BenchError("%s: the CGI does not see %s=%s:\n%s" % (label, k, v, text[:3000]))


def expect_static(h, cookie, label, vary):
    st, hdrs, body = get(h.port, STATIC, cookie)
    if st != 200 or body != STATIC_BODY:
        raise BenchError("%s: static file: %s %r" % (label, st, body))
    has_vary = any("cookie" in v.lower() for v in header_all(hdrs, "Vary"))
    if has_vary != vary or header_all(hdrs, "Set-Cookie"):
        raise BenchError("%s: static file headers unexpected (Vary: Cookie %s): %r"
                         % (label, "expected" if vary else "not expected", hdrs))


class Scenario:
    def __init__(self, name, what, server, path, cookie, cg_kind="fast"):
        self.name, self.what, self.server = name, what, server
        self.path, self.cookie, self.cg_kind = path, cookie, cg_kind
        self.instr = None
        self.profile = []
        self.rps, self.p99 = [], []
        self.socket_errors = 0
        self.cg_files = None


def build_scenarios(redis_port):
    sc = []
    # A: httpd alone. The request carries the same Cookie header as M-read.
    a = Httpd(BASE, "A", [], "")
    sc.append(Scenario("A", "no session module; static 20-byte file", a, STATIC, None))

    m_cookie = make_marten_cookie(ours(), marten_snippet(False))
    sc[0].cookie = m_cookie

    # P: mod_session + cookie + crypto, SessionEnv On, same 5 keys.
    p_session = "&".join("%s=%s" % (k, __import__("urllib.parse").parse.quote_plus(v))
                         for k, v in SESSION)
    p = Httpd(BASE, "P", [
        load_module("session_module", os.path.join(MODULES_DIR, "mod_session.so")),
        load_module("session_cookie_module", os.path.join(MODULES_DIR, "mod_session_cookie.so")),
        load_module("session_crypto_module", os.path.join(MODULES_DIR, "mod_session_crypto.so"))],
        "SessionCryptoDriver openssl\n"
        "Session On\nSessionCookieName session path=/\n"
        "SessionCryptoPassphrase %s\nSessionEnv On\n"
        "SessionHeader X-Replace-Session\n" % KEY)
    p.write_cgi("pset.sh", P_SET_CGI.format(session=p_session))
    sc.append(Scenario("P", "mod_session + cookie + crypto, SessionEnv On; static file",
                       p, STATIC, None, "slow"))

    sc.append(Scenario("M-off", "MartenSession On, session never touched; static file",
                       Httpd(BASE, "M-off", ours(), marten_snippet(False)), STATIC, m_cookie))
    sc.append(Scenario("M-read", "MartenSessionEnv On (decoded and exported in fixups); static file",
                       Httpd(BASE, "M-read", ours(), marten_snippet(True)), STATIC, m_cookie))
    sc.append(Scenario("M-write", "GET %s (test module): decode, set, new cookie" % WRITE_URL,
                       Httpd(BASE, "M-write",
                             ours() + [load_module("marten_session_test_module", TEST_MODULE)],
                             marten_snippet(False) + api_location()),
                       WRITE_URL, m_cookie))

    ok, _ = have_cookie_format()
    if ok:
        extra = "MartenSessionCookieFormat sealed\n"
        s_cookie = make_marten_cookie(ours(), marten_snippet(False, extra))
        sc.append(Scenario("M-sealed-read", "sealed format, MartenSessionEnv On; static file",
                           Httpd(BASE, "M-sealed", ours(), marten_snippet(True, extra)),
                           STATIC, s_cookie))
        sc.append(Scenario("M-sealed-write", "M-write with the sealed format",
                           Httpd(BASE, "M-sealed-write",
                                 ours() + [load_module("marten_session_test_module", TEST_MODULE)],
                                 marten_snippet(False, extra) + api_location()),
                           WRITE_URL, s_cookie))
    else:
        for name in ("M-sealed-read", "M-sealed-write"):
            sc.append(Scenario(name, "n/a (no MartenSessionCookieFormat in this build)",
                               None, None, None))

    redis_so = os.path.join(STORES_DIR, "mod_marten_session_redis.so")
    if redis_port and os.path.isfile(redis_so):
        rloads = ours() + [load_module("marten_session_redis_module", redis_so)]
        extra = "MartenSessionStore redis 127.0.0.1:%d namespace=bench\n" % redis_port
        r_cookie = make_marten_cookie(rloads, marten_snippet(False, extra))
        sc.append(Scenario("M-redis-read", "redis store, MartenSessionEnv On; static file",
                           Httpd(BASE, "M-redis", rloads, marten_snippet(True, extra)),
                           STATIC, r_cookie))
    else:
        sc.append(Scenario("M-redis-read", "n/a (no redis store module or redis-server)",
                           None, None, None))
    if ONLY:
        sc = [s for s in sc if s.name == "A" or s.name in ONLY]
    return sc


def make_p_cookie(s):
    st, hdrs, body = get(s.server.port, "/cgi-bin/pset.sh")
    c = cookie_of(hdrs, "session")
    if st != 200 or not c:
        raise BenchError("P: mod_session set no cookie: %s %r %r\n%s"
                         % (st, hdrs, body, s.server.error_log()[-2000:]))
    return "session=" + c


def verify(s):
    """Run against the started server: the scenario does what it says."""
    h = s.server
    if s.name == "A":
        expect_static(h, s.cookie, s.name, vary=False)
    elif s.name == "P":
        expect_env(h, s.cookie, "HTTP_SESSION", s.name)
        st, hdrs, body = get(h.port, STATIC, s.cookie)
        if st != 200 or body != STATIC_BODY:
            raise BenchError("P: static file %s" % st)
    elif s.name == "M-off":
        expect_static(h, s.cookie, s.name, vary=False)
    elif s.name in ("M-write", "M-sealed-write"):
        st, hdrs, body = get(h.port, s.path, s.cookie)
        c = cookie_of(hdrs, "sessionid")
        if st != 200 or not c or "sessionid=" + c == s.cookie:
            raise BenchError("%s: no new cookie: %s %r" % (s.name, st, hdrs))
        if (s.name == "M-sealed-write") != c.startswith(SEALED_PREFIX):
            raise BenchError("%s: a cookie in the other format: %s" % (s.name, c[:20]))
        st2, hdrs2, _ = get(h.port, s.path, s.cookie)
        if cookie_of(hdrs2, "sessionid") == c:
            raise BenchError("%s: the same cookie twice" % s.name)
        s.new_cookie = "sessionid=" + c
    else:   # M-read, M-sealed-read, M-redis-read
        expect_env(h, s.cookie, "MARTEN_SESSION_", s.name)
        expect_static(h, s.cookie, s.name, vary=True)


# ---------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------

PROFILE_RE = re.compile(r"^\s*([\d,]+)\s+\([^)]*\)\s+(\S.*?)\s*$")
# Our code (src/, lib/, stores/ by their source paths) and the crypto and
# session calls under it; httpd's own functions are left out.
PROFILE_KEEP = re.compile(
    r"(/(src|lib|stores)/[^:]*:|:marten_|:session_|ap_session|EVP_|SHA256_|"
    r"RAND_bytes|CRYPTO_memcmp|PKCS5_|apr_crypto|apr_redis_)")


def inclusive(path, incl=True):
    res = subprocess.run(["callgrind_annotate", "--inclusive=%s" % ("yes" if incl else "no"),
                          "--threshold=100", path],
                         capture_output=True, text=True, timeout=300)
    costs = {}
    for line in res.stdout.splitlines():
        m = PROFILE_RE.match(line)
        if m and ":" in m.group(2) and "PROGRAM TOTALS" not in line:
            name = re.sub(r"\s*\[.*\]$", "", m.group(2))
            name = re.sub(r"'\d+$", "", name)           # recursion levels
            fn = name.rsplit(":", 1)[1]
            # the same function may come as file:fn and ???:fn: keep one
            v = int(m.group(1).replace(",", ""))
            old = costs.get(fn)
            if old is None or v > old[0] or (v == old[0] and old[1].startswith("???")):
                costs[fn] = (v, name if not name.startswith("???") or old is None
                             else old[1])
    return {name: v for v, name in costs.values()}


def exclusive_per_request(s):
    """Exclusive instructions per request by function name (no file)."""
    n1, n2 = CG_COUNTS[s.cg_kind]
    c1, c2 = inclusive(s.cg_files[0], False), inclusive(s.cg_files[1], False)
    per = {}
    for name in set(c1) | set(c2):
        fn = name.rsplit(":", 1)[1]
        per[fn] = per.get(fn, 0) + (c2.get(name, 0) - c1.get(name, 0)) / (n2 - n1)
    return per


def added_over(s, a):
    """Functions whose exclusive cost per request grows most from A to s."""
    ps, pa = exclusive_per_request(s), exclusive_per_request(a)
    diff = [(ps.get(k, 0) - pa.get(k, 0), k) for k in set(ps) | set(pa)]
    return sorted([d for d in diff if d[0] >= 40], reverse=True)[:16]


def measure_callgrind(s):
    n1, n2 = CG_COUNTS[s.cg_kind]
    t1, f1 = s.server.callgrind(s.path, s.cookie, n1, "n1")
    t2, f2 = s.server.callgrind(s.path, s.cookie, n2, "n2")
    s.instr = (t2 - t1) / (n2 - n1)
    s.cg_files = (f1, f2)
    if s.name != "A":
        c1, c2 = inclusive(f1), inclusive(f2)
        prof = []
        for name, v in c2.items():
            d = (v - c1.get(name, 0)) / (n2 - n1)
            if d >= 50 and PROFILE_KEEP.search(name):
                prof.append((d, name))
        s.profile = sorted(prof, reverse=True)[:22]


def wrk(s, seconds=None):
    seconds = seconds or SECONDS
    cmd = ["wrk", "-t2", "-c32", "-d%ds" % seconds, "--latency", "--timeout", "10s"]
    if s.cookie:
        cmd += ["-H", "Cookie: " + s.cookie]
    res = subprocess.run(cmd + ["http://127.0.0.1:%d%s" % (s.server.port, s.path)],
                         capture_output=True, text=True, timeout=seconds + 60)
    out = res.stdout
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*timeout [1-9]", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+)", out)
    if errs:
        s.socket_errors += sum(int(x) for x in errs.groups())
    if res.returncode != 0 or not rps or not p99 or bad:
        raise BenchError("wrk against %s:\n%s%s" % (s.name, out, res.stderr))
    unit = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    return float(rps.group(1)), float(p99.group(1)) * unit


def measure_rss(s):
    """Children's VmRSS before and after RSS_REQUESTS M-write requests."""
    h = s.server
    for _ in range(2):                                  # warm every thread
        subprocess.run(["wrk", "-t2", "-c32", "-d2s", "-H", "Cookie: " + s.cookie,
                        "http://127.0.0.1:%d%s" % (h.port, s.path)],
                       capture_output=True, timeout=60)
    kids = h.children()
    before = {pid: vmrss_kb(pid) for pid in kids}
    res = subprocess.run(["ab", "-q", "-k", "-c", "16", "-n", str(RSS_REQUESTS),
                          "-H", "Cookie: " + s.cookie,
                          "http://127.0.0.1:%d%s" % (h.port, s.path)],
                         capture_output=True, text=True, timeout=1200)
    check_ab(res, RSS_REQUESTS, s.name + " (RSS run)")
    after = {pid: vmrss_kb(pid) for pid in kids if os.path.isdir("/proc/%d" % pid)}
    return kids, before, after, h.children()


def codec_micro():
    if not os.path.isfile(CODEC_BENCH):
        raise BenchError("%s is not built" % CODEC_BENCH)
    info = dict(l.split(" ", 1) for l in subprocess.run(
        [CODEC_BENCH, "info"], capture_output=True, text=True, check=True).stdout.splitlines())
    ns = {}
    for line in subprocess.run([CODEC_BENCH, "time"], capture_output=True, text=True,
                               check=True, timeout=300).stdout.splitlines():
        k, v = line.split()
        ns[k] = float(v)
    n = 2000
    out = os.path.join(BASE, "cg.codec")
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                    "--collect-atstart=no", "--toggle-collect=measure_*",
                    CODEC_BENCH, "count", str(n)],
                   capture_output=True, check=True, timeout=600)
    instr = {}
    for name, v in inclusive(out).items():
        m = re.search(r":measure_(\w+)$", name)
        if m:
            instr[m.group(1)] = v / n
    return info, ns, instr


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def median(xs):
    return statistics.median(xs) if xs else float("nan")


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            model = m.group(1) if m else model
    except OSError:
        pass
    ver = subprocess.run([HTTPD, "-v"], capture_output=True, text=True).stdout
    ver = re.search(r"Apache/\S+", ver)
    ssl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    return "nproc %d, %s; %s, %s; %s" % (os.cpu_count(), model, ver.group(0) if ver else "httpd ?",
                                        ssl, platform.platform())


def verdict(ok):
    return "met" if ok else "MISSED"


def report(scen, codec, rss, started):
    by = {s.name: s for s in scen}
    a = by["A"]
    print("=" * 78)
    print("mod_marten_session benchmark (make bench)  %s UTC" % time.strftime(
        "%Y-%m-%d %H:%M", time.gmtime(started)))
    print("machine: " + machine())
    print("wrk -t2 -c32 -d%ds --latency, %d interleaved repetitions; callgrind: "
          "httpd -X, ab -k -c 1, (I(N2)-I(N1))/(N2-N1)" % (SECONDS, REPS))
    print("session: 5 keys, %d bytes of JSON; Marten cookie %s bytes"
          % (int(codec[0]["json_bytes"]), codec[0]["cookie_bytes"]))
    print()
    print("%-14s %12s %7s %10s %7s %9s %7s  %s" % (
        "scenario", "instr/req", "÷A", "req/s", "÷A", "p99 ms", "÷A", "request"))
    for s in scen:
        if s.server is None:
            print("%-14s %12s %7s %10s %7s %9s %7s  %s" % (s.name, "n/a", "", "n/a", "", "n/a", "", s.what))
            continue
        ratios = [r / ra for r, ra in zip(s.rps, a.rps)]
        lat = [l / la for l, la in zip(s.p99, a.p99)]
        s.rps_ratio, s.p99_ratio = median(ratios), median(lat)
        print("%-14s %12.0f %7.3f %10.0f %7.3f %9.2f %7.2f  %s" % (
            s.name, s.instr, s.instr / a.instr, median(s.rps), s.rps_ratio,
            median(s.p99), s.p99_ratio, s.what))
    print("(A, M-off, M-read send the same Cookie header: the M-read cookie; "
          "ratios are medians of per-repetition ratios)")
    errs = ["%s %d" % (s.name, s.socket_errors) for s in scen if s.socket_errors]
    if errs:
        print("wrk socket errors (connections closed by the server): " + ", ".join(errs))

    info, ns, ci = codec
    print()
    print("codec micro-benchmark (bench/codec_bench, same session and key):")
    print("%-28s %10s %12s" % ("operation", "ns/op", "instr/op"))
    rows = [("decode (cookie -> JSON)", "decode"),
            ("decode + JSON -> table", "decode_table"),
            ("encode (table -> cookie)", "encode"),
            ("floor decode", "floor_decode"),
            ("  (HMAC via EVP_MAC reinit)", "floor_decode_evp"),
            ("floor encode (+RAND_bytes)", "floor_encode"),
            ("  HMAC-SHA256 alone", "hmac"),
            ("  AES-256-CBC decrypt alone", "aes_dec")]
    for label, k in rows:
        print("%-28s %10.0f %12.0f" % (label, ns.get(k, float("nan")), ci.get(k, float("nan"))))
    print("floor: HMAC-SHA256 over the %s signed bytes from precomputed inner/outer "
          "states + AES-256-CBC over %s bytes, key schedule kept"
          % (info["signed_bytes"], info["ciphertext_bytes"]))
    dec_i = ci["decode"] / ci["floor_decode"]
    enc_i = ci["encode"] / ci["floor_encode"]
    print("ours ÷ floor: decode %.2f× instr, %.2f× ns; encode %.2f× instr, %.2f× ns"
          % (dec_i, ns["decode"] / ns["floor_decode"], enc_i, ns["encode"] / ns["floor_encode"]))

    worst = float("nan")
    print()
    if rss is None:
        print("memory: n/a (M-write not run)")
    else:
        kids, before, after, kids_after = rss
        print("memory: VmRSS of each httpd child before/after %d M-write requests "
              "(ab -k -c 16, after a 2x2 s wrk warm-up):" % RSS_REQUESTS)
        worst = 0.0
        for pid in kids:
            b, e = before[pid], after.get(pid)
            if e is None:
                print("  child %d: %d kB before, gone after" % (pid, b))
                worst = float("inf")
                continue
            ch = (e - b) / b * 100
            worst = max(worst, abs(ch))
            print("  child %d: %d kB -> %d kB (%+.2f%%)" % (pid, b, e, ch))
        if kids_after != kids:
            print("  (children changed during the run: %s -> %s)" % (kids, kids_after))

    print()
    print("targets (issue 6):")
    floor = ci["floor_decode"]
    rows = []
    if "M-off" in by:
        r = by["M-off"].instr / a.instr
        rows.append(("M-off instr <= 1.02x A", "%.3fx" % r, r <= 1.02))
    if "M-read" in by:
        m = by["M-read"]
        lim = a.instr + 1.5 * floor
        rows.append(("M-read instr <= A + 1.5 x floor (%.0f)" % lim,
                     "%.0f (%.3fx A; A + %.2f x floor)" % (m.instr, m.instr / a.instr,
                                                          (m.instr - a.instr) / floor),
                     m.instr <= lim))
        rows.append(("M-read throughput >= 0.95x A", "%.3fx" % m.rps_ratio, m.rps_ratio >= 0.95))
    if "M-write" in by:
        r = by["M-write"].instr / a.instr
        floors = (a.instr + ci["floor_decode"] + ci["floor_encode"]) / a.instr
        rows.append(("M-write instr <= 1.80x A", "%.3fx (A + floors: %.2fx)" % (r, floors),
                     r <= 1.80))
    for name, lim in (("M-sealed-read", 1.40), ("M-sealed-write", 1.80)):
        if name in by and by[name].server is not None:
            r = by[name].instr / a.instr
            rows.append(("%s instr <= %.2fx A" % (name, lim), "%.3fx" % r, r <= lim))
    if "P" in by and "M-read" in by:
        r = by["P"].instr / by["M-read"].instr
        rows.append(("P ÷ M-read instr >= 500x", "%.0fx" % r, r >= 500))
        t = median([m / p for m, p in zip(by["M-read"].rps, by["P"].rps)])
        rows.append(("M-read throughput >= 10x P", "%.1fx" % t, t >= 10))
    rows.append(("codec decode <= 1.5x floor (instr)", "%.2fx" % dec_i, dec_i <= 1.5))
    if rss is not None:
        rows.append(("child RSS flat within 2%", "worst %.2f%%" % worst, worst <= 2.0))
    for name, got, ok in rows:
        print("  %-44s %-34s %s" % (name, got, verdict(ok)))

    print()
    print("where the instructions go (callgrind inclusive, per request, our functions"
          " and the crypto under them):")
    for s in scen:
        if s.server is None or not s.profile or s.name in ("A",):
            continue
        print("  %s (%.0f instr/req, A + %.0f):" % (s.name, s.instr, s.instr - a.instr))
        for d, name in s.profile[:14]:
            print("    %10.0f  %s" % (d, name.replace(SRCDIR + "/", "")))
    for name in ("M-off", "M-read"):
        if name in by and by[name].server is not None:
            print("  %s over A, exclusive instructions per request by function "
                  "(all code, httpd's included):" % name)
            for d, fn in added_over(by[name], a):
                print("    %10.0f  %s" % (d, fn))
    print("=" * 78)


# ---------------------------------------------------------------------------

BASE = None


def start_redis():
    """(Redis, port) of a private redis-server (no persistence), or
    (None, None)."""
    binary = shutil.which("redis-server")
    if not binary:
        return None, None
    r = Redis(BASE, ["--save", "", "--appendonly", "no", "--dir", Redis.DATA_DIR,
                     "--daemonize", "no"], binary=binary, log=False)
    if not r.start(10):
        r.kill()
        return None, None
    return r, r.port


def snapshot_modules():
    """Copy the modules into the run's directory and use the copies: a
    rebuild in the source tree during the run (a shared working tree) must
    not change the code under measurement, nor the code callgrind sees
    between httpd's two configuration passes."""
    global MODULE, TEST_MODULE, STORES_DIR
    mods = os.path.join(BASE, "modules")
    os.makedirs(mods)
    os.chmod(mods, 0o755)

    def copy(path):
        dst = os.path.join(mods, os.path.basename(path))
        shutil.copy2(path, dst)
        os.chmod(dst, 0o755)
        return dst
    MODULE = copy(MODULE)
    TEST_MODULE = copy(TEST_MODULE)
    redis_so = os.path.join(STORES_DIR, "mod_marten_session_redis.so")
    if os.path.isfile(redis_so):
        copy(redis_so)
    STORES_DIR = mods


def main():
    global BASE
    started = time.time()
    for tool in ("valgrind", "callgrind_annotate", "wrk", "ab"):
        if not shutil.which(tool):
            print("bench: %s is missing (Debian: valgrind, wrk, apache2-utils)" % tool,
                  file=sys.stderr)
            return 1
    BASE = tempfile.mkdtemp(prefix="ms-bench-")
    os.chmod(BASE, 0o755)
    snapshot_modules()
    redis, redis_port = start_redis()
    scen = []
    try:
        log("bench: setting up and verifying the scenarios ...")
        scen = build_scenarios(redis_port)
        live = [s for s in scen if s.server is not None]
        for s in live:
            s.server.start()
            if s.name == "P":
                s.cookie = make_p_cookie(s)
            verify(s)
        log("bench: verified: " + ", ".join(s.name for s in live))

        log("bench: codec micro-benchmark ...")
        codec = codec_micro()

        log("bench: wrk, %d interleaved repetitions of %d s ..." % (REPS, SECONDS))
        for s in live:                                   # warm-up
            wrk(s, 1)
        for rep in range(REPS):
            order = live[rep % len(live):] + live[:rep % len(live)]
            for s in order:
                rps, p99 = wrk(s)
                s.rps.append(rps)
                s.p99.append(p99)
            log("bench:   repetition %d done" % (rep + 1))
        mw = [s for s in live if s.name == "M-write"]
        rss = None
        if mw:
            log("bench: RSS over %d M-write requests ..." % RSS_REQUESTS)
            rss = measure_rss(mw[0])
        for s in live:
            s.server.stop()

        log("bench: callgrind ...")
        for s in live:
            log("bench:   %s" % s.name)
            measure_callgrind(s)
        report(scen, codec, rss, started)
        return 0
    except BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        return 1
    finally:
        for s in scen:
            if s.server is not None:
                s.server.stop()
        if redis is not None:
            redis.stop(10)
        if KEEP:
            log("bench: server roots kept in %s" % BASE)
        else:
            shutil.rmtree(BASE, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
