"""MartenSessionIdleTimeout, MartenSessionMaxLifetime and the touch
throttle (MartenSessionTouchInterval), enforced from authenticated times:
the sealed cookie's own times, the Marten cookie's signed expiry, and the
reserved times member of a server-side store's payload. Times are whole
seconds, so the tests wait whole seconds."""

import datetime as dt
import json
import time

import pytest

import marten_codec as mc
import sealed_codec as sc
import stores_util as su
from common import KEY, handler_location, session_on


CONF = "\n".join([
    session_on(KEY, "MartenSessionCookieFormat sealed"),
    handler_location("/idle", "MartenSessionIdleTimeout 4",
                     "MartenSessionTouchInterval 2"),
    handler_location("/life", "MartenSessionMaxLifetime 3"),
])


@pytest.fixture(scope="module")
def srv(module_servers):
    return module_servers(CONF, name="timeouts", start=True)


def times_of(value):
    return sc.decode(KEY, value)[1]


def found(r):
    return r.header("X-Test-Found") == "1"


def test_idle_clock_touched_at_most_once_per_interval(srv):
    cl = srv.client()
    first = cl.api("set", k="a", v="1", prefix="/idle").cookie("sessionid")
    t0 = times_of(first.value)
    cookies, requests = [], 0
    end = time.time() + 3.6
    while time.time() < end:
        r = cl.api("noop", prefix="/idle")
        requests += 1
        cookies += r.set_cookies
        time.sleep(0.2)
    assert requests >= 6
    # each touch is due 2 s after the last one: 1 or 2 in 3.6 s, not one
    # per request
    assert 1 <= len(cookies) <= 2, [c.raw for c in cookies]
    seen = t0["seen"]
    for c in cookies:
        plain, t = sc.decode(KEY, c.value)
        assert json.loads(plain) == {"a": "1"}
        assert t["issued"] == t0["issued"]
        assert t["seen"] >= seen + 2
        assert t["expires"] == t0["expires"]    # a touch moves only the idle clock
        seen = t["seen"]
    assert found(cl.api("get", k="a", prefix="/idle"))


def test_activity_keeps_an_idle_session(srv):
    cl = srv.client()
    cl.api("set", k="a", v="1", prefix="/idle")
    end = time.time() + 5
    while time.time() < end:
        assert found(cl.api("get", k="a", prefix="/idle"))
        time.sleep(0.4)


def test_idle_session_ends(srv):
    cl = srv.client()
    cl.api("set", k="a", v="1", prefix="/idle")
    time.sleep(4.2)
    r = cl.api("noop", prefix="/idle")
    # expired, not touched back to life: only a deletion
    assert [c.is_deletion() for c in r.set_cookies] == [True], r.headers
    assert not found(cl.api("get", k="a", prefix="/idle"))


def test_idle_replayed_cookie_is_not_revived(srv):
    cl = srv.client()
    old = cl.api("set", k="a", v="1", prefix="/idle").cookie("sessionid").value
    time.sleep(4.2)
    for _ in range(2):
        r = cl.api("get", k="a", prefix="/idle",
                   request_kw={"cookie": {"sessionid": old}})
        assert not found(r)
        assert all(c.is_deletion() for c in r.set_cookies), r.headers


def test_flushed_session_is_not_touched(srv):
    cl = srv.client()
    cl.api("set", k="a", v="1", prefix="/idle")
    r = cl.api("flush", prefix="/idle")
    assert r.cookie("sessionid").is_deletion()
    time.sleep(2.1)
    r = cl.api("noop", prefix="/idle")
    assert r.set_cookies == [] and cl.jar == {}


def test_max_lifetime_ends_an_active_session(srv):
    cl = srv.client()
    r = cl.api("set", k="a", v="1", prefix="/life")
    c = r.cookie("sessionid")
    t = times_of(c.value)
    assert t["expires"] == t["issued"] + 3       # capped by the lifetime
    assert c.max_age() == 3
    # active until shortly before issued + 3 (whole seconds)...
    while time.time() < t["issued"] + 2.6:
        r = cl.api("set", k="n", v=str(time.time()), prefix="/life")
        assert times_of(r.cookie("sessionid").value)["issued"] == t["issued"]
        time.sleep(0.3)
    # ...and over from then on
    time.sleep(max(0, t["issued"] + 3.2 - time.time()))
    assert not found(cl.api("get", k="a", prefix="/life"))


def test_cycle_key_starts_a_new_lifetime(srv):
    cl = srv.client()
    t1 = times_of(cl.api("set", k="a", v="1", prefix="/life").cookie("sessionid").value)
    time.sleep(1.1)
    t2 = times_of(cl.api("cycle", prefix="/life").cookie("sessionid").value)
    assert t2["issued"] > t1["issued"]


# --- server-side store: the times travel in the payload ------------------------

@pytest.fixture(scope="module")
def shm(module_servers):
    snippet = (su.httpd_module("socache_shmcb") + su.load_store("socache")
               + "MartenSessionStore socache shmcb\n"
               + session_on(KEY, "MartenSessionIdleTimeout 3\n"
                                 "MartenSessionMaxLifetime 6\n"
                                 "MartenSessionTouchInterval 1"))
    return module_servers(snippet, name="timeouts-shm", start=True)


