"""The redis store (stores/mod_marten_session_redis.c) against a real
redis-server: records in marten-redis-session's layout (NS:<32 hex> -> the
session's JSON, with a Redis expiry), cycle/flush/expiry, nothing written
for a read, two httpd sharing one Redis, and a Redis outage in the middle of
a run."""

import json
import socket
import threading
import time

import pytest

import stores_util as su
from common import KEY, session_on

NS = "ms-test"
MAX_AGE = 1209600


def redis_snippet(port, args="", extra=""):
    return (su.load_store("redis")
            + "MartenSessionStore redis 127.0.0.1:%d %s\n" % (port, args)
            + session_on(KEY, extra))


@pytest.fixture(scope="module")
def redis(server_base):
    r = su.RedisServer(server_base).start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def web(module_servers, redis):
    h = module_servers(redis_snippet(redis.port, "namespace=%s" % NS),
                       name="redis-web")
    h.start()
    return h


def rkey(sid):
    return "%s:%s" % (NS, sid)


# --- basic life of a session ---------------------------------------------------

def test_session_persists_in_marten_layout(web, redis):
    c = web.client()
    r = c.api("set", k="user_id", v="42")
    assert r.status == 200 and r.header("X-Test-Rv") == "0", r
    sid = su.new_session_id(r)
    cookie = r.cookie("sessionid")
    # the record: NS:<hex> -> exactly the session's JSON object, with a TTL
    assert redis.get_json(rkey(sid)) == {"user_id": "42"}
    ttl = redis.ttl(rkey(sid))
    assert MAX_AGE - 30 <= ttl <= MAX_AGE, ttl
    assert cookie.max_age() == MAX_AGE
    # read back through the module: no new cookie for a read
    r = c.api("get", k="user_id")
    assert r.body == b"42" and r.header("X-Test-Found") == "1"
    su.assert_cookie_kept(r)
    # a change overwrites the same record
    r = c.api("set", k="cart", v="3 apples")
    assert r.cookie("sessionid") is None or r.cookie("sessionid").value == sid
    assert c.jar["sessionid"] == sid
    assert redis.get_json(rkey(sid)) == {"user_id": "42", "cart": "3 apples"}


def test_values_survive_json_escaping(web, redis):
    c = web.client()
    value = 'quote " backslash \\ newline \n unicode \u00e9\u4e2d'
    r = c.api("set", k="odd key \u00e9", v=value)
    sid = su.new_session_id(r)
    assert redis.get_json(rkey(sid)) == {"odd key \u00e9": value}
    r = c.api("get", k="odd key \u00e9")
    assert r.body.decode("utf-8") == value


def test_large_session(web, redis):
    c = web.client()
    # URLs are limited to 8 KB: build a 24 KB session in four requests
    want = {}
    for i in range(4):
        want["big%d" % i] = chr(ord("a") + i) * 6000
        r = c.api("set", k="big%d" % i, v=want["big%d" % i])
        assert r.header("X-Test-Rv") == "0", r
    sid = c.jar["sessionid"]
    assert redis.get_json(rkey(sid)) == want
    assert c.api("get", k="big3").body == want["big3"].encode()


def test_read_miss_writes_nothing(web, redis):
    before = redis.dbsize()
    c = web.client()
    # no cookie at all
    r = c.api("get", k="a")
    assert r.status == 200 and r.header("X-Test-Found") == "0"
    assert r.cookie("sessionid") is None
    # an unknown id, and things that are not ids at all
    for value in (su.random_id(), "not-an-id", "A" * 32, su.random_id()[:31],
                  "../../etc/passwd", "*"):
        r = c.api("get", k="a", request_kw=su.as_visitor(value))
        assert r.status == 200 and r.header("X-Test-Found") == "0", (value, r)
        # the core drops a cookie the store does not know
        su.assert_cookie_expired(r)
    # a dump touches the session too
    r = c.api("dump", request_kw=su.as_visitor(su.random_id()))
    assert r.header("X-Test-Count") == "0"
    assert redis.dbsize() == before


def test_cycle_key_issues_new_id_and_deletes_old_record(web, redis):
    c = web.client()
    old = su.new_session_id(c.api("set", k="user_id", v="7"))
    r = c.api("cycle")
    new = su.new_session_id(r)
    assert new != old
    assert redis.cmd("EXISTS", rkey(old)) == 0
    assert redis.get_json(rkey(new)) == {"user_id": "7"}
    # the old cookie now reads an empty session
    r = c.api("get", k="user_id", request_kw=su.as_visitor(old))
    assert r.header("X-Test-Found") == "0"
    assert c.api("get", k="user_id").body == b"7"


def test_flush_deletes_record(web, redis):
    c = web.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    assert redis.cmd("EXISTS", rkey(sid)) == 1
    r = c.api("flush")
    su.assert_cookie_expired(r)
    assert redis.cmd("EXISTS", rkey(sid)) == 0


