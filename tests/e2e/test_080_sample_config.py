"""httpd.conf.sample works as shipped (after the substitutions its header
comment documents), and covers every directive of the table in
docs/directives.md."""

import os
import re

import pytest

import marten_codec as mc
from common import KEY, OLD_KEY, decode_cookie

SRCDIR = os.environ.get("MS_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(SRCDIR, "httpd.conf.sample")
DIRECTIVES = os.path.join(SRCDIR, "docs", "directives.md")


def read_or_skip(path):
    if not os.path.isfile(path):
        pytest.skip("%s does not exist yet" % os.path.basename(path))
    with open(path, encoding="utf-8") as f:
        return f.read()


def header_comment(text):
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def placeholders(text):
    return set(re.findall(r"@([A-Z][A-Z0-9_]*)@", text))


def substitute(text, values):
    for name, value in values.items():
        text = text.replace("@%s@" % name, value)
    return text


def sample_values(server, env):
    keyfile = server.write_file("conf/sample-keys", "%s\n%s\n" % (KEY, OLD_KEY), mode=0o600)
    return {
        "MODULE_PATH": env.module,
        "SECRET_KEY": KEY,
        "KEY_FILE": keyfile,
        "PORT": str(server.port),
        "SERVER_ROOT": server.root,
        "DOCUMENT_ROOT": server.path("htdocs"),
        "LOG_DIR": server.path("logs"),
    }


@pytest.fixture(scope="module")
def sample_text():
    return read_or_skip(SAMPLE)


@pytest.fixture(scope="module")
def sample_server(module_servers, ms_env, sample_text):
    if not ms_env.module_built():
        pytest.skip("mod_marten_session is not built (%s missing)" % ms_env.module)
    # the sample loads the module itself
    h = module_servers(name="sample", load_module=False)
    values = sample_values(h, ms_env)
    documented = placeholders(header_comment(sample_text))
    used = placeholders(sample_text)
    assert used <= documented, "placeholders used but not documented in the header: %s" % (
        used - documented)
    unknown = documented - set(values)
    assert not unknown, "the test does not know how to fill %s" % unknown
    h.snippet = substitute(sample_text, values)
    assert not placeholders(h.snippet)
    return h


def test_header_documents_placeholders(sample_text):
    assert placeholders(header_comment(sample_text)), \
        "the header comment documents no @PLACEHOLDER@ to substitute"


def test_sample_passes_config_test(sample_server):
    rc, out = sample_server.check_config()
    assert rc == 0, out
    assert "Syntax OK" in out


def test_sample_with_key_file_passes_config_test(sample_server):
    text = sample_server.snippet
    lines = text.splitlines()
    key_lines = [i for i, l in enumerate(lines) if re.match(r"\s*MartenSessionSecretKey\s", l)]
    file_lines = [i for i, l in enumerate(lines)
                  if re.match(r"\s*#\s*MartenSessionSecretKeyFile\s", l)]
    if not (key_lines and file_lines):
        pytest.skip("the sample has no commented-out MartenSessionSecretKeyFile alternative")
    for i in key_lines:
        lines[i] = "#" + lines[i]
    for i in file_lines:
        lines[i] = lines[i].replace("#", "", 1)
    rc, out = sample_server.check_config("\n".join(lines))
    assert rc == 0, out
    assert "Syntax OK" in out


def test_sample_serves_sessions(sample_server):
    sample_server.start()
    try:
        cl = sample_server.client()
        r = cl.api("set", k="a", v="1")
        assert r.status == 200 and r.header("X-Test-Rv") == "0", r
        c = r.cookie("sessionid")
        assert c is not None, r.headers
        assert decode_cookie(c, KEY)[0] == {"a": "1"}
        assert cl.api("get", k="a").body == b"1"
    finally:
        sample_server.stop()


def table_directives(text):
    """Directive names in the first cell of the table rows (a cell may link
    to the directive's section: [`MartenSession On|Off`](#martensession))."""
    names = []
    for line in text.splitlines():
        m = re.match(r"\s*\|\s*\[?`?(MartenSession[A-Za-z]*)", line)
        if m:
            names.append(m.group(1))
    return names


def test_every_tabled_directive_in_sample(sample_text):
    names = table_directives(read_or_skip(DIRECTIVES))
    assert names, "no directive table found in docs/directives.md"
    missing = [n for n in names
               if not re.search(r"^\s*#?\s*%s\b" % n, sample_text, re.M)]
    assert not missing, ("directives in docs/directives.md's table but not in "
                         "httpd.conf.sample: %s" % missing)


def test_every_sample_directive_in_the_table(sample_text):
    names = set(table_directives(read_or_skip(DIRECTIVES)))
    in_sample = set(re.findall(r"^\s*#?\s*(MartenSession[A-Za-z]*)\b", sample_text, re.M))
    assert in_sample <= names, ("directives in the sample but not in "
                                "docs/directives.md's table: %s" % (in_sample - names))


def test_the_readme_has_no_directive_table():
    """The table lives in docs/directives.md only; the README links to it."""
    readme = read_or_skip(os.path.join(SRCDIR, "README.md"))
    assert not table_directives(readme), table_directives(readme)
    assert "(docs/directives.md)" in readme
