"""Write-back headers from CGI scripts: strict parsing (all or nothing, one
MS00401 line), never shown to the client, never taken from the client's
request (docs/bridges.md; docs/design.md, "Write-back trust").

The scripts are tests/cgi/env.py, which sends the headers named in its
query (header=Name:Value, repeatable) and prints its MARTEN_SESSION_* and
HTTP_* variables on request.
"""

import re
import urllib.parse

import pytest

import marten_codec
from bridges_util import KEY, read_env, session_of

CONF = """
MartenSessionSecretKey {key}
<Location "/cgi-bin/">
    MartenSession On
    MartenSessionEnv On
    MartenSessionHeaders On
</Location>

# the same scripts, with the write-back headers not accepted
ScriptAlias "/off/" "@ROOT@/cgi-bin/"
<Location "/off/">
    MartenSession On
    MartenSessionEnv On
    MartenSessionHeaders Off
</Location>

# and with no session at all: the module keeps out of the way
ScriptAlias "/nosession/" "@ROOT@/cgi-bin/"
""".format(key=KEY)

START = {"keep": "1", "other": "2"}


@pytest.fixture(scope="module")
def srv(module_servers):
    h = module_servers(CONF, name="bridges-wb")
    h.start()
    return h


def env_url(*headers, base="/cgi-bin/", **params):
    items = [("header", h) for h in headers] + list(params.items())
    return base + "env.py?" + urllib.parse.urlencode(items)


def leaked(resp):
    return [(k, v) for k, v in resp.headers
            if k.lower().startswith("x-marten-session")]


def run(srv, *headers, base="/cgi-bin/", session=START, status=None, **kw):
    """One request to env.py with a session cookie; returns the response."""
    cookie = {"sessionid": marten_codec.encode(KEY, session)} if session else None
    params = {"status": status} if status else {}
    return srv.client().get(env_url(*headers, base=base, **params),
                            cookie=cookie, **kw)


def ms00401_lines(srv):
    return [l for l in srv.test_log_lines() if "MS00401" in l]


# --- well-formed write-backs, for contrast -------------------------------------

def test_every_kind_applies_in_order(srv):
    # flush, then deletes, then sets: "keep" is flushed, "x" set then kept
    r = run(srv, "X-Marten-Session-Set: x=1, sp%20ace=a%2Cb%3Dc",
            "X-Marten-Session-Delete: x",         # deletes run before sets
            "X-Marten-Session-Flush: 1",
            "X-Marten-Session-Cycle-Key: 1",
            "X-Marten-Session-Expires-In: 600",
            "X-Marten-Session-Expires-At-Browser-Close: 0")
    assert r.status == 200
    c = r.cookie("sessionid")
    assert session_of(c) == {"x": "1", "sp ace": "a,b=c"}
    assert c.max_age() == 600
    assert leaked(r) == []


def test_repeated_set_headers_are_joined_by_httpd_and_all_apply(srv):
    r = run(srv, "X-Marten-Session-Set: a=1", "X-Marten-Session-Set: b=2",
            "X-Marten-Session-Delete: keep", "X-Marten-Session-Delete: other")
    assert session_of(r.cookie("sessionid")) == {"a": "1", "b": "2"}


def test_browser_close_leaves_expires_off(srv):
    r = run(srv, "X-Marten-Session-Expires-At-Browser-Close: 1",
            "X-Marten-Session-Set: a=1")
    c = r.cookie("sessionid")
    assert "expires" not in c.attrs and "max-age" not in c.attrs
    assert session_of(c) == dict(START, a="1")


def test_key_limit_is_inclusive(srv):
    key = "k" * 256
    r = run(srv, "X-Marten-Session-Set: %s=v" % key)
    assert r.status == 200
    assert session_of(r.cookie("sessionid")) == dict(START, **{key: "v"})


def test_value_limit_is_inclusive(srv):
    # 4096 bytes pass the write-back parser; the cookie store then cannot
    # carry them (MS00202) and the client keeps its cookie.
    srv.expect_log(r"MS00202: the session cookie would be \d+ bytes",
                   required=True)
    r = run(srv, "X-Marten-Session-Set: k=" + "v" * 4096)
    assert r.status == 200
    assert r.set_cookies == [] and leaked(r) == []
    assert ms00401_lines(srv) == []


# --- malformed: nothing of the response applies, one MS00401 line --------------

SECRET = "s3cr3tdata"