def test_emptying_the_session_deletes_record(web, redis):
    c = web.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    r = c.api("delete", k="a")
    su.assert_cookie_expired(r)
    assert redis.cmd("EXISTS", rkey(sid)) == 0


def test_expiry_is_redis_ttl(web, redis):
    c = web.client()
    r = c.api("set", k="a", v="1")
    sid = su.new_session_id(r)
    r = c.api("expires_in", s="1")
    assert r.header("X-Test-Rv") == "0"
    assert 0 < redis.ttl(rkey(sid)) <= 1
    assert su.wait_until(lambda: redis.cmd("EXISTS", rkey(sid)) == 0, 5)
    r = c.api("get", k="a")
    assert r.header("X-Test-Found") == "0"


def test_short_max_age(module_servers, redis):
    h = module_servers(redis_snippet(redis.port, "namespace=%s" % NS,
                                     "MartenSessionCookieMaxAge 2"),
                       name="redis-maxage")
    h.start()
    c = h.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    assert 1 <= redis.ttl(rkey(sid)) <= 2
    time.sleep(2.5)
    assert redis.cmd("EXISTS", rkey(sid)) == 0
    assert c.api("get", k="a").header("X-Test-Found") == "0"
    h.stop()


# --- interoperability with marten-redis-session ---------------------------------

def test_reads_a_record_written_by_marten(web, redis):
    sid = su.random_id()
    # what marten-redis-session writes: SET ns:<hex> <json> EX <seconds>
    redis.cmd("SET", rkey(sid), json.dumps({"user_id": "99", "lang": "fr"}),
              "EX", "3600")
    c = web.client()
    c.jar["sessionid"] = sid
    r = c.api("dump", enc="1")
    assert r.header("X-Test-Count") == "2", r
    assert c.api("get", k="user_id").body == b"99"
    # changed through Apache: same key, Marten-readable JSON, fresh TTL
    r = c.api("set", k="lang", v="de")
    assert c.jar["sessionid"] == sid
    assert redis.get_json(rkey(sid)) == {"user_id": "99", "lang": "de"}
    assert redis.ttl(rkey(sid)) > 3600


def test_without_namespace_the_key_is_the_id(module_servers, redis):
    h = module_servers(redis_snippet(redis.port), name="redis-nons")
    h.start()
    c = h.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    assert redis.get_json(sid) == {"a": "1"}
    other = su.random_id()
    redis.cmd("SET", other, '{"from":"marten"}', "EX", "60")
    r = c.api("get", k="from", request_kw=su.as_visitor(other))
    assert r.body == b"marten"
    h.stop()


def test_two_servers_share_one_redis(module_servers, redis, web):
    other = module_servers(redis_snippet(redis.port, "namespace=%s" % NS),
                           name="redis-web2")
    other.start()
    a = web.client()
    sid = su.new_session_id(a.api("set", k="who", v="A"))
    b = other.client()
    b.jar["sessionid"] = sid
    assert b.api("get", k="who").body == b"A"
    b.api("set", k="who", v="B")
    assert b.jar["sessionid"] == sid
    assert a.api("get", k="who").body == b"B"
    # a cycle on one is seen by the other
    new = su.new_session_id(b.api("cycle"))
    r = a.api("get", k="who")
    assert r.header("X-Test-Found") == "0"
    a.jar["sessionid"] = new
    assert a.api("get", k="who").body == b"B"
    other.stop()


# --- failures ---------------------------------------------------------------------

