"""The marten-session command: genkey, decode, encode, every exit code, and
round trips with a real httpd (a cookie the CLI writes is read by the
module; a cookie the module writes is read by the CLI).

Exit codes: 0 ok, 1 invalid cookie / JSON, 2 usage, 3 key problem.
"""

import base64
import os
import re
import subprocess
import time

import pytest

import marten_codec as mc
import sealed_codec
from common import KEY, OLD_KEY, OTHER_KEY

ENV_KEY = "MARTEN_SESSION_SECRET_KEY"


def cli_path(env):
    path = os.environ.get("MS_CLI") or os.path.join(env.srcdir, "cli", "marten-session")
    if not os.path.isfile(path):
        pytest.skip("marten-session is not built (%s missing)" % path)
    return path


@pytest.fixture(scope="module")
def cli(ms_env):
    path = cli_path(ms_env)

    def run(*args, key=None, stdin=None, env_extra=None):
        env = {k: v for k, v in os.environ.items() if k != ENV_KEY}
        if key is not None:
            env[ENV_KEY] = key
        env.update(env_extra or {})
        return subprocess.run([path] + list(args), input=stdin, capture_output=True,
                              text=True, env=env, timeout=30)
    return run


@pytest.fixture
def key_file(tmp_path):
    def make(*lines, mode=0o600):
        p = tmp_path / "keys"
        p.write_text("".join(l + "\n" for l in lines))
        p.chmod(mode)
        return str(p)
    return make


# --- usage ---------------------------------------------------------------

def test_help_documents_commands_and_exit_codes(cli):
    r = cli("--help")
    assert r.returncode == 0
    for word in ("genkey", "decode", "encode", "--key-file", "--max-age", ENV_KEY):
        assert word in r.stdout
    codes = dict(re.findall(r"^  ([0-9])  (.*)$", r.stdout, re.M))
    assert codes["0"] == "success"
    assert codes["1"].startswith("the cookie is not valid")
    assert codes["2"] == "usage error"
    assert codes["3"].startswith("key problem")


@pytest.mark.parametrize("args", [
    (), ("frobnicate",), ("genkey", "extra"), ("decode",), ("encode",),
    ("decode", "--bogus", "x"), ("decode", "a", "b"), ("decode", "--key-file"),
    ("encode", "--max-age", "0", "{}"), ("encode", "--max-age", "12x", "{}"),
    ("encode", "--format", "json", "{}"), ("encode", "--format"),
    # keys never on the command line
    ("decode", "--key", KEY, "cookie"),
])
def test_usage_errors_exit_2(cli, args):
    r = cli(*args, key=KEY)
    assert r.returncode == 2, (args, r)
    assert r.stdout == ""
    assert r.stderr.strip()
    assert KEY not in r.stderr


def test_version(cli):
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("marten-session ")


# --- genkey ----------------------------------------------------------------

def test_genkey(cli):
    a, b = cli("genkey"), cli("genkey")
    assert a.returncode == 0 and b.returncode == 0
    assert re.fullmatch(r"[0-9a-f]{64}\n", a.stdout), a.stdout
    assert a.stdout != b.stdout
    assert len(set(a.stdout.strip())) > 8          # not a constant


def test_genkey_key_is_usable(cli):
    key = cli("genkey").stdout.strip()
    cookie = cli("encode", '{"a":"1"}', key=key).stdout.strip()
    assert mc.decode_session(key, cookie)[0] == {"a": "1"}


# --- decode ----------------------------------------------------------------

def test_decode_prints_session_expiry_and_key(cli):
    expires = int(time.time()) + 3600
    cookie = mc.encode(KEY, {"user_id": "42", "name": "Ada L\u00f6w"}, expires=expires)
    r = cli("decode", cookie, key=KEY)
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0] == '{"user_id":"42","name":"Ada L\u00f6w"}'
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
    assert re.fullmatch(r"expires: %s \(in (\d+) s\)" % when, lines[1]), lines
    assert lines[2:] == ["format: marten", "key: 1 of 1"]
    assert r.stderr == ""


def test_decode_says_which_key_verified(cli, key_file):
    cookie = mc.encode(OLD_KEY, {"a": "1"})
    r = cli("decode", "--key-file", key_file("# current", KEY, "", OLD_KEY), cookie)
    assert r.returncode == 0, r
    assert re.search(r"^key: 2 of 2 \(an old key", r.stdout, re.M), r.stdout
    r = cli("decode", "--key-file=" + key_file(KEY, OLD_KEY), mc.encode(KEY, {"a": "1"}))
    assert "key: 1 of 2\n" in r.stdout


def test_decode_keys_from_environment_one_per_line(cli):
    r = cli("decode", mc.encode(OLD_KEY, {"a": "1"}), key=KEY + "\n" + OLD_KEY + "\n")
    assert r.returncode == 0 and "key: 2 of 2" in r.stdout


def test_decode_from_stdin(cli):
    cookie = mc.encode(KEY, {"k": "v"})
    r = cli("decode", "-", key=KEY, stdin=cookie + "\n")
    assert r.returncode == 0, r
    assert r.stdout.splitlines()[0] == '{"k":"v"}'