def test_server_side_store_idle_and_touch(shm):
    cl = shm.client()
    r = cl.api("set", k="a", v="1")
    sid = cl.jar["sessionid"]
    end = time.time() + 4
    while time.time() < end:
        r = cl.api("get", k="a")
        assert found(r)
        time.sleep(0.4)
    assert cl.jar["sessionid"] == sid           # touched in place, same key
    time.sleep(3.2)
    assert not found(cl.api("get", k="a"))


def test_server_side_store_max_lifetime(shm):
    cl = shm.client()
    before = int(time.time())
    cl.api("set", k="a", v="1")
    after = int(time.time())
    # issued is a whole second in [before, after]: alive until before + 6
    while time.time() < before + 5.5:
        assert found(cl.api("get", k="a"))
        time.sleep(0.5)
    time.sleep(max(0, after + 6.3 - time.time()))
    assert not found(cl.api("get", k="a"))


# --- configuration -------------------------------------------------------------

@pytest.fixture(scope="module")
def checker(module_servers):
    return module_servers(name="timeouts-config")


@pytest.mark.parametrize("snippet, ok", [
    ("MartenSessionMaxLifetime 60", False),
    ("MartenSessionMaxLifetime 60\nMartenSessionCookieFormat sealed", True),
    # a Marten cookie carries no last-seen time (nor a start)
    ("MartenSessionIdleTimeout 60", False),
    ("MartenSessionIdleTimeout 60\nMartenSessionCookieFormat sealed", True),
    # the cookie store named is the cookie store by default
    ("MartenSessionStore cookie\nMartenSessionMaxLifetime 60", False),
    ("MartenSessionStore cookie\nMartenSessionIdleTimeout 60", False),
    ("MartenSessionStore cookie\nMartenSessionMaxLifetime 60\n"
     "MartenSessionCookieFormat sealed", True),
    ("MartenSessionIdleTimeout Off\nMartenSessionMaxLifetime 0", True),
    ("MartenSessionIdleTimeout -1", False),
    ("MartenSessionTouchInterval 0", False),
    ("MartenSessionCookieFormat json", False),
], ids=["max-marten", "max-sealed", "idle-marten", "idle-sealed",
        "named-cookie-max", "named-cookie-idle", "named-cookie-sealed", "off",
        "negative", "touch-0", "format"])
def test_config(checker, snippet, ok):
    rc, out = checker.check_config(session_on(KEY, snippet))
    assert (rc == 0) == ok, out
    if not ok:
        assert snippet.split("\n")[-1].split()[0] in out, out
    if "MS00306" in out:
        assert "a Marten cookie carries neither the time the session began " \
               "nor when it was last seen" in out, out


# --- what a server-side store keeps: the db store on SQLite ----------------------

@pytest.fixture(scope="module")
def sqlite_web(module_servers, server_base):
    su.need_dbd_driver("sqlite3", "libaprutil1-dbd-sqlite3")
    db = su.SqliteDb(server_base)
    for ddl in su.MARTEN_DDL:
        db.sql(ddl)
    snippet = (su.httpd_module("dbd") + su.load_store("dbd")
               + "DBDriver sqlite3\nDBDParams %s\n" % db.path
               + "MartenSessionStore db cleanup=0\n"
               + session_on(KEY, "MartenSessionIdleTimeout 60"))
    h = module_servers(snippet, name="timeouts-db", start=True)
    h.db = db
    yield h
    db.stop()


def record(h, sid):
    rows = h.db.sql("SELECT data FROM %s WHERE key = '%s'" % (su.MARTEN_TABLE, sid))
    return json.loads(rows[0][0])


def test_store_record_carries_the_times_member(sqlite_web):
    cl = sqlite_web.client()
    before = int(time.time())
    cl.api("set", k="user_id", v="42")
    data = record(sqlite_web, cl.jar["sessionid"])
    issued, seen = (int(x) for x in data.pop("\x00ms").split(","))
    assert before <= issued == seen <= time.time()
    assert data == {"user_id": "42"}
    # the module hands back the session without it
    r = cl.api("dump", enc="1")
    assert r.header("X-Test-Count") == "1"


def test_store_times_are_enforced_server_side(sqlite_web):
    cl = sqlite_web.client()
    cl.api("set", k="user_id", v="42")
    sid = cl.jar["sessionid"]
    old = int(time.time()) - 120
    sqlite_web.db.sql("UPDATE %s SET data = '%s' WHERE key = '%s'" % (
        su.MARTEN_TABLE,
        '{"\\u0000ms":"%d,%d","user_id":"42"}' % (old, old), sid))
    assert not found(cl.api("get", k="user_id"))


def test_store_record_without_times_is_refused_where_a_limit_applies(sqlite_web):
    # as a Marten application writes it: plain JSON, no times member. Its
    # start and last request are unknown, so an idle timeout cannot be
    # counted from them: the record is not trusted.
    sid = "0123456789abcdef0123456789abcdef"
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    sqlite_web.db.sql("INSERT INTO %s (key, data, expires) VALUES ('%s', '%s', '%s')"
                      % (su.MARTEN_TABLE, sid, '{"user_id":"7"}',
                         su.sqlite_ts(expires)))
    cl = sqlite_web.client()
    r = cl.api("get", k="user_id", request_kw={"cookie": {"sessionid": sid}})
    assert not found(r) and r.body == b""
    assert r.cookie("sessionid").is_deletion()
