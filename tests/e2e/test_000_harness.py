"""The harness itself: server roots, ports, logs, the client, the test module.

These run without mod_marten_session (the module may not be built yet), so
a failure here is the harness's fault, not the module's.
"""

import os
import socket
import stat
import time

import pytest

import httpd as H


@pytest.fixture(scope="module")
def bare(module_servers):
    """httpd with only the test module: the optional functions are missing."""
    h = module_servers(name="bare", load_module=False)
    h.start()
    return h


def test_server_root_reachable_by_httpd_user(bare):
    assert H._traversable_by_others(bare.root)
    assert stat.S_IMODE(os.stat(bare.root).st_mode) == 0o755


def test_listens_on_loopback_only(bare):
    with open(bare.conf_path) as f:
        conf = f.read()
    assert "Listen 127.0.0.1:%d\n" % bare.port in conf
    # only bound on 127.0.0.1: another loopback address is refused
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", bare.port), 1).close()


def test_static_file(bare):
    r = bare.client().get("/")
    assert r.status == 200
    assert b"ms-e2e" in r.body


def test_cgi_runs(bare):
    r = bare.client().get("/cgi-bin/env.py?only=GATEWAY_INTERFACE")
    assert r.status == 200, r
    assert r.body == b"GATEWAY_INTERFACE=CGI/1.1\n"


def test_test_module_without_our_module_says_so(bare):
    r = bare.client().api("get", k="a")
    assert r.status == 500
    assert b"optional functions of mod_marten_session are missing" in r.body


def test_access_log_written(bare):
    bare.client().get("/?access-log-probe")
    deadline = time.time() + 5
    while time.time() < deadline:
        with open(bare.access_log) as f:
            if "access-log-probe" in f.read():
                return
        time.sleep(0.05)
    pytest.fail("request not in the access log")


def test_expected_error_line_is_consumed(bare):
    # a missing CGI script is logged at error level (AH01264)
    bare.expect_log(r"AH01264", required=True)
    r = bare.client().get("/cgi-bin/no-such-script")
    assert r.status == 404


def test_unexpected_error_line_is_reported(bare):
    bare.client().get("/cgi-bin/no-such-script")
    msgs = bare.end_test()   # what the post-test check would report
    assert any("AH01264" in m for m in msgs), msgs
    assert bare.end_test() == []


def test_check_config_ok(bare):
    rc, out = bare.check_config()
    assert rc == 0, out
    assert "Syntax OK" in out


def test_check_config_error(bare):
    rc, out = bare.check_config("NoSuchDirective on")
    assert rc != 0
    assert "NoSuchDirective" in out


def test_restart_with_other_config(servers):
    h = servers(name="restart", load_module=False, start=True)
    h.restart('Header always set X-Probe "two"')
    r = h.client().get("/")
    assert r.header("X-Probe") == "two"


# --- pure helpers -------------------------------------------------------------

@pytest.mark.parametrize("line, problem", [
    ("[Thu Nov 27 10:00:00.000000 2025] [core:error] [pid 1:tid 2] AH00001: x", True),
    ("[Thu Nov 27 10:00:00.000000 2025] [marten_session:warn] [pid 1] MS00001: x", True),
    ("[Thu Nov 27 10:00:00.000000 2025] [mpm_event:crit] [pid 1] x", True),
    ("[Thu Nov 27 10:00:00.000000 2025] [marten_session:debug] [pid 1] MS00101: x", False),
    ("[Thu Nov 27 10:00:00.000000 2025] [mpm_event:notice] [pid 1] AH00489: ok", False),
    ("[Thu Nov 27 10:00:00.000000 2025] [core:notice] [pid 1] AH00052: child pid 9 exit signal Segmentation fault (11)", True),
    ("[Thu Nov 27 10:00:00.000000 2025] [core:trace3] [pid 1] x", False),
    ("free text on stderr", True),
    ("", False),
])
def test_log_line_classification(line, problem):
    assert H.is_problem(line) is problem


def test_expectation_counts():
    err = "[d] [core:error] [pid 1] AH01264: script not found"
    exp = H._Expectation("AH01264", 1, False)
    problems, unmet = H.find_problems([err, err], [exp])
    assert problems == [err] and unmet == []
    problems, unmet = H.find_problems([], [H._Expectation("X", 1, True)])
    assert unmet


def test_parse_set_cookie():
    c = H.parse_set_cookie("sessionid=abc==--12; Domain=example.org; Path=/; "
                           "Expires=Thu, 01 Jan 2099 00:00:00 GMT; Max-Age=60; "
                           "Secure; HttpOnly; SameSite=Lax")
    name, value, attrs, flags = c
    assert (name, value) == ("sessionid", "abc==--12")
    assert attrs == {"domain": "example.org", "path": "/", "max-age": "60",
                     "expires": "Thu, 01 Jan 2099 00:00:00 GMT", "samesite": "Lax"}
    assert flags == {"secure", "httponly"}
    assert c.order == ["domain", "path", "expires", "max-age", "secure",
                       "httponly", "samesite"]
    assert c.expires().year == 2099
    assert not c.is_deletion()


def test_jar_deletion_rules():
    cl = H.Client("127.0.0.1", 1)

    def resp(*cookies):
        return H.Response(200, "OK", [("Set-Cookie", c) for c in cookies], b"", 0, 0)

    cl.update_jar(resp("a=1; Path=/", "b=2; Max-Age=100"))
    assert cl.jar == {"a": "1", "b": "2"}
    cl.update_jar(resp("a=; Max-Age=0"))
    assert cl.jar == {"b": "2"}
    cl.update_jar(resp("b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"))
    assert cl.jar == {}
    cl.update_jar(resp("c=3; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=5"))
    assert cl.jar == {"c": "3"}   # Max-Age wins over Expires
    assert cl.cookie_header() == "c=3"


def test_repeated_set_cookie_kept_apart():
    r = H.Response(200, "OK", [("Set-Cookie", "a=1"), ("set-cookie", "b=2")], b"", 0, 0)
    assert [c.name for c in r.set_cookies] == ["a", "b"]


def test_server_under_pytest_tmp_path(tmp_path, server_base, ms_env):
    # pytest's tmp dirs are 0700: the httpd user could not run CGI scripts
    # there, so the root moves to the shared 0755 base (symlinked here).
    h = H.Httpd(tmp_path, "", name="tmp-path", load_module=False, env=ms_env)
    try:
        h.start()
        r = h.client().get("/cgi-bin/env.py?only=GATEWAY_INTERFACE")
        assert r.status == 200 and r.body == b"GATEWAY_INTERFACE=CGI/1.1\n"
    finally:
        h.stop()
    assert any(p.is_symlink() for p in tmp_path.iterdir()) or \
        H._traversable_by_others(str(tmp_path))
