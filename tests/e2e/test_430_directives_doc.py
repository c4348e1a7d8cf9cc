"""docs/directives.md documents every directive in the code, in httpd's
style (Description, Syntax, Default, Context, Module), and each documented
Context matches the req_override of the directive's command_rec.

The directive tables are parsed from the sources at test time (every
AP_INIT_* entry in mod_marten_session.c, src/ and stores/), so a directive
added to the code without documentation fails here, by name.
"""

import glob
import os
import re

import pytest

SRCDIR = os.environ.get("MS_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
DOC = os.path.join(SRCDIR, "docs", "directives.md")

# http_config.h
FLAGS = {
    "OR_NONE": 0, "OR_LIMIT": 1, "OR_OPTIONS": 2, "OR_FILEINFO": 4,
    "OR_AUTHCFG": 8, "OR_INDEXES": 16, "OR_UNSET": 32, "ACCESS_CONF": 64,
    "RSRC_CONF": 128, "EXEC_ON_READ": 256, "NONFATAL_OVERRIDE": 512,
    "NONFATAL_UNKNOWN": 1024, "NONFATAL_ALL": 1536,
}
FLAGS["OR_ALL"] = 1 | 2 | 4 | 8 | 16
OR_ANY = FLAGS["OR_ALL"]

FIELDS = ("Description", "Syntax", "Default", "Context", "Module")


def source_files():
    files = [os.path.join(SRCDIR, "mod_marten_session.c")]
    for sub in ("src", "stores"):
        files += sorted(glob.glob(os.path.join(SRCDIR, sub, "*.c")))
    return [f for f in files if os.path.isfile(f)]


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def macros(text):
    """Object-like #defines of the file: name -> replacement text."""
    out = {}
    for m in re.finditer(r"^\s*#\s*define\s+([A-Za-z_]\w*)[ \t]+(.+)$", text, re.M):
        out[m.group(1)] = m.group(2).strip()
    return out


def split_args(text, start):
    """Top-level comma-separated arguments of the call whose '(' is at
    start; returns (args, index after ')')."""
    depth, i, args, cur = 0, start, [], []
    while i < len(text):
        ch = text[i]
        if ch == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if ch == "(":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i + 1
        elif ch == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    raise ValueError("unbalanced AP_INIT_ call")


def eval_scope(expr, defs, depth=0):
    if depth > 10:
        raise ValueError("macro loop in %r" % expr)

    def name(m):
        n = m.group(0)
        if n in FLAGS:
            return str(FLAGS[n])
        if n in defs:
            return "(%d)" % eval_scope(defs[n], defs, depth + 1)
        raise ValueError("unknown name %s in req_override %r" % (n, expr))
    py = re.sub(r"[A-Za-z_]\w*", name, expr)
    if not re.fullmatch(r"[\d\s|()]+", py):
        raise ValueError("cannot evaluate req_override %r" % expr)
    return eval(py)


def code_directives():
    """{name: (req_override bits, file)} of every AP_INIT_* entry."""
    found = {}
    for path in source_files():
        with open(path, encoding="utf-8") as f:
            text = strip_comments(f.read())
        defs = macros(text)
        for m in re.finditer(r"\bAP_INIT_[A-Z0-9_]+\s*(?=\()", text):
            args, _ = split_args(text, m.end())
            name = re.fullmatch(r'"([^"]+)"', args[0])
            assert name, "%s: cannot read the directive name in %r" % (path, args[0])
            found[name.group(1)] = (eval_scope(args[3], defs),
                                    os.path.relpath(path, SRCDIR))
    return found


def contexts_of(bits):
    ctx = []
    if bits & FLAGS["RSRC_CONF"]:
        ctx += ["server config", "virtual host"]
    if bits & FLAGS["ACCESS_CONF"]:
        ctx.append("directory")
    if bits & OR_ANY:
        ctx.append(".htaccess")
    return ctx


def doc_sections(text):
    """{directive: {field: value}} of the '## Name' sections whose name is a
    directive (a single word starting with MartenSession)."""
    sections = {}
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.M)
    for title, body in zip(parts[1::2], parts[2::2]):
        if not re.fullmatch(r"MartenSession[A-Za-z]*", title):
            continue
        fields = {}
        for row in re.finditer(r"^\|\s*([A-Za-z]+)\s*\|\s*(.*?)\s*\|\s*$", body, re.M):
            fields[row.group(1)] = row.group(2)
        assert title not in sections, "docs/directives.md: two sections for %s" % title
        sections[title] = fields
    return sections


