"""Real back ends for the server-side store tests: Redis, memcached,
PostgreSQL and SQLite, each started on 127.0.0.1 (or a unix socket) in a
throw-away directory by the test that needs it, stopped by its own PID
(never by name) and removed afterwards.

    r = RedisServer(base).start()        r.cmd("GET", "ns:" + sid)
    m = Memcached(base).start()          m.get(key), m.curr_items()
    pg = PgCluster(base).start()         pg.sql("SELECT ...")
    db = SqliteDb(path)                  db.sql("SELECT ...")

A binary that is not installed skips the tests that need it, with the
apt-get line in the reason. The store modules come from MS_STORES_DIR
(`make check-e2e` sets it) or stores/.libs of the source tree.
"""

import atexit
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

import pytest

import httpd as H
from labhttpd import Redis, terminate, wait_port  # on sys.path through httpd

HEX32 = re.compile(r"^[0-9a-f]{32}$")
UTC = dt.timezone.utc

def _pg_bin():
    """The bin directory of the newest PostgreSQL installed the Debian way
    (/usr/lib/postgresql/<version>/bin; 15 on Debian 12)."""
    import glob
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(re.sub(r"\D", "", p.split("/")[4]) or 0))
    return os.path.dirname(found[-1]) if found else "/usr/lib/postgresql/15/bin"


PG_BIN = _pg_bin()
APR_DBD_DIR = "/usr/lib/x86_64-linux-gnu/apr-util-1"

# The table of marten-db-session, as the issue gives it.
MARTEN_TABLE = "marten_db_session_store_entry"
MARTEN_DDL = (
    "CREATE TABLE marten_db_session_store_entry ("
    "key VARCHAR(40) PRIMARY KEY, data TEXT, expires TIMESTAMP)",
    "CREATE INDEX marten_db_session_store_entry_expires "
    "ON marten_db_session_store_entry (expires)",
)


# ---------------------------------------------------------------------------
# Paths and skips
# ---------------------------------------------------------------------------

def stores_dir():
    return H.Env().stores_dir


def store_module(name):
    """Path of stores/mod_marten_session_NAME.so; skips when not built."""
    path = os.path.join(stores_dir(), "mod_marten_session_%s.so" % name)
    if not os.path.isfile(path):
        pytest.skip("%s is not built: run `make check-e2e`" % path)
    return path


def load_store(name):
    """The LoadModule line for a store module."""
    return "LoadModule marten_session_%s_module %s\n" % (name, store_module(name))


def httpd_module(name):
    """LoadModule line for one of httpd's own modules (mod_dbd ...)."""
    path = os.path.join(H.Env().modules_dir, "mod_%s.so" % name)
    if not os.path.isfile(path):
        pytest.skip("%s not installed" % path)
    return "LoadModule %s_module %s\n" % (name, path)


def need_binary(path_or_name, package):
    path = path_or_name if os.path.isabs(path_or_name) else \
        shutil.which(path_or_name)
    if not path or not os.access(path, os.X_OK):
        pytest.skip("%s not installed: apt-get install -y %s"
                    % (path_or_name, package))
    return path


def need_dbd_driver(name, package):
    for f in ("apr_dbd_%s.so" % name, "apr_dbd_%s-1.so" % name):
        if os.path.isfile(os.path.join(APR_DBD_DIR, f)):
            return
    pytest.skip("APR DBD driver %s not installed: apt-get install -y %s"
                % (name, package))


def workdir(base, prefix):
    """A 0755 directory under base (the httpd user may need to reach it)."""
    d = tempfile.mkdtemp(prefix=prefix, dir=base)
    os.chmod(d, 0o755)
    return d


