#!/usr/bin/python3
"""make stress: load and faults against a real httpd (not a test; a report).

Runs httpd with mpm_event (2 processes x 25 threads) on a free port of
127.0.0.1 in a throw-away server root, with mod_marten_session and its test
module (the session API over HTTP: /api/get, /api/set). STRESS_CLIENTS (50)
client threads each keep their own session (their own cookie) and do
sequential read-modify-write steps on a counter: GET /api/get?k=counter,
then GET /api/set?k=counter&v=<read + 1>. Each client knows the last value
the server confirmed (a 200 with the new cookie), so a read that differs is
a lost update.

Phases (each on a fresh server):
  graceful   the cookie store; `httpd -k graceful` twice mid-load. Checks:
             no failed request, no lost update, no crash, new children.
  redis      the Redis store (stores/.libs/mod_marten_session_redis.so, if
             built, with redis-server; skipped otherwise). Redis (with an
             append-only file, fsync always) is killed with SIGKILL mid-load
             and restarted on the same port. Checks: errors only while it is
             down (plus a short grace), every client recovers, no lost
             update outside the outage, no crash, no hang (every request
             answers within its timeout).
  soak       the cookie store (STRESS_SOAK_STORE=redis for Redis) for
             STRESS_SOAK_SECONDS (300) after a warm-up; VmRSS of each child
             from /proc/PID/status every few seconds. Reports the growth of
             each child over the soak and over its second half.

Environment: MS_HTTPD, MS_MODULES_DIR, MS_MODULE, MS_TEST_MODULE,
MS_STORES_DIR (set by `make stress`), STRESS_CLIENTS, STRESS_PHASE_SECONDS
(30: graceful and redis phases), STRESS_SOAK_SECONDS, STRESS_SOAK_STORE,
STRESS_PHASES (e.g. "graceful,soak"), STRESS_KEEP=1 keeps the server roots.

Every process started here is stopped by its own PID; traffic goes to
127.0.0.1 only; every loop is bounded by a deadline. Exit status 1 when a
check failed (the report says which).
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ENV = os.environ
HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRCDIR, "tools", "harness"))
from labhttpd import (Paths, Redis, conf_head, free_port, load_module,  # noqa: E402
                      mpm_children, server_root, start_httpd, stop_httpd,
                      vmrss_kb, wait_port)
HTTPD, MODULES_DIR, MODULE, TEST_MODULE, STORES_DIR = Paths().of_httpd()
CLIENTS = int(ENV.get("STRESS_CLIENTS") or 50)
PHASE_SECONDS = float(ENV.get("STRESS_PHASE_SECONDS") or 30)
SOAK_SECONDS = float(ENV.get("STRESS_SOAK_SECONDS") or 300)
SOAK_STORE = ENV.get("STRESS_SOAK_STORE") or "cookie"
PHASES = [p.strip() for p in
          (ENV.get("STRESS_PHASES") or "graceful,redis,soak").split(",")]
KEEP = bool(ENV.get("STRESS_KEEP"))

SECRET = "stress-secret-key-stress-secret-key-0123456789"
REQUEST_TIMEOUT = 10          # seconds; a request taking longer is a hang
RECOVERY_GRACE = 3.0          # seconds after Redis is back
SOAK_WARMUP = 15.0            # seconds of load before the first RSS sample
SOAK_SAMPLE = 5.0             # seconds between RSS samples
CRASH = re.compile(r"AH00052|exit signal|Segmentation fault|core dumped|"
                   r"AH00060|AH00059|AddressSanitizer|runtime error")
LOG_LEVEL = re.compile(r"^\[[^\]]*\] \[([^:\]\s]*):([a-z]+[0-9]?)\] ")


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# ---------------------------------------------------------------------------
# httpd
# ---------------------------------------------------------------------------

# after labhttpd.conf_head(): mpm_event, authz_core, our module, the test
# module and the store module
CONF = """\
# 2 processes x 25 threads; ServerLimit leaves room for the old generation
# while it finishes its requests during a graceful restart.
StartServers 2
ServerLimit 4
ThreadLimit 25
ThreadsPerChild 25
MaxRequestWorkers 50
MinSpareThreads 1
MaxSpareThreads 75
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 5
Timeout 10
GracefulShutdownTimeout 5
ErrorLog "{root}/logs/error_log"
LogLevel warn
MartenSessionSecretKey "{secret}"
{store_conf}
<Directory />
    Require all denied
