"""The db store (stores/mod_marten_session_dbd.c) through mod_dbd, on SQLite
and on a throw-away PostgreSQL cluster, in marten-db-session's table:
rows written and read in that layout, cycle/flush/expiry, nothing written
for a read, two httpd sharing one PostgreSQL, the periodic removal of
expired rows by one process, and configuration errors."""

import datetime as dt
import json
import re
import time

import pytest

import stores_util as su
from common import KEY, session_on

MAX_AGE = 1209600
T = su.MARTEN_TABLE


class SqliteBackend:
    driver = "sqlite3"

    def __init__(self, base):
        su.need_dbd_driver("sqlite3", "libaprutil1-dbd-sqlite3")
        self.db = su.SqliteDb(base)
        for ddl in su.MARTEN_DDL:
            self.db.sql(ddl)

    def dbd(self):
        return "DBDriver sqlite3\nDBDParams %s\n" % self.db.path

    def sql(self, statement):
        return [["" if v is None else str(v) for v in row]
                for row in self.db.sql(statement)]

    def ts(self, t):
        return su.sqlite_ts(t)          # as crystal-sqlite3 writes a Time

    def expires_sql(self):
        return "expires"

    def epoch(self, value):
        return su.parse_ts(value).timestamp()

    def stop(self):
        self.db.stop()


class PgBackend:
    driver = "pgsql"

    def __init__(self, base):
        su.need_dbd_driver("pgsql", "libaprutil1-dbd-pgsql")
        self.pg = su.PgCluster(base).start()
        for ddl in su.MARTEN_DDL:
            self.pg.sql(ddl)

    def dbd(self):
        return 'DBDriver pgsql\nDBDParams "%s"\n' % self.pg.dbd_params()

    def sql(self, statement):
        return self.pg.sql(statement)

    def ts(self, t):
        return su.pg_ts(t)

    def expires_sql(self):
        # seconds since the epoch: of the instant for timestamptz, of the
        # wall time read as UTC for timestamp (the server's TimeZone is not
        # UTC on purpose)
        return "extract(epoch from expires)"

    def epoch(self, value):
        return float(value)

    def stop(self):
        self.pg.stop()


@pytest.fixture(scope="module", params=["sqlite", "pgsql"])
def backend(request, server_base):
    b = (SqliteBackend if request.param == "sqlite" else PgBackend)(server_base)
    yield b
    b.stop()


def db_snippet(backend, args="cleanup=0", extra=""):
    # the store's details (driver messages) at debug level, for diagnosis
    return (su.httpd_module("dbd") + su.load_store("dbd") + backend.dbd()
            + "MartenSessionStore db %s\n" % args + session_on(KEY, extra)
            + "LogLevel warn marten_session:debug marten_session_dbd:debug\n")


@pytest.fixture(scope="module")
def web(module_servers, backend):
    h = module_servers(db_snippet(backend), name="db-web-" + backend.driver)
    h.start()
    return h


def row(backend, sid, table=T):
    """(key, data, expires as epoch seconds) of a row, or None."""
    rows = backend.sql("SELECT key, data, %s FROM %s WHERE key = '%s'"
                       % (backend.expires_sql(), table, sid))
    rows = [[k, d, backend.epoch(e)] for k, d, e in rows]
    assert len(rows) <= 1
    return rows[0] if rows else None


def count(backend, table=T):
    return int(backend.sql("SELECT COUNT(*) FROM %s" % table)[0][0])


def insert(backend, sid, data, expires, table=T):
    backend.sql("INSERT INTO %s (key, data, expires) VALUES ('%s', '%s', '%s')"
                % (table, sid, json.dumps(data).replace("'", "''"),
                   backend.ts(expires)))


# --- basic life of a session ---------------------------------------------------

def test_session_persists_in_marten_layout(web, backend):
    c = web.client()
    before = time.time()
    r = c.api("set", k="user_id", v="42")
    assert r.header("X-Test-Rv") == "0", r
    sid = su.new_session_id(r)
    key, data, expires = row(backend, sid)
    assert key == sid
    assert json.loads(data) == {"user_id": "42"}
    assert before + MAX_AGE - 5 <= expires <= time.time() + MAX_AGE + 5
    if backend.driver == "sqlite3":
        # text the way crystal-sqlite3 writes and reads a Time
        text = backend.sql("SELECT expires FROM %s WHERE key = '%s'" % (T, sid))
        assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$",
                        text[0][0]), text
    r = c.api("get", k="user_id")
    assert r.body == b"42"
    su.assert_cookie_kept(r)
    c.api("set", k="lang", v="fr")
    assert c.jar["sessionid"] == sid
    assert json.loads(row(backend, sid)[1]) == {"user_id": "42", "lang": "fr"}


