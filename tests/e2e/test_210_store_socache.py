"""The socache store (stores/mod_marten_session_socache.c) on httpd's own
small-object cache providers: shmcb (shared memory, one machine, used under
a global mutex) and memcache against a real memcached (several machines,
no mutex), plus configuration errors."""

import os
import threading
import time

import pytest

import stores_util as su
from common import KEY, session_on


# flock keeps its lock file while the mutex exists (fcntl, the default
# here, unlinks it at once): a way to see whether the store made one
MUTEX = "Mutex flock:@ROOT@/run marten-session-socache\n"


def socache_snippet(spec, provider_module="socache_shmcb", extra=""):
    return (su.httpd_module(provider_module)
            + su.load_store("socache")
            + MUTEX
            + "MartenSessionStore socache %s\n" % spec
            + session_on(KEY, extra))


def mutex_files(h):
    return [f for f in os.listdir(h.path("run")) if "marten-session-socache" in f]


# --- shmcb ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shm(module_servers):
    h = module_servers(socache_snippet("shmcb"), name="socache-shmcb")
    h.start()
    return h


def test_shmcb_session_persists(shm):
    c = shm.client()
    r = c.api("set", k="user_id", v="42")
    sid = su.new_session_id(r)
    assert r.cookie("sessionid").max_age() == 1209600
    r = c.api("get", k="user_id")
    assert r.body == b"42"
    su.assert_cookie_kept(r)
    c.api("set", k="lang", v="fr")
    assert c.jar["sessionid"] == sid
    r = c.api("dump", enc="1")
    assert r.header("X-Test-Count") == "2"


def test_shmcb_is_used_under_the_global_mutex(shm):
    # shmcb is AP_SOCACHE_FLAG_NOTMPSAFE: the store created its mutex
    assert mutex_files(shm), os.listdir(shm.path("run"))


def test_shmcb_unknown_and_malformed_ids_read_empty(shm):
    c = shm.client()
    for value in (su.random_id(), "nothex", "F" * 32):
        r = c.api("get", k="a", request_kw=su.as_visitor(value))
        assert r.status == 200 and r.header("X-Test-Found") == "0"
        su.assert_cookie_expired(r)
    r = c.api("get", k="a")
    assert r.cookie("sessionid") is None


def test_shmcb_cycle_key_forgets_old_id(shm):
    c = shm.client()
    old = su.new_session_id(c.api("set", k="user_id", v="7"))
    new = su.new_session_id(c.api("cycle"))
    assert new != old
    r = c.api("get", k="user_id", request_kw=su.as_visitor(old))
    assert r.header("X-Test-Found") == "0"
    assert c.api("get", k="user_id").body == b"7"


def test_shmcb_flush_forgets_record(shm):
    c = shm.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    su.assert_cookie_expired(c.api("flush"))
    r = c.api("get", k="a", request_kw=su.as_visitor(sid))
    assert r.header("X-Test-Found") == "0"


def test_shmcb_expiry(shm):
    c = shm.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    assert c.api("expires_in", s="1").header("X-Test-Rv") == "0"
    time.sleep(2.1)
    r = c.api("get", k="a", request_kw=su.as_visitor(sid))
    assert r.header("X-Test-Found") == "0"


def test_shmcb_oversize_session_is_not_saved(module_servers):
    h = module_servers(socache_snippet("shmcb maxsize=200"), name="socache-small")
    h.start()
    h.expect_log(r"MS00201: MartenSessionStore socache: cannot save", required=True)
    c = h.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    r = c.api("set", k="b", v="x" * 300)
    assert r.status == 200
    su.assert_cookie_kept(r)
    assert c.jar["sessionid"] == sid
    assert c.api("get", k="b").header("X-Test-Found") == "0"
    h.stop()


def test_shmcb_two_processes_share_the_cache(module_servers):
    """Two child processes, many sessions at once: every write is read back
    whichever child answers (shared memory under the mutex)."""
    h = module_servers(socache_snippet(
        "shmcb:@ROOT@/run/sessions(1024000)") + "StartServers 2\n",
        name="socache-procs")
    h.start()
    errors = []

    def visitor(i):
        try:
            c = h.client()
            for n in range(5):
                r = c.api("set", k="n", v="%d-%d" % (i, n))
                assert r.header("X-Test-Rv") == "0", r
                r = c.api("get", k="n")
                assert r.body == ("%d-%d" % (i, n)).encode(), r
        except AssertionError as e:
            errors.append(str(e))
    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    h.stop()


# --- memcache: a cache shared by several servers -------------------------------------

@pytest.fixture(scope="module")
def memcached(server_base):
    m = su.Memcached(server_base).start()
    yield m
    m.stop()


def mc_key(sid):
    """mod_socache_memcache's key: "<cname>:" then the id's bytes in hex."""
    return "marten-session:" + sid.encode().hex()


@pytest.fixture(scope="module")
def mc_web(module_servers, memcached):
    h = module_servers(socache_snippet("memcache:127.0.0.1:%d" % memcached.port,
                                       "socache_memcache"), name="socache-mc")
    h.start()
    return h


def test_memcache_record_and_no_mutex(mc_web, memcached):
    c = mc_web.client()
    sid = su.new_session_id(c.api("set", k="user_id", v="42"))
    assert memcached.get(mc_key(sid)) == b'{"user_id":"42"}'
    # memcache is safe for concurrent use: no mutex was made
    assert mutex_files(mc_web) == []