MALFORMED = [
    # (id, headers, header name in the log, reason in the log)
    ("bad-percent", ["X-Marten-Session-Set: k=%zz" + SECRET],
     "X-Marten-Session-Set", "bad percent-encoding"),
    ("truncated-percent", ["X-Marten-Session-Set: k=" + SECRET + "%4"],
     "X-Marten-Session-Set", "truncated percent-encoding"),
    ("nul", ["X-Marten-Session-Set: k=" + SECRET + "%00x"],
     "X-Marten-Session-Set", "NUL in key or value"),
    ("nul-in-delete", ["X-Marten-Session-Delete: ke%00y"],
     "X-Marten-Session-Delete", "NUL in key or value"),
    ("key-257", ["X-Marten-Session-Set: %s=%s" % ("k" * 257, SECRET)],
     "X-Marten-Session-Set", "key longer than 256 bytes"),
    ("value-4097", ["X-Marten-Session-Set: k=" + SECRET + "v" * (4097 - len(SECRET))],
     "X-Marten-Session-Set", "value longer than 4096 bytes"),
    ("raw-space", ["X-Marten-Session-Set: k=two " + SECRET],
     "X-Marten-Session-Set", "unencoded space, control or non-ASCII byte"),
    ("raw-non-ascii", ["X-Marten-Session-Set: k=\u00e9" + SECRET],
     "X-Marten-Session-Set", "unencoded space, control or non-ASCII byte"),
    ("empty-delete-item", ["X-Marten-Session-Delete: keep, , other"],
     "X-Marten-Session-Delete", "empty item in a Delete list"),
    ("no-equals", ["X-Marten-Session-Set: " + SECRET],
     "X-Marten-Session-Set", "Set item without '='"),
    ("flush-2", ["X-Marten-Session-Flush: 2"],
     "X-Marten-Session-Flush", "unknown flag value"),
    ("flush-yes", ["X-Marten-Session-Flush: yes"],
     "X-Marten-Session-Flush", "unknown flag value"),
    ("cycle-0", ["X-Marten-Session-Cycle-Key: 0"],
     "X-Marten-Session-Cycle-Key", "unknown flag value"),
    ("browser-close-2", ["X-Marten-Session-Expires-At-Browser-Close: 2"],
     "X-Marten-Session-Expires-At-Browser-Close", "unknown flag value"),
    ("expires-in-word", ["X-Marten-Session-Expires-In: soon"],
     "X-Marten-Session-Expires-In", "Expires-In is not a number of seconds"),
    ("expires-in-0", ["X-Marten-Session-Expires-In: 0"],
     "X-Marten-Session-Expires-In", "Expires-In is not a number of seconds"),
    ("unknown-header", ["X-Marten-Session-Foo: 1"],
     "X-Marten-Session-Foo", "unknown X-Marten-Session- header"),
    # good and bad in one response: the good ones are not applied either
    ("good-then-bad", ["X-Marten-Session-Flush: 1",
                       "X-Marten-Session-Set: a=1",
                       "X-Marten-Session-Delete: other%zz"],
     "X-Marten-Session-Delete", "bad percent-encoding"),
    ("bad-item-among-good", ["X-Marten-Session-Set: a=1, b=%0, c=3"],
     "X-Marten-Session-Set", "truncated percent-encoding"),
    ("two-bad-headers", ["X-Marten-Session-Cycle-Key: 1",
                         "X-Marten-Session-Flush: 9",
                         "X-Marten-Session-Bar: 1"],
     None, None),
]