def test_decode_old_form_without_expiry(cli):
    r = cli("decode", mc.encode(KEY, {"a": "b"}, envelope=False), key=KEY)
    assert r.returncode == 0, r
    assert "expires: never" in r.stdout


def forged(outer):
    """Correctly signed data that is not a valid envelope."""
    return outer + "--" + mc.sign(KEY, outer)


def b64(text):
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("cookie,reason", [
    (mc.encode(OTHER_KEY, {"a": "1"}), "signature does not match any key"),
    ("", "blank cookie"),
    ("   ", "blank cookie"),
    ("no-separator-here", "no data--digest separator"),
    (forged("!!!not*base64"), "bad base64"),
    (forged(b64('{"_marten":{"value":1}}')), "malformed _marten envelope"),
    (forged(b64('{"_marten":{"value":"%s","expires":"tomorrow"}}' % b64("00" * 32))),
     "envelope expiry is not ISO 8601"),
    (forged(b64("zz")), "payload is not hex"),
    (forged(b64("00ff")), "payload shorter than an IV"),
    (forged(b64("00" * 48)), "bad ciphertext or padding"),
])
def test_decode_invalid_cookie_reasons(cli, cookie, reason):
    r = cli("decode", "-", key=KEY, stdin=cookie)
    assert r.returncode == 1, r
    assert r.stdout == ""
    assert r.stderr == "marten-session: invalid cookie: %s%s\n" % (
        reason, " (another key signed it, or it was changed)"
        if reason.startswith("signature") else "")


def test_decode_tampered_cookie(cli):
    cookie = mc.encode(KEY, {"user_id": "1"})
    data, mac = cookie.split("--")
    tampered = data[:-6] + ("A" if data[-6] != "A" else "B") + data[-5:] + "--" + mac
    r = cli("decode", tampered, key=KEY)
    assert r.returncode == 1
    assert "signature does not match any key" in r.stderr


def test_decode_wrong_key_with_several_keys(cli):
    r = cli("decode", mc.encode(OTHER_KEY, {"a": "1"}), key=KEY + "\n" + OLD_KEY)
    assert r.returncode == 1
    assert "none of the keys signed it" in r.stderr


def test_decode_expired_says_when(cli):
    expires = int(time.time()) - 100
    r = cli("decode", mc.encode(KEY, {"a": "1"}, expires=expires), key=KEY)
    assert r.returncode == 1, r
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
    assert re.fullmatch(r"marten-session: invalid cookie: expired at %s \(\d+ s ago\)\n"
                        % when, r.stderr), r.stderr


def test_decode_signed_but_not_a_session(cli):
    r = cli("decode", mc.encode(KEY, b'{"a":1}'), key=KEY)
    assert r.returncode == 1
    assert "the session data is not accepted" in r.stderr


# --- key problems: exit 3 ----------------------------------------------------

def test_no_key(cli):
    r = cli("decode", mc.encode(KEY, {"a": "1"}))
    assert r.returncode == 3
    assert ENV_KEY in r.stderr and "--key-file" in r.stderr


def test_key_problems(cli, key_file, tmp_path):
    cookie = mc.encode(KEY, {"a": "1"})
    r = cli("decode", "--key-file", str(tmp_path / "missing"), cookie)
    assert r.returncode == 3 and "cannot open key file" in r.stderr
    r = cli("decode", "--key-file", key_file("# only a comment", ""), cookie)
    assert r.returncode == 3 and "holds no key" in r.stderr
    r = cli("decode", "--key-file", key_file(KEY, "short"), cookie)
    assert r.returncode == 3 and "line 2" in r.stderr
    assert "short" not in r.stderr.split("line 2")[0]
    r = cli("encode", "{}", key="too-short")
    assert r.returncode == 3, r
    assert "too-short" not in r.stderr          # a key is never printed


def test_key_file_wins_over_environment(cli, key_file):
    cookie = mc.encode(OLD_KEY, {"a": "1"})
    r = cli("decode", "--key-file", key_file(OLD_KEY), cookie, key=KEY)
    assert r.returncode == 0


# --- encode ------------------------------------------------------------------

def test_encode_round_trip(cli):
    before = int(time.time())
    r = cli("encode", '{"user_id":"42", "x":"a\\"b"}', key=KEY)
    assert r.returncode == 0, r
    cookie = r.stdout.strip()
    assert r.stdout == cookie + "\n"
    session, expires = mc.decode_session(KEY, cookie)
    assert session == {"user_id": "42", "x": 'a"b'}
    assert before + 1209600 <= expires.timestamp() <= int(time.time()) + 1209600
    # written the way the module writes it (Crystal's JSON, no spaces)
    assert mc.decode(KEY, cookie)[0] == b'{"user_id":"42","x":"a\\"b"}'


def test_encode_max_age_and_key_file(cli, key_file):
    r = cli("encode", "--max-age", "60", "--key-file", key_file(KEY, OLD_KEY), '{"a":"1"}')
    assert r.returncode == 0, r
    session, expires = mc.decode_session(KEY, r.stdout.strip())
    assert abs(expires.timestamp() - (time.time() + 60)) < 3