def test_memcache_read_miss_writes_nothing(mc_web, memcached):
    before = memcached.curr_items()
    c = mc_web.client()
    c.api("get", k="a")
    c.api("get", k="a", request_kw=su.as_visitor(su.random_id()))
    c.api("dump", request_kw=su.as_visitor(su.random_id()))
    assert memcached.curr_items() == before


def test_memcache_cycle_deletes_old_record(mc_web, memcached):
    c = mc_web.client()
    old = su.new_session_id(c.api("set", k="a", v="1"))
    new = su.new_session_id(c.api("cycle"))
    assert memcached.get(mc_key(old)) is None
    assert memcached.get(mc_key(new)) == b'{"a":"1"}'


def test_memcache_flush_deletes_record(mc_web, memcached):
    c = mc_web.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    su.assert_cookie_expired(c.api("flush"))
    assert memcached.get(mc_key(sid)) is None


def test_memcache_expiry(mc_web, memcached):
    c = mc_web.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    c.api("expires_in", s="1")
    assert su.wait_until(lambda: memcached.get(mc_key(sid)) is None, 5)
    assert c.api("get", k="a").header("X-Test-Found") == "0"


def test_memcache_two_servers_share_sessions(module_servers, mc_web, memcached):
    other = module_servers(socache_snippet(
        "memcache:127.0.0.1:%d" % memcached.port, "socache_memcache"),
        name="socache-mc2")
    other.start()
    a = mc_web.client()
    sid = su.new_session_id(a.api("set", k="who", v="A"))
    b = other.client()
    b.jar["sessionid"] = sid
    assert b.api("get", k="who").body == b"A"
    b.api("set", k="who", v="B")
    assert a.api("get", k="who").body == b"B"
    other.stop()


# --- configuration ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def checker(module_servers):
    return module_servers(name="socache-config")


def check(checker, spec, modules=("socache_shmcb",)):
    text = "".join(su.httpd_module(m) for m in modules) + su.load_store("socache") \
        + "MartenSessionStore socache %s\n" % spec + session_on(KEY)
    return checker.check_config(text)


@pytest.mark.parametrize("spec", ["shmcb", "shmcb:@ROOT@/run/s(256000)",
                                  "shmcb maxsize=65536"])
def test_config_accepted(checker, spec):
    rc, out = check(checker, spec)
    assert rc == 0 and "Syntax OK" in out, out


@pytest.mark.parametrize("spec,why", [
    ("", "needs a socache provider"),
    ("nosuch", "unknown socache provider 'nosuch' (available: default, shmcb;"),
    ("memcache:127.0.0.1:11211", "unknown socache provider 'memcache'"),
    ("shmcb:@ROOT@/run/s(notanumber)", "socache provider shmcb:"),
    ("shmcb maxsize=1", "bad maxsize"),
    ("shmcb colour=blue", "unknown argument"),
])
def test_config_rejected(checker, spec, why):
    rc, out = check(checker, spec)
    assert rc != 0, out
    assert "MartenSessionStore" in out and why in out, out


def test_virtual_hosts_with_stores_of_their_own(module_servers):
    """Two virtual hosts, each its own shmcb (and its own mutex)."""
    vhosts = "".join(
        "<VirtualHost 127.0.0.1:@PORT@>\n    ServerName %s.test\n"
        "    MartenSessionStore socache shmcb:@ROOT@/run/%s(256000)\n"
        "</VirtualHost>\n" % (n, n) for n in ("a", "b"))
    h = module_servers(socache_snippet("shmcb") + vhosts, name="socache-vhosts")
    h.start()
    c = h.client()
    a = {"headers": {"Host": "a.test"}}
    b = {"headers": {"Host": "b.test"}}
    sid = su.new_session_id(c.api("set", k="x", v="on a", request_kw=a))
    assert c.api("get", k="x", request_kw=a).body == b"on a"
    r = c.api("get", k="x", request_kw={"headers": {"Host": "b.test"},
                                         "store": False})
    assert r.header("X-Test-Found") == "0"      # not in b's cache
    sid_b = su.new_session_id(c.api("set", k="x", v="on b", request_kw=b))
    assert sid_b != sid
    assert c.api("get", k="x", request_kw=b).body == b"on b"
    assert len(mutex_files(h)) >= 2, os.listdir(h.path("run"))
    h.stop()


def test_cycle_key_whose_save_fails_keeps_the_old_record(module_servers):
    """The old record is deleted only once the session is saved under its new
    id: when that save fails, the visitor's cookie still works."""
    h = module_servers(socache_snippet("shmcb maxsize=200"), name="socache-cycle")
    h.start()
    h.expect_log(r"MS00201: MartenSessionStore socache: cannot save", required=True)
    c = h.client()
    sid = su.new_session_id(c.api("set", k="a", v="1"))
    # one request: a value too big for the store, then cycle-key
    r = c.api("internal", uri="/api/cycle", k="b", v="x" * 300)
    assert r.status == 200
    su.assert_cookie_kept(r)
    assert c.jar["sessionid"] == sid
    r = c.api("get", k="a", request_kw=su.as_visitor(sid))
    assert r.header("X-Test-Found") == "1" and r.body == b"1"
    h.stop()
