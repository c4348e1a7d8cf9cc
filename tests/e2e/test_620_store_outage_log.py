"""Store outages in the error log: the first failed request is logged at
error level with the store's own reason and the request's URI, the requests
after it only at debug (across all httpd children), and the recovery once.
The summary a minute (MS00106) is arithmetic tested in
tests/unit/test_outage.c: a test here would have to wait a minute."""

import os
import re
import threading

import stores_util as su
from common import KEY, session_on

NS = "ms-outage"
ERROR = re.compile(r"\[marten_session:(error|warn)\]")
DEBUG = re.compile(r"\[marten_session:debug\]")
PID = re.compile(r"\[pid (\d+)")


def lines_with(h, code, level=ERROR):
    return [l for l in h.test_log_lines() if code + ":" in l and level.search(l)]


def pids_of(lines):
    return {PID.search(l).group(1) for l in lines}


def served_by(h, since):
    """PIDs of the children that logged access lines after offset since."""
    with open(os.path.join(h.root, "logs", "access_log")) as f:
        f.seek(since)
        return set(re.findall(r"pid=(\d+)", f.read()))


def access_offset(h):
    return os.path.getsize(os.path.join(h.root, "logs", "access_log"))


# --- Redis down: one line across children, then the recovery ------------------

def test_redis_outage_logs_once_for_all_children(servers, server_base):
    red = su.RedisServer(server_base).start()
    # two children, each serving requests: the count is shared between them
    h = servers(su.load_store("redis")
                + "MartenSessionStore redis 127.0.0.1:%d namespace=%s\n"
                % (red.port, NS) + session_on(KEY)
                + "StartServers 2\nMinSpareThreads 1\n",
                name="redis-outage-log")
    h.start()
    try:
        sid = su.new_session_id(h.client().api("set", k="a", v="1"))
        red.kill()
        h.expect_log(r"MS00103: MartenSessionStore redis: cannot load the session "
                     r"for /api/get: 127\.0\.0\.1:%d GET: Connection refused; "
                     r"serving it empty" % red.port, count=1, required=True)
        h.expect_log(r"MS00107: MartenSessionStore redis: answering loads again "
                     r"after \d+ failed request\(s\) since ", count=1,
                     required=True)
        start = access_offset(h)
        failed = []

        def hit():
            r = h.client().api("get", k="a", request_kw=su.as_visitor(sid))
            failed.append(r.status == 200 and r.header("X-Test-Found") == "0")
        # 30 requests or more, until both children have served some
        while len(failed) < 30 or (len(served_by(h, start)) < 2
                                   and len(failed) < 300):
            batch = [threading.Thread(target=hit) for _ in range(6)]
            for t in batch:
                t.start()
            for t in batch:
                t.join()
        assert all(failed), "a request was not served an empty session"
        n = len(failed)

        errors = lines_with(h, "MS00103")
        assert len(errors) == 1, errors
        # the other requests are at debug, with the same detail: nothing lost
        quiet = lines_with(h, "MS00103", DEBUG)
        assert len(quiet) == n - 1, (n, len(quiet))
        assert all("Connection refused" in l and "for /api/get" in l
                   for l in quiet)
        children = served_by(h, start)
        if len(children) >= 2:
            # the one error line stood for both children
            assert pids_of(quiet + errors) == children
        # never the session id or a cookie in the log
        assert sid not in "\n".join(h.test_log_lines())

        red.start()                 # same port, empty
        back = h.client()
        assert su.wait_until(
            lambda: back.api("get", k="a", request_kw=su.as_visitor(sid))
            .header("X-Test-Found") == "0" and
            lines_with(h, "MS00107"), 10, 0.2), "no recovery line"
        recovered = lines_with(h, "MS00107")
        assert len(recovered) == 1, recovered
        total = int(re.search(r"after (\d+) failed", recovered[0]).group(1))
        assert total >= n, (total, n)
        # after the recovery a new failure would be logged at error again:
        # the outage is over, nothing more at warn or error meanwhile
        assert len(lines_with(h, "MS00103")) == 1
    finally:
        red.stop()                  # first: h.stop() raises on a bad log
        h.stop()


# --- SQLite read-only: the driver's reason and the URI ------------------------