def test_read_miss_writes_nothing(web, backend):
    before = count(backend)
    c = web.client()
    r = c.api("get", k="a")
    assert r.cookie("sessionid") is None
    for value in (su.random_id(), "x' OR '1'='1", "Z" * 32):
        r = c.api("get", k="a", request_kw=su.as_visitor(value))
        assert r.status == 200 and r.header("X-Test-Found") == "0"
        su.assert_cookie_expired(r)
    assert count(backend) == before


def test_cycle_key_deletes_old_row(web, backend):
    c = web.client()
    old = su.new_session_id(c.api("set", k="user_id", v="7"))
    new = su.new_session_id(c.api("cycle"))
    assert new != old
    assert row(backend, old) is None
    assert json.loads(row(backend, new)[1]) == {"user_id": "7"}
    r = c.api("get", k="user_id", request_kw=su.as_visitor(old))
    assert r.header("X-Test-Found") == "0"


def test_flush_deletes_row(web, backend):
    c = web.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    su.assert_cookie_expired(c.api("flush"))
    assert row(backend, sid) is None


def test_expiry(web, backend):
    c = web.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    assert c.api("expires_in", s="1").header("X-Test-Rv") == "0"
    assert row(backend, sid)[2] <= time.time() + 2
    time.sleep(2.1)
    r = c.api("get", k="a", request_kw=su.as_visitor(sid))
    assert r.header("X-Test-Found") == "0"


# --- interoperability with marten-db-session ------------------------------------

def test_reads_a_row_written_by_marten(web, backend):
    sid = su.random_id()
    insert(backend, sid, {"user_id": "99", "lang": "fr"},
           su.utc_now() + dt.timedelta(hours=1))
    c = web.client()
    c.jar["sessionid"] = sid
    r = c.api("dump", enc="1")
    assert r.header("X-Test-Count") == "2", r
    assert c.api("get", k="user_id").body == b"99"
    c.api("set", k="lang", v="de")
    assert c.jar["sessionid"] == sid
    key, data, expires = row(backend, sid)
    assert json.loads(data) == {"user_id": "99", "lang": "de"}
    assert expires > time.time() + MAX_AGE - 60


def test_expired_marten_row_is_an_empty_session(web, backend):
    sid = su.random_id()
    insert(backend, sid, {"user_id": "1"}, su.utc_now() - dt.timedelta(minutes=1))
    r = web.client().api("get", k="user_id", request_kw=su.as_visitor(sid))
    assert r.header("X-Test-Found") == "0"
    su.assert_cookie_expired(r)


def test_custom_table(module_servers, backend):
    backend.sql("CREATE TABLE other_sessions (key VARCHAR(40) PRIMARY KEY, "
                "data TEXT, expires TIMESTAMP)")
    h = module_servers(db_snippet(backend, "table=other_sessions cleanup=0"),
                       name="db-table-" + backend.driver)
    h.start()
    c = h.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    assert json.loads(row(backend, sid, "other_sessions")[1]) == {"a": "1"}
    assert row(backend, sid) is None
    h.stop()


def test_marten_time_column_variants(module_servers, backend):
    """PostgreSQL: Marten's own migration makes expires "timestamp with time
    zone". SQLite: crystal-sqlite3 also reads and writes whole-second times
    ("YYYY-MM-DD HH:MM:SS"), which must compare right with ours."""
    if backend.driver == "pgsql":
        backend.sql("CREATE TABLE marten_tz (key VARCHAR(40) PRIMARY KEY, "
                    "data TEXT, expires TIMESTAMP WITH TIME ZONE)")
        table, ts = "marten_tz", backend.ts
    else:
        backend.sql("CREATE TABLE marten_tz (key VARCHAR(40) PRIMARY KEY, "
                    "data TEXT, expires TIMESTAMP)")
        table = "marten_tz"

        def ts(t):
            return t.astimezone(su.UTC).strftime("%Y-%m-%d %H:%M:%S")
    h = module_servers(db_snippet(backend, "table=%s cleanup=0" % table),
                       name="db-tz-" + backend.driver)
    h.start()
    c = h.client()
    before = time.time()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    exp = row(backend, sid, table)[2]
    assert before + MAX_AGE - 5 <= exp <= time.time() + MAX_AGE + 5
    # Marten rows: live for an hour, and expired ten minutes ago
    live, dead = su.random_id(), su.random_id()
    for sid_, delta in ((live, dt.timedelta(hours=1)),
                        (dead, -dt.timedelta(minutes=10))):
        backend.sql("INSERT INTO %s (key, data, expires) VALUES "
                    "('%s', '{\"m\":\"1\"}', '%s')"
                    % (table, sid_, ts(su.utc_now() + delta)))
    assert c.api("get", k="m", request_kw=su.as_visitor(live)).body == b"1"
    r = c.api("get", k="m", request_kw=su.as_visitor(dead))
    assert r.header("X-Test-Found") == "0"
    h.stop()