def test_redis_outage_and_recovery(module_servers, server_base):
    red = su.RedisServer(server_base).start()
    h = module_servers(redis_snippet(red.port, "namespace=%s timeout=1000" % NS),
                       name="redis-outage")
    h.start()
    try:
        c = h.client()
        sid = su.new_session_id(c.api("set", k="a", v="1"))
        assert c.api("get", k="a").body == b"1"

        red.kill()
        # one error line for the first failed load and one for the first
        # failed save, the rest at debug (test_620_store_outage_log.py);
        # then one line each when they work again
        h.expect_log(r"MS00103: MartenSessionStore redis: cannot load", count=1,
                     required=True)
        h.expect_log(r"MS00201: MartenSessionStore redis: cannot save", count=1,
                     required=True)
        h.expect_log(r"MS00107: MartenSessionStore redis: answering loads again",
                     count=1, required=True)
        h.expect_log(r"MS00107: MartenSessionStore redis: answering saves again",
                     count=1, required=True)
        for _ in range(4):
            r = c.api("get", k="a")
            # served, empty, and the visitor keeps the cookie
            assert r.status == 200 and r.header("X-Test-Found") == "0", r
            su.assert_cookie_kept(r)
            r = c.api("set", k="b", v="2")
            assert r.status == 200, r
            su.assert_cookie_kept(r)
            # a new visitor's session cannot be saved either: no cookie
            r = h.client().api("set", k="c", v="3")
            assert r.status == 200 and r.cookie("sessionid") is None, r
        assert c.jar["sessionid"] == sid
        # logging out still ends the session in the browser (a copy of the
        # visitor's jar)
        leaver = h.client()
        leaver.jar["sessionid"] = sid
        r = leaver.api("flush")
        assert r.status == 200 and r.cookie("sessionid").is_deletion(), r
        log = "\n".join(h.test_log_lines())
        assert sid not in log

        red.start()                 # same port, empty (no persistence)
        fresh = h.client()

        def works():
            r = fresh.api("set", k="back", v="yes")
            return r.cookie("sessionid") is not None and \
                not r.cookie("sessionid").is_deletion()
        assert su.wait_until(works, 10, 0.2), "sessions did not come back"
        sid2 = fresh.jar["sessionid"]
        assert red.get_json(rkey(sid2)) == {"back": "yes"}
        assert fresh.api("get", k="back").body == b"yes"
        # the old visitor's record died with that Redis: now a plain miss
        r = c.api("get", k="a")
        assert r.header("X-Test-Found") == "0"
    finally:
        red.stop()                  # first: h.stop() raises on a bad log
        h.stop()


def test_redis_restart_between_requests_is_invisible(module_servers, server_base):
    """Pooled connections that a Redis restart closed are replaced without
    failing a request or logging anything."""
    red = su.RedisServer(server_base).start()
    h = module_servers(redis_snippet(red.port, "namespace=%s" % NS),
                       name="redis-restart")
    h.start()
    try:
        # several requests at once, so the child pools several connections
        sid = su.random_id()
        red.cmd("SET", rkey(sid), '{"n":"1"}', "EX", "600")
        results = []

        def hit():
            c = h.client()
            c.jar["sessionid"] = sid
            results.append(c.api("get", k="n").body)
        threads = [threading.Thread(target=hit) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [b"1"] * 12
        red.kill()
        red.start()
        red.cmd("SET", rkey(sid), '{"n":"2"}', "EX", "600")
        results.clear()
        for _ in range(3):
            threads = [threading.Thread(target=hit) for _ in range(12)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert results == [b"2"] * 36
        assert h.end_test() == []       # nothing logged at warn or above
    finally:
        red.stop()                  # first: h.stop() raises on a bad log
        h.stop()


def test_timeout_is_bounded(module_servers):
    """A "Redis" that accepts connections and never answers."""
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    port = lsock.getsockname()[1]
    held, stop = [], threading.Event()

    def accept():
        lsock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(lsock.accept()[0])
            except OSError:
                pass
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    h = module_servers(redis_snippet(port, "timeout=1000"), name="redis-hang")
    h.start()
    try:
        h.expect_log(r"MS00103: MartenSessionStore redis", count=None, required=True)
        h.expect_log(r"MS00503: MartenSessionStore redis", count=None)
        c = h.client()
        started = time.time()
        r = c.api("get", k="a", request_kw=su.as_visitor(su.random_id()))
        assert r.status == 200 and r.header("X-Test-Found") == "0"
        su.assert_cookie_kept(r)
        assert time.time() - started < 10
    finally:
        h.stop()
        stop.set()
        t.join()
        for s in held:
            s.close()
        lsock.close()


# --- configuration ----------------------------------------------------------------

@pytest.fixture(scope="module")
def checker(module_servers):
    return module_servers(name="redis-config")


@pytest.mark.parametrize("args", [
    "127.0.0.1:6379",
    "localhost",
    "127.0.0.1:6379 namespace=sessions timeout=250",
    "[::1]:6380 namespace=a:b",
])
def test_config_accepted(checker, args):
    rc, out = checker.check_config(su.load_store("redis")
                                   + "MartenSessionStore redis %s\n" % args
                                   + session_on(KEY))
    assert rc == 0 and "Syntax OK" in out, out


@pytest.mark.parametrize("args,why", [
    ("", "HOST:PORT"),
    ("127.0.0.1:notaport", "bad HOST:PORT"),
    ("127.0.0.1:70000", "bad HOST:PORT"),
    (":6379", "bad HOST:PORT"),
    ("127.0.0.1:6379 namespace=", "bad namespace"),
    ("127.0.0.1:6379 timeout=0", "bad timeout"),
    ("127.0.0.1:6379 timeout=1s", "bad timeout"),
    ("127.0.0.1:6379 colour=blue", "unknown argument"),
])
def test_config_rejected(checker, args, why):
    rc, out = checker.check_config(su.load_store("redis")
                                   + "MartenSessionStore redis %s\n" % args
                                   + session_on(KEY))
    assert rc != 0, out
    assert "MartenSessionStore" in out and why in out, out