def _die_with_parent():
    """preexec_fn: the kernel sends SIGTERM to the back end when the test
    process dies, however it dies (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass


_ENGINES = []


@atexit.register
def _stop_engines():
    """Whatever a test left running (a failed assertion before its stop)."""
    for engine in list(_ENGINES):
        try:
            engine.stop()
        except Exception:           # best effort at exit
            pass


def wait_until(pred, timeout=10.0, step=0.1):
    """Call pred until it returns something true; that value, or None."""
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() >= deadline:
            return None
        time.sleep(step)


# ---------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------

class RespError(Exception):
    pass


def _resp_encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class _RespReader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RespError("bad reply %r" % line)


class RedisServer(Redis):
    """redis-server on 127.0.0.1:port with no persistence (labhttpd.Redis),
    ended by the kernel if the tests die."""

    def __init__(self, base, port=None):
        super().__init__(base, ["--save", "", "--appendonly", "no",
                                "--dir", Redis.DATA_DIR, "--daemonize", "no",
                                "--protected-mode", "yes"],
                         binary=need_binary("redis-server", "redis-server"),
                         port=port, preexec_fn=_die_with_parent)
        os.chmod(self.dir, 0o755)

    def start(self, timeout=10):
        for attempt in range(3):
            if super().start(timeout) and self.ping():
                if self not in _ENGINES:
                    _ENGINES.append(self)
                return self
            self.kill()
            if attempt < 2:
                time.sleep(0.2)
        raise RuntimeError("redis-server did not start on port %d" % self.port)

    def ping(self):
        try:
            return self.cmd("PING") == "PONG"
        except (OSError, RespError):
            return False

    # kill(): labhttpd.Redis's SIGKILL, as in a crash; start() brings it
    # back on the same port

    def stop(self):
        super().stop(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
        if self in _ENGINES:
            _ENGINES.remove(self)

    def cmd(self, *args):
        with socket.create_connection(("127.0.0.1", self.port), 5) as s:
            s.sendall(_resp_encode(args))
            return _RespReader(s).reply()

    # conveniences
    def keys(self, pattern="*"):
        return sorted(k.decode() for k in self.cmd("KEYS", pattern))

    def get_json(self, key):
        v = self.cmd("GET", key)
        return None if v is None else json.loads(v.decode())

    def ttl(self, key):
        return self.cmd("TTL", key)

    def dbsize(self):
        return self.cmd("DBSIZE")


# ---------------------------------------------------------------------------
# memcached
# ---------------------------------------------------------------------------

class Memcached:
    """memcached on 127.0.0.1:port (TCP only)."""

    def __init__(self, base):
        self.binary = need_binary("memcached", "memcached")
        self.dir = workdir(base, "memcached-")
        self.port = H.free_port()
        self.proc = None

    def start(self, timeout=10):
        cmd = [self.binary, "-l", "127.0.0.1", "-p", str(self.port), "-U", "0",
               "-m", "16"]
        if os.geteuid() == 0:
            cmd += ["-u", "memcache" if _user_exists("memcache") else "nobody"]
        log = open(os.path.join(self.dir, "memcached.log"), "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, close_fds=True,
                                     preexec_fn=_die_with_parent)
        log.close()
        if not wait_port(self.port, timeout, self.proc, interval=0.02):
            terminate(self.proc, 10, signal.SIGKILL)
            raise RuntimeError("memcached did not start on port %d" % self.port)
        _ENGINES.append(self)
        return self

    def stop(self):
        terminate(self.proc, 10)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)
        if self in _ENGINES:
            _ENGINES.remove(self)

    def _talk(self, line, until):
        with socket.create_connection(("127.0.0.1", self.port), 5) as s:
            s.sendall(line.encode() + b"\r\n")
            data = b""
            while not any(data.endswith(u) for u in until):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data

    def get(self, key):
        """The value stored under key (bytes), or None."""
        data = self._talk("get " + key, (b"END\r\n",))
        if not data.startswith(b"VALUE "):
            return None
        header, _, rest = data.partition(b"\r\n")
        n = int(header.split()[3])
        return rest[:n]

    def stats(self):
        data = self._talk("stats", (b"END\r\n",))
        out = {}
        for line in data.decode().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "STAT":
                out[parts[1]] = parts[2]
        return out

    def curr_items(self):
        return int(self.stats()["curr_items"])


def _user_exists(name):
    import pwd
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


# ---------------------------------------------------------------------------
# PostgreSQL: a throw-away cluster, run as the postgres user
# ---------------------------------------------------------------------------

class PgCluster:
    """initdb + pg_ctl in a temporary directory owned by postgres; listens
    on 127.0.0.1:port and on a unix socket in its own directory."""

    DB = "marten"

    def __init__(self, base):
        need_binary(os.path.join(PG_BIN, "initdb"), "postgresql")
        self.psql_bin = need_binary(os.path.join(PG_BIN, "psql"), "postgresql-client")
        self.as_user = []
        if os.geteuid() == 0:
            if not _user_exists("postgres"):
                pytest.skip("no postgres user to run PostgreSQL as")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.dir = tempfile.mkdtemp(prefix="pg-", dir=base)
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        os.mkdir(self.sock)
        os.chmod(self.sock, 0o777)
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
        self.port = H.free_port()
        self.started = False

    def _run(self, args, check=True, timeout=120, input=None):
        res = subprocess.run(self.as_user + args, capture_output=True, text=True,
                             timeout=timeout, cwd=self.dir, input=input)
        if check and res.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s%s" % (
                " ".join(args), res.returncode, res.stdout, res.stderr))
        return res

    def start(self):
        self._run([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-A", "trust",
                   "-U", "postgres", "-E", "UTF8", "--no-sync", "-N"])
        # A TimeZone far from UTC, so that anything depending on it shows.
        opts = ("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off "
                "-c timezone=Asia/Kolkata -c max_connections=40"
                % (self.port, self.sock))
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-o", opts,
                   "-l", os.path.join(self.dir, "postgres.log"), "-w", "-t", "60",
                   "start"])
        self.started = True
        _ENGINES.append(self)
        self.sql("CREATE DATABASE %s" % self.DB, db="postgres")
        return self

    def stop(self):
        if self.started:
            # pg_ctl signals the postmaster by the PID in its own pid file
            self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m",
                       "immediate", "-w", "stop"], check=False)
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)
        if self in _ENGINES:
            _ENGINES.remove(self)

    def dbd_params(self):
        return "host=%s port=%d dbname=%s user=postgres" % (
            self.sock, self.port, self.DB)

    def sql(self, statement, db=None):
        """Run one statement with psql; rows as lists of strings."""
        res = self._run([self.psql_bin, "-X", "-q", "-h", self.sock, "-p",
                         str(self.port), "-U", "postgres", "-d", db or self.DB,
                         "-v", "ON_ERROR_STOP=1", "-At", "-F", "\x1f", "-c",
                         statement])
        return [line.split("\x1f") for line in res.stdout.splitlines() if line]


# ---------------------------------------------------------------------------
# SQLite
# ---------------------------------------------------------------------------

class SqliteDb:
    """A SQLite file the httpd user can write (and its directory, for the
    journal)."""

    def __init__(self, base, name="sessions.db"):
        self.dir = tempfile.mkdtemp(prefix="sqlite-", dir=base)
        os.chmod(self.dir, 0o777)
        self.path = os.path.join(self.dir, name)
        with sqlite3.connect(self.path) as c:
            c.execute("PRAGMA journal_mode=DELETE")
        os.chmod(self.path, 0o666)

    def sql(self, statement, params=()):
        c = sqlite3.connect(self.path, timeout=10)
        try:
            cur = c.execute(statement, params)
            rows = cur.fetchall()
            c.commit()
            return [list(r) for r in rows]
        finally:
            c.close()

    def stop(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------
# Time formats of the marten-db-session table
# ---------------------------------------------------------------------------

def utc_now():
    return dt.datetime.now(UTC)


def sqlite_ts(t):
    """Crystal's SQLite time text: UTC, milliseconds."""
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.") + \
        "%03d" % (t.microsecond // 1000)