def test_schema_change_while_running(module_servers, backend):
    """A migration (here: a new column) while connections hold prepared
    statements: SQLite refuses the old statements ("database schema has
    changed") until they are prepared again; no request may fail."""
    backend.sql("CREATE TABLE schema_test (key VARCHAR(40) PRIMARY KEY, "
                "data TEXT, expires TIMESTAMP)")
    h = module_servers(db_snippet(backend, "table=schema_test cleanup=0"),
                       name="db-schema-" + backend.driver)
    h.start()
    c = h.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    assert c.api("get", k="a").body == b"1"
    backend.sql("ALTER TABLE schema_test ADD COLUMN note TEXT")
    backend.sql("CREATE TABLE schema_test_other (id INTEGER)")
    for i in range(3):
        assert c.api("get", k="a").body == b"1"
        assert c.api("set", k="b", v=str(i)).header("X-Test-Rv") == "0"
        assert json.loads(row(backend, sid, "schema_test")[1]) == {"a": "1", "b": str(i)}
    old = sid
    sid = su.new_session_id(c.api("cycle"))
    assert row(backend, old, "schema_test") is None
    su.assert_cookie_expired(c.api("flush"))
    assert row(backend, sid, "schema_test") is None
    h.stop()


def test_two_servers_share_one_database(module_servers, web, backend):
    """Two httpd on one database (on SQLite: one file, one machine)."""
    other = module_servers(db_snippet(backend), name="db-web2-" + backend.driver)
    other.start()
    a = web.client()
    sid = su.new_session_id(a.api("set", k="who", v="A"))
    b = other.client()
    b.jar["sessionid"] = sid
    assert b.api("get", k="who").body == b"A"
    b.api("set", k="who", v="B")
    assert b.jar["sessionid"] == sid
    assert a.api("get", k="who").body == b"B"
    new = su.new_session_id(b.api("cycle"))
    assert a.api("get", k="who").header("X-Test-Found") == "0"
    a.jar["sessionid"] = new
    assert a.api("get", k="who").body == b"B"
    other.stop()


# --- periodic cleanup -------------------------------------------------------------

def test_expired_rows_removed_by_one_process(module_servers, backend):
    h = module_servers(db_snippet(backend, "cleanup=1")
                       + "StartServers 2\n",
                       name="db-cleanup-" + backend.driver)
    h.start()
    past = su.utc_now() - dt.timedelta(minutes=5)
    gone = [su.random_id() for _ in range(3)]
    for sid in gone:
        insert(backend, sid, {"old": "1"}, past)
    live = su.random_id()
    insert(backend, live, {"new": "1"}, su.utc_now() + dt.timedelta(hours=1))
    assert su.wait_until(lambda: all(row(backend, s) is None for s in gone), 10), \
        "expired rows were not removed"
    assert row(backend, live) is not None
    time.sleep(1.5)
    h.stop()
    pids = set(re.findall(r"\[pid (\d+):tid \d+\][^\n]*MS00705",
                          "\n".join(h.test_log_lines())))
    assert len(pids) == 1, pids


# --- configuration ------------------------------------------------------------------

@pytest.fixture(scope="module")
def checker(module_servers):
    return module_servers(name="db-config")


def check(checker, args, load_dbd=True):
    text = (su.httpd_module("dbd") if load_dbd else "") + su.load_store("dbd") \
        + "DBDriver sqlite3\n" * load_dbd \
        + "MartenSessionStore db %s\n" % args + session_on(KEY)
    return checker.check_config(text)


@pytest.mark.parametrize("args", ["", "table=sessions", "cleanup=0",
                                  "table=_s1 cleanup=86400"])
def test_config_accepted(checker, args):
    rc, out = check(checker, args)
    assert rc == 0 and "Syntax OK" in out, out


@pytest.mark.parametrize("args,why", [
    ("table=", "bad table name"),
    ("table=1abc", "bad table name"),
    ("table=a;DROP", "bad table name"),
    ("table=a.b", "bad table name"),
    ("cleanup=-1", "bad cleanup"),
    ("cleanup=soon", "bad cleanup"),
    ("colour=blue", "unknown argument"),
])
def test_config_rejected(checker, args, why):
    rc, out = check(checker, args)
    assert rc != 0, out
    assert "MartenSessionStore" in out and why in out, out


def test_config_needs_mod_dbd(checker):
    rc, out = check(checker, "", load_dbd=False)
    assert rc != 0 and "MartenSessionStore" in out and "mod_dbd" in out, out
