"""The documentation holds together: tests/e2e/README.md lists every file of
tests/e2e, every relative link of the Markdown files leads to a file and a
heading that exist, the README stays short, and no comment in the code
cites a document that is not in this repository (such as the numbered
sections of a design contract kept elsewhere). No server is needed."""

import glob
import os
import re

import pytest

SRCDIR = os.environ.get("MS_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
E2E = os.path.join(SRCDIR, "tests", "e2e")

DOCS = (["README.md", "SECURITY.md", "CONTRIBUTING.md", "tests/e2e/README.md"]
        + sorted(os.path.relpath(p, SRCDIR)
                 for p in glob.glob(os.path.join(SRCDIR, "docs", "*.md"))))

CODE_DIRS = ("src", "lib", "stores", "cli", "include", "tests", "tools", "bench",
             "examples", "demo")
CODE_EXT = (".c", ".h", ".py", ".sh")
CITE = "DESIGN " + "\u00a7"          # spelt so that this file does not cite it


def read(rel):
    with open(os.path.join(SRCDIR, rel), encoding="utf-8") as f:
        return f.read()


def outside_fences(text):
    """The lines of a Markdown text that are not inside ``` fences."""
    out, fence = [], False
    for line in text.split("\n"):
        if line.startswith("```"):
            fence = not fence
        elif not fence:
            out.append(line)
    return out


def slug(heading):
    """The anchor GitHub gives a heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(rel):
    return {slug(m.group(1)) for line in outside_fences(read(rel))
            for m in [re.match(r"^#{1,6} +(.+?)\s*#*$", line)] if m}


# --- tests/e2e/README.md ------------------------------------------------------------

def listed_files():
    return re.findall(r"^\| `([^`]+\.py)` \|", read("tests/e2e/README.md"), re.M)


def test_e2e_readme_lists_every_file():
    present = sorted(os.path.basename(p) for p in glob.glob(os.path.join(E2E, "*.py")))
    listed = listed_files()
    assert len(listed) == len(set(listed)), "listed twice: %s" % sorted(
        n for n in listed if listed.count(n) > 1)
    missing = sorted(set(present) - set(listed))
    assert not missing, "tests/e2e/README.md does not list: %s" % ", ".join(missing)
    stale = sorted(set(listed) - set(present))
    assert not stale, "tests/e2e/README.md lists files that do not exist: %s" % stale


# --- links --------------------------------------------------------------------------

def links(rel):
    """(target, anchor) of each relative link outside code."""
    found = []
    for line in outside_fences(read(rel)):
        line = re.sub(r"`[^`]*`", "", line)       # code spans hold no links
        for m in re.finditer(r"\]\(([^)\s]+)\)", line):
            target = m.group(1)
            if re.match(r"[a-z]+:", target):
                continue                          # http:, https:, mailto:
            path, _, anchor = target.partition("#")
            found.append((path, anchor))
    return found


@pytest.mark.parametrize("rel", DOCS)
def test_links_resolve(rel):
    assert os.path.isfile(os.path.join(SRCDIR, rel)), rel
    broken = []
    for path, anchor in links(rel):
        target = rel if not path else os.path.normpath(
            os.path.join(os.path.dirname(rel), path))
        if not os.path.exists(os.path.join(SRCDIR, target)):
            broken.append("%s (no such file)" % path)
        elif anchor and target.endswith(".md") and anchor not in anchors(target):
            broken.append("%s#%s (no such heading)" % (path, anchor))
    assert not broken, "%s: %s" % (rel, "; ".join(broken))


def test_readme_is_short_and_starts_with_the_two_commands():
    text = read("README.md")
    assert len(text.split("\n")) <= 400
    first_block = text.split("```", 2)[1]
    assert "make demo" in first_block and "make check" in first_block
    assert "## Contents" in text


def test_no_directive_table_outside_docs_directives():
    # the table's rows start with a directive name in the first cell
    row = re.compile(r"^\|\s*\[?`MartenSession[A-Za-z]* ", re.M)
    owners = [rel for rel in DOCS if row.search(read(rel))]
    assert owners == ["docs/directives.md"], owners


# --- code comments ------------------------------------------------------------------

def code_files():
    files = [os.path.join(SRCDIR, "mod_marten_session.c")]
    for d in CODE_DIRS:
        for root, dirs, names in os.walk(os.path.join(SRCDIR, d)):
            dirs[:] = [x for x in dirs if x not in ("out", "bin", ".libs")
                       and not x.startswith(".")]
            files += [os.path.join(root, n) for n in names if n.endswith(CODE_EXT)]
    return sorted(files)


def test_code_cites_only_documents_of_this_repository():
    bad = []
    for path in code_files():
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        rel = os.path.relpath(path, SRCDIR)
        if CITE in text:
            bad.append("%s: cites %s" % (rel, CITE))
        for doc in set(re.findall(r"[\w./-]*\w\.md\b", text)):
            # from the top, from the file's directory, or a name in docs/
            # (os.path.join(SRCDIR, "docs", "directives.md"))
            places = [os.path.join(SRCDIR, doc), os.path.join(os.path.dirname(path), doc),
                      os.path.join(SRCDIR, "docs", doc)]
            if not any(os.path.isfile(p) for p in places):
                bad.append("%s: %s is not in the repository" % (rel, doc))
    assert not bad, "\n".join(bad)