@pytest.fixture(scope="module")
def code():
    found = code_directives()
    assert len(found) >= 10, "directive tables not found in the sources: %s" % found
    return found


@pytest.fixture(scope="module")
def doc():
    assert os.path.isfile(DOC), "docs/directives.md is missing"
    with open(DOC, encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def documented(doc):
    return doc_sections(doc)


def test_parser_reads_the_table(code):
    # A sanity check of the parser on directives that will always be there.
    assert contexts_of(code["MartenSession"][0]) == [
        "server config", "virtual host", "directory"]
    assert contexts_of(code["MartenSessionSecretKey"][0]) == [
        "server config", "virtual host"]


def test_every_directive_is_documented(code, documented):
    missing = sorted(set(code) - set(documented))
    assert not missing, (
        "directives in the code but not documented in docs/directives.md: %s "
        "(add a '## <Name>' section with Description, Syntax, Default, Context "
        "and Module rows)" % ", ".join(
            "%s (%s)" % (n, code[n][1]) for n in missing))


def test_no_stale_documentation(code, documented):
    stale = sorted(set(documented) - set(code))
    assert not stale, ("documented in docs/directives.md but not in any "
                       "directive table: %s" % ", ".join(stale))


def test_sections_have_httpd_fields(documented):
    problems = []
    for name, fields in sorted(documented.items()):
        for field in FIELDS:
            if not fields.get(field):
                problems.append("%s: no %s row" % (name, field))
        syntax = fields.get("Syntax", "")
        if not syntax.startswith("`%s" % name) or not re.match(
                r"`%s(\s|`)" % re.escape(name), syntax):
            problems.append("%s: Syntax %r does not start with the name" % (name, syntax))
        default = fields.get("Default", "")
        if default.startswith("`") and not default.startswith("`%s " % name):
            problems.append("%s: Default %r is not a '%s ...' line" % (name, default, name))
        if fields.get("Module") and "mod_marten_session" not in fields["Module"]:
            problems.append("%s: Module %r" % (name, fields["Module"]))
    assert not problems, "\n".join(problems)


def test_contexts_match_the_code(code, documented):
    wrong = []
    for name in sorted(set(code) & set(documented)):
        want = contexts_of(code[name][0])
        got = [c.strip() for c in documented[name].get("Context", "").split(",")]
        if got != want:
            wrong.append("%s: docs say %r, the command_rec (%s) says %r"
                         % (name, ", ".join(got), code[name][1], ", ".join(want)))
    assert not wrong, "\n".join(wrong)


def test_index_lists_every_section(doc, documented):
    """The table at the top has a row for each directive, linked to its
    section: | [`MartenSessionEnv On|Off`](#martensessionenv) | ..."""
    index = set(re.findall(r"^\| \[`(MartenSession[A-Za-z]*)[^`]*`\]\(#([a-z]+)\) \|",
                           doc, re.M))
    names = {n for n, _ in index}
    assert names == set(documented), "index vs sections: %s" % (
        names ^ set(documented))
    assert all(anchor == n.lower() for n, anchor in index)


def test_the_authz_provider_is_documented(doc):
    assert re.search(r"^## Require marten-session", doc, re.M)
    assert "`Require [not] marten-session KEY [VALUE ...]`" in doc