</Directory>
<Location /api>
    Require all granted
    SetHandler marten-session-test
    MartenSession On
</Location>
"""


class Httpd:
    def __init__(self, base, name, store_load="", store_conf=""):
        self.root = server_root(base, name, ("conf", "logs", "run"))
        self.port = free_port()
        self.conf = os.path.join(self.root, "conf", "httpd.conf")
        self.error_log = os.path.join(self.root, "logs", "error_log")
        with open(self.conf, "w") as f:
            f.write(conf_head(
                "tools/stress/stress.py", self.root, self.port, MODULES_DIR,
                ("mpm_event", "authz_core"),
                [load_module("marten_session_module", MODULE),
                 load_module("marten_session_test_module", TEST_MODULE),
                 store_load])
                + CONF.format(root=self.root, secret=SECRET,
                              store_conf=store_conf))
        self.proc = None
        self.stderr = None

    def start(self):
        self.stderr = open(os.path.join(self.root, "logs", "stderr"), "wb")
        self.proc = start_httpd(HTTPD, self.root, self.conf, self.stderr)
        if not wait_port(self.port, 20, self.proc):
            self.stop()
            raise RuntimeError("httpd did not start; see %s" % self.root)
        # wait until both children serve (bounded)
        deadline = time.time() + 10
        while time.time() < deadline and len(self.children()) < 2:
            time.sleep(0.05)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def children(self):
        """PIDs of the parent's MPM children (child processes with more than
        one thread)."""
        if not self.alive():
            return []
        return mpm_children(self.proc.pid)

    def graceful(self):
        """`httpd -k graceful` on our own config (SIGUSR1 to the PID in our
        PidFile). Returns (exit code, output)."""
        res = subprocess.run([HTTPD, "-k", "graceful", "-d", self.root,
                              "-f", self.conf], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=30)
        return res.returncode, res.stdout.strip()

    def stop(self):
        """SIGWINCH (graceful stop), wait up to 10 s for the children, then
        SIGTERM; SIGKILL only after a timeout (labhttpd.stop_httpd says why)."""
        if self.proc is None:
            return
        stop_httpd(self.proc, drain=10, interval=0.05)
        if self.stderr:
            self.stderr.close()
            self.stderr = None

    def log_summary(self):
        """(crash lines, {level: count}, {tag: count} of warn/error lines)."""
        crashes, levels, tags = [], {}, {}
        try:
            with open(self.error_log, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            lines = []
        try:
            with open(os.path.join(self.root, "logs", "stderr"),
                      errors="replace") as f:
                lines += ["stderr: " + l for l in f.read().splitlines()]
        except OSError:
            pass
        for line in lines:
            if CRASH.search(line):
                crashes.append(line)
            m = LOG_LEVEL.match(line)
            level = m.group(2) if m else "raw"
            levels[level] = levels.get(level, 0) + 1
            if level in ("emerg", "alert", "crit", "error", "warn"):
                t = re.search(r"\b(MS\d{5}|AH\d{5})\b", line)
                tag = t.group(1) if t else "untagged"
                tags[tag] = tags.get(tag, 0) + 1
        return crashes, levels, tags


# ---------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------

def new_redis(base):
    """A private redis-server (labhttpd.Redis, log in its directory) with an
    append-only file, fsync always: a SIGKILL loses no acknowledged write."""
    return Redis(base, ["--dir", Redis.DATA_DIR, "--save", "",
                        "--appendonly", "yes", "--appendfsync", "always",
                        "--daemonize", "no", "--protected-mode", "yes"])


def start_redis(r):
    """Start (or restart, on the same port) r; RuntimeError if it does not
    listen within 15 s."""
    if not r.start(15):
        r.stop()
        raise RuntimeError("redis-server did not start")


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------

RETRYABLE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError,
             http.client.RemoteDisconnected)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.steps = 0
        self.errors = []          # (time, client, kind)
        self.lost = []            # (time, client, expected, got)
        self.stale_retries = 0    # keep-alive closed by the server, resent
        self.latencies = []
        self.per_second = {}      # int(time) -> requests answered
        self.max_latency = 0.0
        self.first_ok_after = {}  # client -> time of first good step after t
        self.mark = None

    def error(self, client, kind):
        with self.lock:
            self.errors.append((time.time(), client, kind))

    def lost_update(self, client, expected, got):
        with self.lock:
            self.lost.append((time.time(), client, expected, got))

    def latency(self, seconds):
        with self.lock:
            self.requests += 1
            sec = int(time.time())
            self.per_second[sec] = self.per_second.get(sec, 0) + 1
            if len(self.latencies) < 2_000_000:
                self.latencies.append(seconds)
            if seconds > self.max_latency:
                self.max_latency = seconds

    def step_ok(self, client):
        with self.lock:
            self.steps += 1
            if self.mark is not None and client not in self.first_ok_after:
                self.first_ok_after[client] = time.time()


class Client(threading.Thread):
    """One visitor: its own cookie, sequential read-modify-write steps."""

    def __init__(self, idx, port, stats, stop):
        super().__init__(name="client-%d" % idx, daemon=True)
        self.idx = idx
        self.port = port
        self.stats = stats
        self.stop_event = stop
        self.conn = None
        self.cookie = None
        self.expected = None      # last value the server confirmed

    def _request(self, path):
        """(status, headers dict lowercased, body) or raises. A request on a
        reused keep-alive connection that the server closed before answering
        (graceful restart; mpm_event also closes kept-alive connections when
        every worker is busy) is resent once on a new connection, as
        browsers do; it is counted and reported, not hidden. A failure on a
        new connection is a failed request."""
        headers = {"Cookie": "sessionid=" + self.cookie} if self.cookie else {}
        for attempt in (0, 1):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            t0 = time.time()
            try:
                self.conn.request("GET", path, headers=headers)
                resp = self.conn.getresponse()
                body = resp.read()
            except RETRYABLE:
                self.conn.close()
                self.conn = None
                if reused and attempt == 0:
                    with self.stats.lock:
                        self.stats.stale_retries += 1
                    continue
                raise
            except Exception:
                self.conn.close()
                self.conn = None
                raise
            self.stats.latency(time.time() - t0)
            hdrs = {}
            for k, v in resp.getheaders():
                hdrs.setdefault(k.lower(), []).append(v)
            if resp.will_close:
                self.conn.close()
                self.conn = None
            return resp.status, hdrs, body
        raise RuntimeError("unreachable")

    def _call(self, path):
        try:
            return self._request(path)
        except socket.timeout:
            self.stats.error(self.idx, "timeout (no answer in %ds)"
                             % REQUEST_TIMEOUT)
        except (OSError, http.client.HTTPException) as e:
            self.stats.error(self.idx, "connection: %s" % type(e).__name__)
        return None

    def step(self):
        r = self._call("/api/get?k=counter")
        if r is None:
            return
        status, hdrs, body = r
        if status != 200:
            self.stats.error(self.idx, "get: HTTP %d" % status)
            return
        found = hdrs.get("x-test-found", ["0"])[0] == "1"
        got = int(body) if found and body.isdigit() else None
        if got != self.expected:
            if self.expected is not None and got is None:
                # The session came back empty (the store could not load it,
                # or it was lost). Do not write over it: report and retry.
                self.stats.lost_update(self.idx, self.expected, got)
                return
            self.stats.lost_update(self.idx, self.expected, got)
            self.expected = got
        new = (got or 0) + 1
        r = self._call("/api/set?" + urllib.parse.urlencode(
            {"k": "counter", "v": str(new)}))
        if r is None:
            return
        status, hdrs, _ = r
        if status != 200 or hdrs.get("x-test-rv", ["?"])[0] != "0":
            self.stats.error(self.idx, "set: HTTP %d" % status)
            return
        cookies = [c for c in hdrs.get("set-cookie", [])
                   if c.startswith("sessionid=")]
        if not cookies:
            # The store could not save: the server keeps the old session.
            self.stats.error(self.idx, "set: not saved (no Set-Cookie)")
            return
        value = cookies[-1].split(";", 1)[0].split("=", 1)[1]
        if "max-age=0" in cookies[-1].lower():
            self.stats.error(self.idx, "set: cookie expired by the server")
            self.cookie = None
            self.expected = None
            return
        self.cookie = value
        self.expected = new
        self.stats.step_ok(self.idx)

    def run(self):
        while not self.stop_event.is_set():
            self.step()
        if self.conn:
            self.conn.close()


def run_load(port, seconds, events=(), stats=None):
    """CLIENTS clients for `seconds`; events: [(at_seconds, fn)] run in this
    thread at those offsets. Returns the Stats."""
    stats = stats or Stats()
    stop = threading.Event()
    clients = [Client(i, port, stats, stop) for i in range(CLIENTS)]
    t0 = time.time()
    for c in clients:
        c.start()
    for at, fn in sorted(events, key=lambda e: e[0]):
        delay = t0 + at - time.time()
        if delay > 0:
            time.sleep(delay)
        fn()
    delay = t0 + seconds - time.time()
    if delay > 0:
        time.sleep(delay)
    stop.set()
    hung = 0
    for c in clients:
        c.join(REQUEST_TIMEOUT * 2 + 5)
        if c.is_alive():
            hung += 1
    stats.hung_clients = hung
    stats.elapsed = time.time() - t0
    return stats


def percentile(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def summarize_errors(items):
    kinds = {}
    for _, _, kind in items:
        kinds[kind] = kinds.get(kind, 0) + 1
    return ", ".join("%s: %d" % kv for kv in sorted(kinds.items())) or "none"


# ---------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.sections = []
        self.failures = []

    def section(self, title, lines):
        self.sections.append((title, lines))

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return "ok  " if ok else "FAIL"

    def print(self):
        print()
        print("=" * 72)
        print("mod_marten_session stress report  (%s, %d clients, mpm_event "
              "2 x 25 threads)" % (time.strftime("%Y-%m-%d %H:%M:%S UTC",
                                                time.gmtime()), CLIENTS))
        print("=" * 72)
        for title, lines in self.sections:
            print()
            print(title)
            for line in lines:
                print("  " + line)
        print()
        if self.failures:
            print("RESULT: %d check(s) failed:" % len(self.failures))
            for f in self.failures:
                print("  - " + f)
        else:
            print("RESULT: all checks passed")
        print()


def load_lines(stats):
    rate = stats.requests / stats.elapsed if stats.elapsed else 0
    return [
        "requests: %d in %.1f s (%.0f req/s), read-modify-write steps "
        "confirmed: %d" % (stats.requests, stats.elapsed, rate, stats.steps),
        "latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (
            1000 * percentile(stats.latencies, 0.50),
            1000 * percentile(stats.latencies, 0.99),
            1000 * stats.max_latency),
        "requests resent once on a new connection after the server closed "
        "a kept-alive one before answering (graceful restart, or mpm_event "
        "shedding keep-alive connections with every worker busy): %d"
        % stats.stale_retries,
    ]


def log_lines(rep, h, allowed_tags=()):
    crashes, levels, tags = h.log_summary()
    lines = ["error log: %s" % (", ".join("%s %d" % kv for kv in
                                          sorted(levels.items())) or "empty")]
    if tags:
        lines.append("warn/error lines by tag: " + ", ".join(
            "%s %d" % kv for kv in sorted(tags.items())))
    # AH00484 (all 50 workers busy) is expected: 50 clients on 50 threads
    unexpected = {t: n for t, n in tags.items()
                  if t not in allowed_tags and t != "AH00484"}
    lines.append("[%s] no crash (exit signal, segfault, sanitizer) in the "
                 "error log: %d crash lines" % (
                     rep.check(not crashes, "%s: crash lines in the error log"
                               % h.root), len(crashes)))
    for c in crashes[:5]:
        lines.append("    " + c[:200])
    lines.append("[%s] no unexpected warn/error lines (expected: %s): %s" % (
        rep.check(not unexpected, "%s: unexpected error log lines %r"
                  % (h.root, unexpected)),
        ", ".join(("AH00484",) + tuple(allowed_tags)),
        ", ".join("%s %d" % kv for kv in sorted(unexpected.items()))
        or "none"))
    return lines


def phase_graceful(rep, base):
    h = Httpd(base, "graceful").start()
    log("graceful: httpd pid %d on 127.0.0.1:%d, children %s"
        % (h.proc.pid, h.port, h.children()))
    generations = [h.children()]
    results = []

    def graceful():
        rc, out = h.graceful()
        results.append((rc, out))
        log("graceful: `httpd -k graceful` -> exit %d %s" % (rc, out))
        # the new generation: wait (bounded) for children not seen before
        deadline = time.time() + 10
        seen = set(sum(generations, []))
        while time.time() < deadline:
            kids = h.children()
            if len([k for k in kids if k not in seen]) >= 2:
                break
            time.sleep(0.1)
        generations.append(h.children())
        log("graceful: children now %s" % generations[-1])

    stats = run_load(h.port, PHASE_SECONDS,
                     [(PHASE_SECONDS / 3, graceful),
                      (2 * PHASE_SECONDS / 3, graceful)])
    alive = h.alive()
    h.stop()
    lines = load_lines(stats)
    lines.append("[%s] failed requests: %d (%s)" % (
        rep.check(not stats.errors, "graceful: failed requests"),
        len(stats.errors), summarize_errors(stats.errors)))
    lines.append("[%s] lost updates: %d" % (
        rep.check(not stats.lost, "graceful: lost updates"), len(stats.lost)))
    lines.append("[%s] two graceful restarts ran (exit codes %s)" % (
        rep.check(len(results) == 2 and all(rc == 0 for rc, _ in results),
                  "graceful: httpd -k graceful failed"),
        [rc for rc, _ in results]))
    new_gen = all(not (set(generations[i]) & set(generations[i + 1]))
                  and len(generations[i + 1]) >= 2
                  for i in range(len(generations) - 1))
    lines.append("[%s] children replaced at each restart: %s" % (
        rep.check(new_gen, "graceful: children not replaced"),
        " -> ".join(str(g) for g in generations)))
    lines.append("[%s] parent alive through the restarts" % rep.check(
        alive, "graceful: parent died"))
    lines.append("[%s] no client hung: %d" % (
        rep.check(stats.hung_clients == 0, "graceful: hung clients"),
        stats.hung_clients))
    lines += log_lines(rep, h)
    rep.section("1. Graceful restarts under load (cookie store, %d s, "
                "`httpd -k graceful` at %.0f s and %.0f s)"
                % (PHASE_SECONDS, PHASE_SECONDS / 3, 2 * PHASE_SECONDS / 3),
                lines)
    return h


def redis_available():
    so = os.path.join(STORES_DIR, "mod_marten_session_redis.so")
    return os.path.isfile(so) and shutil.which("redis-server"), so


def phase_redis(rep, base):
    ok, so = redis_available()
    if not ok:
        rep.section("2. Redis killed and restarted under load", [
            "SKIPPED: %s or redis-server not found" % so])
        return None
    r = new_redis(base)
    start_redis(r)
    h = Httpd(base, "redis",
              store_load=load_module("marten_session_redis_module", so),
              store_conf="MartenSessionStore redis 127.0.0.1:%d" % r.port)
    h.start()
    log("redis: httpd pid %d on :%d, redis-server pid %d on :%d"
        % (h.proc.pid, h.port, r.proc.pid, r.port))
    stats = Stats()
    times = {}
    kill_at, restart_at = PHASE_SECONDS * 0.3, PHASE_SECONDS * 0.5

    def kill():
        times["kill"] = time.time()
        log("redis: SIGKILL to redis-server pid %d" % r.proc.pid)
        r.kill()

    def restart():
        start_redis(r)
        times["restart"] = time.time()
        with stats.lock:
            stats.mark = times["restart"]
        log("redis: redis-server restarted, pid %d" % r.proc.pid)

    try:
        run_load(h.port, PHASE_SECONDS, [(kill_at, kill),
                                         (restart_at, restart)], stats)
    finally:
        alive = h.alive()
        h.stop()
        r.stop()
    t_kill, t_back = times["kill"], times["restart"]
    t_grace = t_back + RECOVERY_GRACE
    before = [e for e in stats.errors if e[0] < t_kill]
    down = [e for e in stats.errors if t_kill <= e[0] < t_grace]
    after = [e for e in stats.errors if e[0] >= t_grace]
    lost_out = [x for x in stats.lost if not (t_kill <= x[0] < t_grace)]
    lost_in = [x for x in stats.lost if t_kill <= x[0] < t_grace]
    # a session read back empty during the outage, then its value again
    recovered = [stats.first_ok_after.get(i) for i in range(CLIENTS)]
    rec_times = [t - t_back for t in recovered if t is not None]
    lines = load_lines(stats)
    lines.append("redis down for %.1f s (SIGKILL at %.1f s, restarted at "
                 "%.1f s; append-only file, fsync always)"
                 % (t_back - t_kill, kill_at, restart_at))
    lines.append("[%s] errors before the kill: %d (%s)" % (
        rep.check(not before, "redis: errors before the kill"), len(before),
        summarize_errors(before)))
    in_window = sum(n for sec, n in stats.per_second.items()
                    if int(t_kill) <= sec < int(t_grace) + 1)
    lines.append("errors while down (+%.0f s grace): %d of the ~%d requests "
                 "answered then (%s)" % (RECOVERY_GRACE, len(down), in_window,
                                         summarize_errors(down)))
    lines.append("     sessions read back empty while down (not written "
                 "over): %d" % len(lost_in))
    lines.append("[%s] errors after recovery: %d (%s)" % (
        rep.check(not after, "redis: errors after recovery"), len(after),
        summarize_errors(after)))
    lines.append("[%s] lost updates outside the outage: %d" % (
        rep.check(not lost_out, "redis: lost updates outside the outage"),
        len(lost_out)))
    lines.append("[%s] clients recovered: %d of %d; first good step after "
                 "the restart: max %.2f s" % (
                     rep.check(len(rec_times) == CLIENTS,
                               "redis: clients did not recover"),
                     len(rec_times), CLIENTS,
                     max(rec_times) if rec_times else float("nan")))
    lines.append("[%s] no hang: slowest request %.2f s (timeout %d s), "
                 "hung clients %d" % (
                     rep.check(stats.max_latency < REQUEST_TIMEOUT
                               and stats.hung_clients == 0, "redis: hang"),
                     stats.max_latency, REQUEST_TIMEOUT, stats.hung_clients))
    lines.append("[%s] parent alive" % rep.check(alive, "redis: parent died"))
    # while Redis is down: load failed (MS00103), save failed (MS00201),
    # save refused after a failed load (MS00204), store down (MS00503); when
    # it is back: the store answers again (MS00107, once per child)
    lines += log_lines(rep, h, allowed_tags=("MS00103", "MS00107", "MS00201",
                                             "MS00204", "MS00503"))
    rep.section("2. Redis killed and restarted under load (%d s)"
                % PHASE_SECONDS, lines)
    return h


def phase_soak(rep, base):
    r = None
    store_load = store_conf = ""
    if SOAK_STORE == "redis":
        ok, so = redis_available()
        if ok:
            r = new_redis(base)
            start_redis(r)
            store_load = load_module("marten_session_redis_module", so)
            store_conf = "MartenSessionStore redis 127.0.0.1:%d" % r.port
    h = Httpd(base, "soak", store_load, store_conf).start()
    kids = h.children()
    log("soak: httpd pid %d, children %s, %s store, %.0f s warm-up + %.0f s"
        % (h.proc.pid, kids, "redis" if r else "cookie", SOAK_WARMUP,
           SOAK_SECONDS))
    samples = {pid: [] for pid in kids}   # pid -> [(t, kB)]
    stop_sampling = threading.Event()

    def sampler():
        t0 = time.time()
        while not stop_sampling.wait(SOAK_SAMPLE):
            t = time.time() - t0
            if t < SOAK_WARMUP:
                continue
            for pid in list(samples):
                kb = vmrss_kb(pid)
                if kb is not None:
                    samples[pid].append((t - SOAK_WARMUP, kb))

    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    stats = run_load(h.port, SOAK_WARMUP + SOAK_SECONDS)
    stop_sampling.set()
    th.join(10)
    end_kids = h.children()
    for pid in kids:
        kb = vmrss_kb(pid)
        if kb is not None:
            samples[pid].append((SOAK_SECONDS, kb))
    alive = h.alive()
    h.stop()
    if r:
        r.stop()
    lines = load_lines(stats)
    lines.append("[%s] failed requests: %d (%s)" % (
        rep.check(not stats.errors, "soak: failed requests"),
        len(stats.errors), summarize_errors(stats.errors)))
    lines.append("[%s] lost updates: %d" % (
        rep.check(not stats.lost, "soak: lost updates"), len(stats.lost)))
    lines.append("[%s] same children from start to end: %s -> %s" % (
        rep.check(kids == end_kids and alive, "soak: children changed"),
        kids, end_kids))
    lines.append("VmRSS per child (kB), sampled every %.0f s after a %.0f s "
                 "warm-up:" % (SOAK_SAMPLE, SOAK_WARMUP))
    for pid in kids:
        s = samples[pid]
        if len(s) < 2:
            lines.append("  pid %d: too few samples" % pid)
            continue
        first, last = s[0][1], s[-1][1]
        mid = min(s, key=lambda x: abs(x[0] - SOAK_SECONDS / 2))[1]
        peak = max(kb for _, kb in s)
        growth2 = last - mid
        # stable: the second half adds at most 1 MiB (or 2 %)
        ok = growth2 <= max(1024, mid * 0.02)
        lines.append("  [%s] pid %d: start %d, middle %d, end %d, peak %d; "
                     "growth %+d kB (%+.1f %%), second half %+d kB" % (
                         rep.check(ok, "soak: child %d grew %+d kB in the "
                                   "second half" % (pid, growth2)),
                         pid, first, mid, last, peak, last - first,
                         100.0 * (last - first) / first, growth2))
    lines += log_lines(rep, h)
    rep.section("3. Soak: memory of the children (%s store, %.0f s%s)" % (
        "redis" if r else "cookie", SOAK_SECONDS,
        "" if SOAK_SECONDS >= 300 else ", shorter than the 300 s default"),
        lines)
    return h


def main():
    for path, what in ((HTTPD, "MS_HTTPD"), (MODULE, "MS_MODULE"),
                       (TEST_MODULE, "MS_TEST_MODULE")):
        if not os.path.exists(path):
            print("stress: %s %s does not exist (run `make stress`)"
                  % (what, path), file=sys.stderr)
            return 2
    base = tempfile.mkdtemp(prefix="ms-stress-")
    os.chmod(base, 0o755)
    rep = Report()
    log("stress: server roots in %s; phases %s" % (base, ",".join(PHASES)))
    servers = []
    try:
        for name, fn in (("graceful", phase_graceful),
                         ("redis", phase_redis), ("soak", phase_soak)):
            if name in PHASES:
                servers.append(fn(rep, base))
    finally:
        rep.print()
        if KEEP or rep.failures:
            print("server roots kept in %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