@pytest.mark.parametrize("headers, name, reason",
                         [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_write_back_applies_nothing(srv, headers, name, reason):
    if name:
        pattern = r"\[marten_session:error\] .*MS00401: %s: %s; no write-back " \
                  r"header of the response for /cgi-bin/env\.py was applied" % (
                      re.escape(name), re.escape(reason))
    else:
        pattern = r"\[marten_session:error\] .*MS00401: X-Marten-Session-"
    srv.expect_log(pattern, count=1, required=True)   # exactly one line
    r = run(srv, *headers)
    assert r.status == 200, r
    assert r.set_cookies == []            # the session is unchanged
    assert leaked(r) == []
    # the script ran with the session as it was
    assert read_env(r.body)["MARTEN_SESSION"] == '{"keep":"1","other":"2"}'
    lines = ms00401_lines(srv)
    assert len(lines) == 1, lines
    assert SECRET not in lines[0] and "k" * 20 not in lines[0]


def test_empty_key_is_a_key_like_any_other(srv):
    # Marten allows session[""]: "=v" sets it, a Delete of "" removes it
    r = run(srv, "X-Marten-Session-Set: =" + SECRET)
    assert r.status == 200 and ms00401_lines(srv) == []
    c = r.cookie("sessionid")
    assert session_of(c) == dict(START, **{"": SECRET})
    r = srv.client().get(env_url("X-Marten-Session-Delete: ", only="MARTEN_SESSION"),
                         cookie={"sessionid": c.value})
    assert r.status == 200 and ms00401_lines(srv) == []
    # the script saw the empty key in MARTEN_SESSION and as the prefix alone
    seen = read_env(r.body)
    assert seen["MARTEN_SESSION"] == '{"keep":"1","other":"2","":"%s"}' % SECRET
    assert seen["MARTEN_SESSION_"] == SECRET
    assert session_of(r.cookie("sessionid")) == START


def test_malformed_write_back_without_a_session_creates_none(srv):
    srv.expect_log(r"MS00401: X-Marten-Session-Set: bad percent-encoding",
                   required=True)
    r = run(srv, "X-Marten-Session-Set: a=%G1", session=None)
    assert r.set_cookies == [] and leaked(r) == []


def test_malformed_write_back_on_a_redirect(srv):
    srv.expect_log(r"MS00401: X-Marten-Session-Flush: unknown flag value",
                   required=True)
    r = run(srv, "Location: /x", "X-Marten-Session-Flush: true", status="303")
    assert r.status == 303
    assert r.set_cookies == [] and leaked(r) == []


# --- never shown to the client -------------------------------------------------

ALL_KINDS = ["X-Marten-Session-Set: a=1", "X-Marten-Session-Delete: keep",
             "X-Marten-Session-Cycle-Key: 1", "X-Marten-Session-Expires-In: 60",
             "X-Marten-Session-Expires-At-Browser-Close: 0",
             "x-marten-session-set: lower=case"]


@pytest.mark.parametrize("status", ["200", "302", "404", "500"])
def test_headers_on_are_applied_and_stripped(srv, status):
    extra = ["Location: /elsewhere"] if status == "302" else []
    r = run(srv, *(ALL_KINDS + extra), status=status)
    assert r.status == int(status)
    assert leaked(r) == []
    if status == "500":
        assert r.set_cookies == []
    else:
        assert session_of(r.cookie("sessionid")) == {
            "other": "2", "a": "1", "lower": "case"}


@pytest.mark.parametrize("status", ["200", "302", "404", "500"])
def test_headers_off_are_stripped_and_not_applied(srv, status):
    extra = ["Location: /elsewhere"] if status == "302" else []
    r = run(srv, *(ALL_KINDS + ["X-Marten-Session-Flush: 1",
                                "X-Marten-Session-Foo: bar"] + extra),
            base="/off/", status=status)
    assert r.status == int(status)
    assert leaked(r) == []
    assert r.set_cookies == []


def test_headers_off_malformed_is_not_even_parsed(srv):
    r = run(srv, "X-Marten-Session-Set: %zz", "X-Marten-Session-Flush: maybe",
            base="/off/")
    assert r.status == 200 and leaked(r) == [] and r.set_cookies == []
    assert ms00401_lines(srv) == []


def test_without_a_session_the_module_stays_out_of_the_way(srv):
    # MartenSession Off here: the headers are nobody's business.
    r = run(srv, "X-Marten-Session-Set: a=1", base="/nosession/")
    assert r.status == 200
    assert r.header("X-Marten-Session-Set") == "a=1"
    assert r.set_cookies == []
    assert read_env(r.body) == {}


# --- never taken from the client's request -------------------------------------

REQUEST_HEADERS = {
    "X-Marten-Session-Set": "admin=1",
    "X-Marten-Session-Flush": "1",
    "X-Marten-Session-Delete": "keep",
    "X-Marten-Session-Cycle-Key": "1",
    "X-Marten-Session-Expires-In": "5",
    "X-Marten-Session-Expires-At-Browser-Close": "1",
    "X-Marten-Session-Foo": "%zz",
    "X-Marten-Session-Set-Evil": "x",
}


@pytest.mark.parametrize("base", ["/cgi-bin/", "/off/"])
def test_request_headers_do_nothing(srv, base):
    r = run(srv, base=base, headers=REQUEST_HEADERS)
    r2 = srv.client().get(base + "env.py?only=HTTP_", headers=REQUEST_HEADERS,
                          cookie={"sessionid": marten_codec.encode(KEY, START)})
    assert r.status == 200 and r2.status == 200
    assert r.set_cookies == [] and r2.set_cookies == []
    assert leaked(r) == [] and leaked(r2) == []
    assert read_env(r.body) == {"MARTEN_SESSION": '{"keep":"1","other":"2"}',
                                "MARTEN_SESSION_keep": "1",
                                "MARTEN_SESSION_other": "2"}
    seen = read_env(r2.body)
    assert "HTTP_HOST" in seen        # the listing works
    assert [k for k in seen if "MARTEN" in k] == []
    assert ms00401_lines(srv) == []


def test_request_headers_never_start_a_session(srv):
    r = srv.client().get("/cgi-bin/env.py", headers=REQUEST_HEADERS)
    assert r.set_cookies == [] and leaked(r) == []
    assert read_env(r.body) == {"MARTEN_SESSION": "{}"}