def test_encode_from_stdin_and_decode_back(cli):
    cookie = cli("encode", "-", key=KEY, stdin='{"k":"v"}').stdout.strip()
    r = cli("decode", cookie, key=KEY)
    assert r.stdout.splitlines()[0] == '{"k":"v"}'


@pytest.mark.parametrize("json_text", ['{"a":1}', "[]", "{", '{"a":"b"} x', '{"a":"\\u0000"}'])
def test_encode_refuses_what_is_not_a_session(cli, json_text):
    r = cli("encode", json_text, key=KEY)
    assert r.returncode == 1, r
    assert r.stdout == "" and "not a session" in r.stderr


def test_encode_format_marten_is_the_default(cli):
    r = cli("encode", "--format", "marten", '{"a":"1"}', key=KEY)
    assert r.returncode == 0
    assert mc.decode_session(KEY, r.stdout.strip())[0] == {"a": "1"}


# --- the sealed format (MartenSessionCookieFormat sealed) ------------------------

def test_encode_sealed_read_by_the_independent_codec(cli):
    before = int(time.time())
    r = cli("encode", "--format", "sealed", "--max-age", "600", '{"user_id":"42"}', key=KEY)
    assert r.returncode == 0, r
    cookie = r.stdout.strip()
    assert cookie.startswith("S1.")
    plain, times = sealed_codec.decode(KEY, cookie)
    assert plain == b'{"user_id":"42"}'
    assert before <= times["issued"] == times["seen"] <= int(time.time())
    assert times["expires"] == times["issued"] + 600


def test_decode_sealed(cli):
    now = int(time.time())
    cookie = sealed_codec.encode(OLD_KEY, '{"a":"b"}', now - 50, now - 10, now + 100)
    r = cli("decode", cookie, key=KEY + "\n" + OLD_KEY)
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0] == '{"a":"b"}'
    assert re.fullmatch(r"expires: \S+ \(in \d+ s\)", lines[1])
    assert re.fullmatch(r"issued: \S+ \(\d+ s ago\)", lines[2])
    assert re.fullmatch(r"seen: \S+ \(\d+ s ago\)", lines[3])
    assert lines[4:] == ["format: sealed", "key: 2 of 2 (an old key: the module "
                         "re-signs it with key 1 on the next change)"]


def test_decode_sealed_reasons(cli):
    now = int(time.time())
    good = sealed_codec.encode(KEY, '{"a":"b"}', now, now, now + 100)
    cases = [
        (sealed_codec.encode(OTHER_KEY, "{}", now, now, now + 100),
         "sealed format: key id of no configured key (another key sealed it, "
         "or it was changed)"),
        (good[:-2] + ("AA" if good[-2:] != "AA" else "BA"),
         "sealed format: authentication failed (another key sealed it, or it "
         "was changed)"),
        ("S1.!!", "sealed format: bad base64url"),
        ("S1.AAAA", "sealed format: shorter than a sealed header"),
    ]
    for cookie, reason in cases:
        r = cli("decode", cookie, key=KEY)
        assert r.returncode == 1, (cookie, r)
        assert r.stderr == "marten-session: invalid cookie: %s\n" % reason
    expired = sealed_codec.encode(KEY, "{}", now - 100, now - 100, now - 5)
    r = cli("decode", expired, key=KEY)
    assert r.returncode == 1
    assert re.fullmatch(r"marten-session: invalid cookie: expired at \S+ \(\d+ s ago\)\n",
                        r.stderr), r.stderr


def test_sealed_round_trip_through_the_cli(cli):
    cookie = cli("encode", "--format", "sealed", '{"k":"v"}', key=KEY).stdout.strip()
    r = cli("decode", cookie, key=KEY)
    assert r.returncode == 0 and r.stdout.splitlines()[0] == '{"k":"v"}'


# --- round trips with a real httpd ---------------------------------------------

@pytest.fixture(scope="module")
def server(module_servers):
    return module_servers("MartenSessionSecretKey %s %s\n<Location /api>\n"
                          "    MartenSession On\n</Location>\n" % (KEY, OLD_KEY),
                          name="cli", start=True)


def test_module_accepts_a_cookie_the_cli_wrote(cli, server):
    cookie = cli("encode", '{"user_id":"ada","role":"admin"}', key=KEY).stdout.strip()
    r = server.client().api("get", k="user_id", request_kw={"cookie": {"sessionid": cookie}})
    assert r.status == 200 and r.body == b"ada", r
    assert r.set_cookies == []


def test_cli_decodes_a_cookie_the_module_wrote(cli, server, key_file):
    c = server.client()
    r = c.api("set", k="user_id", v="b\u00f6b")
    cookie = r.cookie("sessionid").value
    out = cli("decode", "--key-file", key_file(KEY, OLD_KEY), cookie)
    assert out.returncode == 0, out
    lines = out.stdout.splitlines()
    assert lines[0] == '{"user_id":"b\u00f6b"}'
    assert "key: 1 of 2" in lines
    # and with only the old key: a bad signature, exit 1
    assert cli("decode", cookie, key=OLD_KEY).returncode == 1
