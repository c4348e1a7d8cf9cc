"""Key hygiene (issue 11, item 7): the example keys printed in the README and
the sample configurations are refused; a key of very low variety and a key
file that is not a regular file or that its group or others may read or
write are warned about, in `apache2 -t` and at startup, without the key."""

import os
import re

import pytest

from common import KEY, OLD_KEY

SRCDIR = os.environ.get("MS_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
# every file that shows a MartenSessionSecretKey line to copy
DOCUMENTED = ["README.md", "httpd.conf.sample", "build/marten_session.conf.in",
              "docs/directives.md", "docs/stores.md", "examples/httpd-bridges.conf"]

LOW = "MS00312: MartenSessionSecretKey: key %d has very low variety"
EXPOSED = r"MS00311: MartenSessionSecretKeyFile: '%s' is %s by its group or by others"


def documented_keys():
    """The literal keys of MartenSessionSecretKey lines in the docs (not
    placeholders such as @SECRET_KEY@ or KEY)."""
    keys = set()
    for rel in DOCUMENTED:
        with open(os.path.join(SRCDIR, rel), encoding="utf-8") as f:
            for line in f:
                m = re.match(r'\s*#?\s*MartenSessionSecretKey\s+(.*?)\s*$', line)
                if not m:
                    continue
                args = re.findall(r'"[^"]*"|\S+', m.group(1))
                keys.update(a.strip('"') for a in args
                            if len(a.strip('"')) >= 32)
    return sorted(keys)


@pytest.fixture(scope="module")
def checker(module_servers):
    return module_servers(name="keys")


def key_file(server, name, text, mode):
    return server.write_file(os.path.join("conf", name), text, mode=mode)


def test_the_docs_print_sample_keys():
    # the README's rotation example, docs/stores.md's redis example, the .conf
    assert len(documented_keys()) >= 4, documented_keys()


@pytest.mark.parametrize("key", documented_keys())
def test_documented_key_refused(checker, key):
    rc, out = checker.check_config('MartenSessionSecretKey %s "%s"\nMartenSession On'
                                   % (KEY, key))
    assert rc != 0 and "Syntax OK" not in out, out
    assert ("MartenSessionSecretKey: key 2 is an example key printed in the "
            "documentation, known to everyone: make your own with "
            "marten-session genkey") in out, out
    assert key not in out


@pytest.mark.parametrize("key", documented_keys())
def test_documented_key_refused_in_a_key_file(checker, key):
    path = key_file(checker, "sample-keys", "%s\n%s\n" % (KEY, key), 0o600)
    rc, out = checker.check_config("MartenSessionSecretKeyFile %s\nMartenSession On"
                                   % path)
    assert rc != 0, out
    assert ("MartenSessionSecretKeyFile: %s line 2 is an example key" % path) in out, out
    assert key not in out


@pytest.mark.parametrize("key", [
    "k" * 32, "ab" * 20, "0123456789abcdef" * 3, "\u00e9" * 20,
    "KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK-zzzzzzzzzzzzzzzzzzzz"])
def test_low_variety_key_warned_in_config_test(checker, key):
    rc, out = checker.check_config("MartenSessionSecretKey %s %s\nMartenSession On"
                                   % (KEY, key))
    assert rc == 0 and "Syntax OK" in out, out
    assert "[marten_session:warn]" in out and LOW % 2 in out, out
    assert key not in out


def test_varied_keys_not_warned(checker):
    rc, out = checker.check_config("MartenSessionSecretKey %s %s\nMartenSession On"
                                   % (KEY, OLD_KEY))
    assert rc == 0 and out.strip() == "Syntax OK", out


def test_low_variety_key_warned_at_startup(servers):
    h = servers("MartenSessionSecretKey %s\nMartenSession On\n" % ("x" * 40),
                name="lowkey")
    h.expect_log(r"\[marten_session:warn\] .*" + re.escape(LOW % 1), count=None,
                 required=True)
    h.start()
    assert h.client().get("/").status == 200
    with open(h.error_log, encoding="utf-8") as f:
        assert "x" * 32 not in f.read()


@pytest.mark.parametrize("mode,how", [
    (0o644, "readable"), (0o640, "readable"), (0o604, "readable"),
    (0o620, "writable"), (0o602, "writable"), (0o660, "readable and writable")])
def test_exposed_key_file_warned_in_config_test(checker, mode, how):
    path = key_file(checker, "keys-%o" % mode, KEY + "\n", mode)
    rc, out = checker.check_config("MartenSessionSecretKeyFile %s\nMartenSession On"
                                   % path)
    assert rc == 0 and "Syntax OK" in out, out
    assert re.search(r"\[marten_session:warn\] .*" + EXPOSED % (re.escape(path), how)
                     + ", who could then .*: chmod 600 it", out), out
    assert KEY not in out


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_private_key_file_not_warned(checker, mode):
    path = key_file(checker, "keys-private-%o" % mode, KEY + "\n", mode)
    rc, out = checker.check_config("MartenSessionSecretKeyFile %s\nMartenSession On"
                                   % path)
    assert rc == 0 and out.strip() == "Syntax OK", out


def test_symlink_to_a_private_key_file_not_warned(checker):
    path = key_file(checker, "keys-target", KEY + "\n", 0o600)
    link = checker.path("conf", "keys-link")
    if not os.path.lexists(link):
        os.symlink(path, link)
    rc, out = checker.check_config("MartenSessionSecretKeyFile %s\nMartenSession On"
                                   % link)
    assert rc == 0 and out.strip() == "Syntax OK", out


def test_key_file_not_a_regular_file_warned(checker):
    # a FIFO would block the read; a character device reads empty
    rc, out = checker.check_config("MartenSessionSecretKeyFile /dev/null\n"
                                   "MartenSession On")
    assert "[marten_session:warn]" in out and (
        "MS00311: MartenSessionSecretKeyFile: '/dev/null' is not a regular file") in out, out
    assert rc != 0 and "'/dev/null' holds no key" in out, out


def test_exposed_key_file_warned_at_startup(servers):
    h = servers("", name="exposedkey")
    path = key_file(h, "keys", "%s\n%s\n" % (KEY, OLD_KEY), 0o644)
    h.snippet = "MartenSessionSecretKeyFile %s\nMartenSession On\n" % path
    h.expect_log(r"\[marten_session:warn\] .*" + EXPOSED % (re.escape(path), "readable"),
                 count=None, required=True)
    h.start()
    assert h.client().get("/").status == 200
    with open(h.error_log, encoding="utf-8") as f:
        log = f.read()
    assert KEY not in log and OLD_KEY not in log
