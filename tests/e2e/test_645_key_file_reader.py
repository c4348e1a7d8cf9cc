"""Key files (issue 12, item 4): MartenSessionSecretKeyFile and
`marten-session --key-file` share one reader (lib/ms_keyfile.c). A line of
any length is one key (the module once read 4096-byte lines, so a longer
line became several keys), a NUL byte or an oversized file is refused
naming the file and line, and the module and the CLI agree on every key."""

import os

import pytest

import marten_codec as mc
from common import KEY, OLD_KEY, decode_cookie
from test_400_cli import cli  # noqa: F401  (the fixture)

# 6000 characters: longer than the old 4096-byte line buffer
LONG_KEY = os.urandom(3000).hex()


def key_file(server, name, content):
    return server.write_file(os.path.join("conf", name), content, mode=0o600)


@pytest.fixture(scope="module")
def long_key_server(module_servers):
    h = module_servers("", name="longkey")
    path = key_file(h, "keys", "# current\n%s\n\n%s\n" % (LONG_KEY, OLD_KEY))
    h.snippet = "MartenSessionSecretKeyFile %s\nMartenSession On\n" % path
    h.key_path = path
    h.start()
    return h


@pytest.fixture(scope="module")
def checker(module_servers):
    return module_servers(name="keyfile-check")


def get_a(server, cookie):
    return server.client().api("get", k="a",
                               request_kw={"cookie": "sessionid=" + cookie})


def test_long_line_is_one_key(long_key_server):
    r = get_a(long_key_server, mc.encode(LONG_KEY, {"a": "1"}))
    assert r.header("X-Test-Found") == "1" and r.body == b"1"
    # its first 4095 bytes, the old first "key", are not a key
    r = get_a(long_key_server, mc.encode(LONG_KEY[:4095], {"a": "1"}))
    assert r.header("X-Test-Found") == "0"


def test_long_key_writes_and_next_line_still_reads(long_key_server):
    r = get_a(long_key_server, mc.encode(OLD_KEY, {"a": "2"}))
    assert r.header("X-Test-Found") == "1" and r.body == b"2"
    r = long_key_server.client().api("set", k="b", v="3")
    session, _ = decode_cookie(r.cookie("sessionid"), LONG_KEY)
    assert dict(session) == {"b": "3"}


def test_error_names_the_real_line(checker):
    path = key_file(checker, "long-then-short", "%s\nshort\n" % LONG_KEY)
    rc, out = checker.check_config("MartenSessionSecretKeyFile %s\nMartenSession On"
                                   % path)
    assert rc != 0, out
    assert "MartenSessionSecretKeyFile: %s line 2: a secret key must have" % path \
        in out, out
    assert LONG_KEY[:32] not in out


def test_nul_byte_refused_naming_the_line(checker):
    path = key_file(checker, "nul", b"%s\n%s\0x\n" % (KEY.encode(), OLD_KEY.encode()))
    rc, out = checker.check_config("MartenSessionSecretKeyFile %s\nMartenSession On"
                                   % path)
    assert rc != 0, out
    assert "MartenSessionSecretKeyFile: %s line 2 holds a NUL byte" % path in out, out
    assert OLD_KEY not in out


def test_oversized_file_refused(checker):
    path = key_file(checker, "huge", (KEY + "\n") * 30000)
    rc, out = checker.check_config("MartenSessionSecretKeyFile %s\nMartenSession On"
                                   % path)
    assert rc != 0, out
    assert "MartenSessionSecretKeyFile: '%s' is larger than 1048576 bytes" % path \
        in out, out


def test_cli_reads_the_same_file(cli, long_key_server):  # noqa: F811
    path = long_key_server.key_path
    r = long_key_server.client().api("set", k="a", v="from-httpd")
    r = cli("decode", "--key-file", path, r.cookie("sessionid")[1])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == '{"a":"from-httpd"}'
    r = cli("encode", "--key-file", path, '{"a":"from-cli"}')
    assert r.returncode == 0, r.stderr
    r = get_a(long_key_server, r.stdout.strip())
    assert r.header("X-Test-Found") == "1" and r.body == b"from-cli"