def pg_ts(t):
    """UTC with "+00": exact for timestamptz; PostgreSQL ignores the offset
    for a timestamp column, which keeps the UTC wall time."""
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def parse_ts(text):
    """A timestamp column read back (SQLite text or psql output), as UTC."""
    text = text.strip()
    m = re.match(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?"
                 r"([+-]\d{2}(:?\d{2})?|Z)?$", text)
    assert m, "not a timestamp: %r" % text
    base = dt.datetime.strptime(m.group(1) + " " + m.group(2), "%Y-%m-%d %H:%M:%S")
    return base.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------
# Session helpers
# ---------------------------------------------------------------------------

def session_cookie(resp, name="sessionid"):
    """The session Set-Cookie of a response (or None)."""
    return resp.cookie(name)


def new_session_id(resp, name="sessionid"):
    c = resp.cookie(name)
    assert c is not None, "no session cookie in %r" % resp
    assert not c.is_deletion(), "session cookie expired: %s" % c.raw
    assert HEX32.match(c.value), "cookie value is not a 32-hex id: %r" % c.value
    return c.value


def assert_cookie_kept(resp, name="sessionid"):
    """The response neither replaces nor expires the client's cookie."""
    assert resp.cookie(name) is None, resp


def assert_cookie_expired(resp, name="sessionid"):
    c = resp.cookie(name)
    assert c is not None and c.is_deletion(), resp


def as_visitor(sid, name="sessionid"):
    """request_kw for Client.api: send this session cookie instead of the
    jar's, and leave the jar alone."""
    return {"cookie": {name: sid}, "store": False}


def random_id():
    return os.urandom(16).hex()