def test_readonly_sqlite_reason_in_the_save_error(servers, server_base):
    su.need_dbd_driver("sqlite3", "libaprutil1-dbd-sqlite3")
    db = su.SqliteDb(server_base)
    for ddl in su.MARTEN_DDL:
        db.sql(ddl)
    os.chmod(db.path, 0o444)
    os.chmod(db.dir, 0o555)         # no journal either: the file stays as is
    h = servers(su.httpd_module("dbd") + su.load_store("dbd")
                + "DBDriver sqlite3\nDBDParams %s\n" % db.path
                + "MartenSessionStore db cleanup=0\n" + session_on(KEY),
                name="db-readonly")
    try:
        h.start()
        h.expect_log(r"MS00201: MartenSessionStore db: cannot save the session "
                     r"for /api/set: table marten_db_session_store_entry insert: "
                     r".*readonly database.*; the client keeps its previous cookie",
                     count=1, required=True)
        for i in range(5):
            r = h.client().api("set", k="a", v=str(i))
            # served, but no session can be kept: no cookie
            assert r.status == 200 and r.cookie("sessionid") is None, r
        errors = lines_with(h, "MS00201")
        assert len(errors) == 1, errors
        assert "attempt to write a readonly database" in errors[0], errors[0]
        assert "(20014)" not in errors[0]   # the reason, not the bare status
        assert len(lines_with(h, "MS00201", DEBUG)) == 4
        # reads still work: they neither end the save outage nor log
        r = h.client().api("get", k="a", request_kw=su.as_visitor(su.random_id()))
        assert r.status == 200 and r.header("X-Test-Found") == "0"
        assert not lines_with(h, "MS00107")
    finally:
        h.stop()
        os.chmod(db.dir, 0o777)
        db.stop()


# --- a flush whose delete fails names the URI -----------------------------------

def test_failed_delete_and_refused_change_name_the_uri(servers, server_base):
    red = su.RedisServer(server_base).start()
    h = servers(su.load_store("redis")
                + "MartenSessionStore redis 127.0.0.1:%d\n" % red.port
                + session_on(KEY), name="redis-delete-log")
    h.start()
    try:
        c = h.client()
        sid = su.new_session_id(c.api("set", k="a", v="1"))
        red.kill()
        # the first request of the outage: its load, its refused change
        # (MS00204) at error, with the reason of the load; all name the URI
        h.expect_log(r"MS00103: MartenSessionStore redis: cannot load the session "
                     r"for /api/set: .*Connection refused", count=1, required=True)
        h.expect_log(r"MS00204: MartenSessionStore redis: the session could not "
                     r"be loaded for /api/set: .*GET: Connection refused; this "
                     r"request's changes are not saved", count=1, required=True)
        r = c.api("set", k="b", v="2")
        su.assert_cookie_kept(r)
        # the first failed write: the delete of a flush
        h.expect_log(r"MS00203: MartenSessionStore redis: cannot delete the old "
                     r"session record for /api/flush: .*DEL: Connection refused",
                     count=1, required=True)
        r = c.api("flush")
        assert r.cookie("sessionid").is_deletion(), r
        assert sid not in "\n".join(h.test_log_lines())
    finally:
        red.stop()
        h.stop()


# --- socache: the provider's reason; an oversize session is no outage ---------

def test_socache_oversize_reason_every_time(servers):
    h = servers(su.httpd_module("socache_shmcb") + su.load_store("socache")
                + "MartenSessionStore socache shmcb maxsize=200\n"
                + session_on(KEY), name="socache-oversize-log")
    h.start()
    try:
        # the session's own size, not the store's health: each time at
        # error, and nothing about the store answering again
        h.expect_log(r"MS00201: MartenSessionStore socache: cannot save the "
                     r"session for /api/set: shmcb store: the session is \d+ "
                     r"bytes, over maxsize=200; the client keeps", count=2,
                     required=True)
        c = h.client()
        sid = su.new_session_id(c.api("set", k="a", v="1"))
        for _ in range(2):
            su.assert_cookie_kept(c.api("set", k="b", v="x" * 300))
            assert c.api("get", k="a").body == b"1"
        assert len(lines_with(h, "MS00201")) == 2
        assert not lines_with(h, "MS00107")
        assert sid not in "\n".join(h.test_log_lines())
    finally:
        h.stop()
