"""What `make install` puts in mods-available says only what httpd accepts,
and `make uninstall` says what it keeps.

- Every commented directive line of every installed .load and .conf file
  (and every `MartenSession...` quoted in their comments), uncommented on
  its own (a commented section as a whole), passes `apache2 -t` with the
  installed modules: the store .load files once said `MartenSessionStore
  dbd`, which httpd rejects (the store is `db`).
- `make uninstall` keeps an edited marten_session.conf and says so on the
  terminal; the README says so too.
"""

import os
import re

import pytest

import httpd as H
import test_420_install as inst
from common import KEY

SAMPLE_KEY = "0123456789abcdef" * 4          # the installed .conf's example
KEY_LINE = "MartenSessionSecretKey %s\n" % KEY


@pytest.fixture(scope="module")
def installed(ms_env, tmp_path_factory):
    mvars = inst.make_vars(ms_env)
    dest = str(tmp_path_factory.mktemp("dest"))
    inst.run_make(ms_env, "install", "DESTDIR=" + dest, "DEBIAN_LAYOUT=yes")
    avail = dest + mvars["APACHE_MODS_AVAILABLE"]
    files = sorted(n for n in os.listdir(avail) if n.endswith((".load", ".conf")))
    assert len(files) == 5, files
    return {"dest": dest, "mvars": mvars, "avail": avail, "files": files}


def commented_directives(text):
    """(start, end) line ranges of the commented configuration in text: a
    `#Directive ...` line (no space after the #), a `#<Section>` up to its
    `#</Section>`; and the `MartenSession...` quoted in comments."""
    lines = text.splitlines()
    ranges, quoted, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("#"):
            quoted += re.findall(r"`(MartenSession[^`]*)`", line)
        sec = re.match(r"^\s*#<([A-Za-z]+)\b", line)
        if sec:
            end = next(j for j in range(i, len(lines))
                       if re.match(r"^\s*#</%s>" % sec.group(1), lines[j]))
            ranges.append((i, end))
            i = end + 1
            continue
        if re.match(r"^\s*#[A-Z][A-Za-z]+(\s|$)", line):
            ranges.append((i, i))
        i += 1
    return lines, ranges, quoted


def uncomment(lines, start, end):
    out = list(lines)
    for j in range(start, end + 1):
        m = re.match(r"^(\s*)#(\s*)(.*)$", out[j])
        if m and not m.group(3).startswith("#"):
            out[j] = m.group(1) + m.group(2) + m.group(3)
    return out


def base_config(installed, ms_env, name):
    """The LoadModule lines a2enmod would bring along (Depends:, and the
    socache provider the socache store names), with DESTDIR's paths."""
    mods = installed["dest"] + installed["mvars"]["APXS_LIBEXECDIR"]
    conf = ["LoadModule marten_session_module %s/mod_marten_session.so" % mods]
    if name != "marten_session.load":
        conf += ["LoadModule dbd_module %s/mod_dbd.so" % ms_env.modules_dir,
                 "LoadModule socache_shmcb_module %s/mod_socache_shmcb.so" % ms_env.modules_dir]
    return "\n".join(conf) + "\n"


def test_every_commented_directive_passes_apache2_t(installed, ms_env, tmp_path):
    h = H.Httpd(str(tmp_path / "srv"), name="comments", load_module=False,
                load_test_module=False, env=ms_env)
    keyfile = str(tmp_path / "marten-session.key")
    with open(keyfile, "w") as f:
        f.write(KEY + "\n")
    os.chmod(keyfile, 0o600)
    mods = installed["mvars"]["APXS_LIBEXECDIR"]
    checked = []
    for name in installed["files"]:
        with open(os.path.join(installed["avail"], name)) as f:
            text = f.read()
        # the installed paths, inside DESTDIR here
        text = text.replace(mods + "/", installed["dest"] + mods + "/")
        # the base configuration loads the module itself
        text = re.sub(r"(?m)^LoadModule marten_session_module .*$", "", text)
        lines, ranges, quoted = commented_directives(text)
        variants = ["\n".join(uncomment(lines, a, b)) for a, b in ranges]
        variants += [text + "\n" + q for q in quoted]
        for v in [text] + variants:
            v = v.replace("/etc/apache2/marten-session.key", keyfile)
            # the example key is refused as shipped (test_420): the admin
            # puts one of their own there, as the comment says
            v = v.replace(SAMPLE_KEY, KEY)
            key = "" if re.search(r"^\s*MartenSessionSecretKey", v, re.M) else KEY_LINE
            snippet = base_config(installed, ms_env, name) + key + v + "\n"
            rc, out = h.check_config(snippet)
            assert rc == 0, "%s: %s\n%s" % (name, out, snippet)
            checked.append(name)
    # each store's .load names its store, and the .conf its directives
    for store in ("redis", "socache", "dbd"):
        assert "marten_session_%s.load" % store in checked, checked
    assert checked.count("marten_session.conf") >= 5, checked
    assert checked.count("marten_session_dbd.load") == 2, checked


def test_uninstall_says_it_keeps_an_edited_conf(installed, ms_env):
    conf = os.path.join(installed["avail"], "marten_session.conf")
    with open(conf, "a") as f:
        f.write("# edited by the admin\n")
    res = inst.run_make(ms_env, "uninstall", "DESTDIR=" + installed["dest"],
                        "DEBIAN_LAYOUT=yes")
    assert "keeping %s: it was edited" % conf in res.stdout, res.stdout
    assert os.listdir(installed["avail"]) == ["marten_session.conf"]
    with open(os.path.join(ms_env.srcdir, "README.md")) as f:
        readme = f.read()
    assert re.search(r"`make uninstall` removes it all but an edited\s+`marten_session.conf`",
                     readme), "README: make uninstall and the edited .conf"
