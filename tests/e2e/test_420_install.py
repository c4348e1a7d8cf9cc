"""`make install` like any Apache module, and `a2enmod marten_session`.

1. Into a DESTDIR: the module and the store modules through apxs, the public
   header into httpd's include directory, the marten-session command into
   $(bindir), and on a Debian-style layout marten_session.load and
   marten_session.conf (all commented) into mods-available. Nothing outside
   DESTDIR changes; `make uninstall` removes it again.
2. For real, on this machine's Debian apache2 layout (root only): `make
   install`, then a copy of /etc/apache2 where `a2enmod marten_session` runs
   (APACHE_CONFDIR, and APACHE_STATE_DIRECTORY so /var/lib/apache2 is not
   touched) and `apache2 -t -d <copy>` passes with the environment of the
   copy's envvars. Then the README's walk-through on that copy: a key from
   `marten-session genkey` in a key file, `Require marten-session user_id`,
   an httpd from the copy on a loopback port (its own run, lock and log
   directories; never the system service), and `marten-session decode` on
   the cookie it wrote.
"""

import glob
import os
import re
import shutil
import subprocess
import time

import pytest

import httpd as H
import marten_codec as mc
from common import KEY, build_dir

STORE_MODULES = ("mod_marten_session_redis.so", "mod_marten_session_socache.so",
                 "mod_marten_session_dbd.so")


def make_vars(env):
    """Values the Makefile uses: apxs directories and $(bindir)."""
    bdir = build_dir(env)
    if not os.path.isfile(os.path.join(bdir, "Makefile")):
        pytest.skip("no configured build tree in %s" % bdir)
    res = run_make(env, "-s", "print-install-dirs")
    return dict(line.split("=", 1) for line in res.stdout.splitlines() if "=" in line)


def clean_env():
    return {k: v for k, v in os.environ.items()
            if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DESTDIR")}


def run_make(env, *args, check=True):
    res = subprocess.run(["make", "--no-print-directory", "-C", build_dir(env)] + list(args),
                         capture_output=True, text=True, env=clean_env(), timeout=600)
    if check:
        assert res.returncode == 0, "make %s failed:\n%s\n%s" % (
            " ".join(args), res.stdout[-3000:], res.stderr[-3000:])
    return res


@pytest.fixture(scope="module")
def mvars(ms_env):
    v = make_vars(ms_env)
    for var in ("APXS_LIBEXECDIR", "APXS_INCLUDEDIR", "APXS_SYSCONFDIR", "bindir",
                "APACHE_MODS_AVAILABLE"):
        assert v.get(var, "").startswith("/"), "make print-install-dirs: %r" % v
    return v


def snapshot(paths):
    out = {}
    for p in paths:
        try:
            st = os.stat(p)
            out[p] = (st.st_mtime_ns, st.st_size)
        except OSError:
            out[p] = None
    return out


def real_targets(v):
    return ([os.path.join(v["APXS_LIBEXECDIR"], m)
             for m in ("mod_marten_session.so",) + STORE_MODULES]
            + [os.path.join(v["APXS_INCLUDEDIR"], "mod_marten_session.h"),
               os.path.join(v["bindir"], "marten-session"),
               os.path.join(v["APACHE_MODS_AVAILABLE"], "marten_session.load"),
               os.path.join(v["APACHE_MODS_AVAILABLE"], "marten_session.conf")])


def uncomment_sample(conf):
    """marten_session.conf with its configuration lines uncommented (the
    commented directives and sections, not the prose); the inline key
    rather than the key file."""
    out = []
    for line in conf.splitlines():
        m = re.match(r"^(\s*)#(\s*)(</?[A-Z][A-Za-z]*\b.*|[A-Z][A-Za-z]+ .*|Require .*)$", line)
        if m and not m.group(3).startswith("MartenSessionSecretKeyFile") and (
                m.group(3).startswith(("MartenSession", "<", "Require", "ErrorDocument"))):
            line = m.group(1) + m.group(2) + m.group(3)
        out.append(line)
    text = "\n".join(out) + "\n"
    assert re.search(r"^\s*MartenSessionSecretKey \S{32,}$", text, re.M), text
    assert re.search(r"^\s*MartenSession On$", text, re.M), text
    assert re.search(r"^\s*Require marten-session user_id$", text, re.M), text
    return text


# --- 1. DESTDIR ----------------------------------------------------------------

def test_install_into_destdir(ms_env, mvars, tmp_path):
    dest = str(tmp_path / "dest")
    before = snapshot(real_targets(mvars))
    run_make(ms_env, "install", "DESTDIR=" + dest, "DEBIAN_LAYOUT=yes")
    assert snapshot(real_targets(mvars)) == before, "make install wrote outside DESTDIR"

    def d(path):
        return dest + path

    mods = d(mvars["APXS_LIBEXECDIR"])
    for m in ("mod_marten_session.so",) + STORE_MODULES:
        assert os.path.isfile(os.path.join(mods, m)), (m, os.listdir(mods))
    header = os.path.join(d(mvars["APXS_INCLUDEDIR"]), "mod_marten_session.h")
    with open(header) as f, open(os.path.join(ms_env.srcdir, "include",
                                              "mod_marten_session.h")) as g:
        assert f.read() == g.read()
    cli = os.path.join(d(mvars["bindir"]), "marten-session")
    assert os.access(cli, os.X_OK)
    res = subprocess.run([cli, "genkey"], capture_output=True, text=True)
    assert res.returncode == 0 and re.fullmatch(r"[0-9a-f]{64}\n", res.stdout)

    avail = d(mvars["APACHE_MODS_AVAILABLE"])
    with open(os.path.join(avail, "marten_session.load")) as f:
        load = f.read()
    assert ("LoadModule marten_session_module %s/mod_marten_session.so\n"
            % mvars["APXS_LIBEXECDIR"]) in load
    for store, deps in (("redis", "marten_session"), ("socache", "marten_session"),
                        ("dbd", "marten_session dbd")):
        with open(os.path.join(avail, "marten_session_%s.load" % store)) as f:
            text = f.read()
        assert "\n# Depends: %s\n" % deps in text, text
        assert ("LoadModule marten_session_%s_module %s/mod_marten_session_%s.so\n"
                % (store, mvars["APXS_LIBEXECDIR"], store)) in text, text
    with open(os.path.join(avail, "marten_session.conf")) as f:
        conf = f.read()
    active = [l.strip() for l in conf.splitlines()
              if l.strip() and not l.strip().startswith("#")]
    assert active == ["<IfModule marten_session_module>", "</IfModule>"], active
    for directive in ("MartenSessionSecretKeyFile", "MartenSessionSecretKey ",
                      "MartenSession On", "Require marten-session user_id",
                      "ErrorDocument 401"):
        assert re.search(r"^\s*#\s*%s" % re.escape(directive), conf, re.M), directive

    # the installed module loads, with its .conf as shipped (all commented)...
    h = H.Httpd(str(tmp_path / "srv"), name="installed", load_module=False,
                load_test_module=False, env=ms_env)
    load_line = "LoadModule marten_session_module %s/mod_marten_session.so\n" % mods
    h.snippet = load_line + conf
    rc, out = h.check_config()
    assert rc == 0, out
    # ...and with its sample directives uncommented (the key inline)
    # (its example key is public: refused until replaced)
    rc, out = h.check_config(load_line + uncomment_sample(conf))
    assert rc != 0 and "example key" in out, out
    rc, out = h.check_config(load_line + re.sub(
        r"(MartenSessionSecretKey) \S+", r"\1 " + KEY, uncomment_sample(conf)))
    assert rc == 0, out

    # an existing .conf is the administrator's: kept on reinstall
    with open(os.path.join(avail, "marten_session.conf"), "a") as f:
        f.write("# edited by the admin\n")
    run_make(ms_env, "install", "DESTDIR=" + dest, "DEBIAN_LAYOUT=yes")
    with open(os.path.join(avail, "marten_session.conf")) as f:
        assert f.read().endswith("# edited by the admin\n")
    assert os.path.isfile(os.path.join(avail, "marten_session.conf.dist"))

    run_make(ms_env, "uninstall", "DESTDIR=" + dest, "DEBIAN_LAYOUT=yes")
    left = [p for p in glob.glob(dest + "/**", recursive=True) if os.path.isfile(p)]
    # only the edited .conf stays
    assert left == [os.path.join(avail, "marten_session.conf")], left


def test_no_debian_files_without_the_layout(ms_env, mvars, tmp_path):
    dest = str(tmp_path / "dest")
    run_make(ms_env, "install-data", "DESTDIR=" + dest, "DEBIAN_LAYOUT=no")
    assert not glob.glob(dest + "/**/marten_session.load", recursive=True)


# --- 2. the real thing, on this machine's Debian layout ---------------------------

def debian_or_skip(mvars):
    if os.geteuid() != 0:
        pytest.skip("a real make install needs root")
    for tool in ("a2enmod", "apache2"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            pytest.skip("%s not found" % tool)
    if not os.path.isdir(mvars["APACHE_MODS_AVAILABLE"]):
        pytest.skip("no Debian-style layout (%s)" % mvars["APACHE_MODS_AVAILABLE"])


def envvars_env(confdir):
    """The environment apache2ctl gives apache2: the copy's envvars."""
    res = subprocess.run(
        ["sh", "-c", '. "$APACHE_CONFDIR/envvars" && env -0'],
        capture_output=True, env={"APACHE_CONFDIR": confdir,
                                  "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    assert res.returncode == 0, res.stderr
    env = dict(item.split("=", 1) for item in res.stdout.decode().split("\0") if "=" in item)
    env["APACHE_CONFDIR"] = confdir
    return env


@pytest.fixture(scope="module")
def installed(ms_env, mvars, tmp_path_factory):
    """make install for real; uninstalled afterwards unless it was there."""
    debian_or_skip(mvars)
    targets = real_targets(mvars)
    existed = any(os.path.exists(p) for p in targets)
    run_make(ms_env, "install")
    yield mvars
    if not existed:
        run_make(ms_env, "uninstall")


@pytest.fixture(scope="module")
def confcopy(installed, tmp_path_factory):
    """/etc/apache2 copied; a2enmod marten_session run on the copy."""
    base = H.shared_base_dir()
    root = os.path.join(base, "debian-%d" % os.getpid())
    os.makedirs(root)
    confdir = os.path.join(root, "apache2")
    shutil.copytree(installed["APXS_SYSCONFDIR"], confdir, symlinks=True)
    state = os.path.join(root, "state")
    os.makedirs(state)
    # the copy's own run, lock and log directories (apache2ctl would make
    # /var/run/apache2 and friends; the system's are never used)
    for sub in ("run", "lock", "log"):
        os.makedirs(os.path.join(root, sub))
    # apache2ctl also makes the socket directory of Debian's cgid.conf
    socks = os.path.join(root, "run", "socks")
    os.makedirs(socks)
    shutil.chown(socks, user="www-data")
    with open(os.path.join(confdir, "envvars"), "a") as f:
        f.write("\n# test_420_install: this copy's own directories\n"
                "export APACHE_RUN_DIR=%s/run\nexport APACHE_PID_FILE=%s/run/apache2.pid\n"
                "export APACHE_LOCK_DIR=%s/lock\nexport APACHE_LOG_DIR=%s/log\n"
                % (root, root, root, root))
    res = subprocess.run(["a2enmod", "marten_session"], capture_output=True, text=True,
                         env={"APACHE_CONFDIR": confdir, "APACHE_STATE_DIRECTORY": state,
                              "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Enabling module marten_session." in res.stdout, res.stdout
    yield {"root": root, "confdir": confdir, "state": state, "a2enmod": res.stdout}
    shutil.rmtree(root, ignore_errors=True)


def test_a2enmod_enables_the_module_in_the_copy(confcopy, installed):
    enabled = os.path.join(confcopy["confdir"], "mods-enabled")
    for name in ("marten_session.load", "marten_session.conf"):
        link = os.path.join(enabled, name)
        assert os.path.islink(link), os.listdir(enabled)
        assert os.readlink(link) == "../mods-available/" + name
    # the system's own configuration is untouched
    sys_enabled = os.path.join(installed["APXS_SYSCONFDIR"], "mods-enabled")
    assert not os.path.lexists(os.path.join(sys_enabled, "marten_session.load"))
    assert not os.path.exists("/var/lib/apache2/module/enabled_by_admin/marten_session")
    assert os.path.exists(os.path.join(confcopy["state"], "module", "enabled_by_admin",
                                       "marten_session"))


def test_apache2_t_on_the_copy(confcopy):
    env = envvars_env(confcopy["confdir"])
    res = subprocess.run(["apache2", "-t", "-d", confcopy["confdir"]], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Syntax OK" in res.stderr
    res = subprocess.run(["apache2", "-M", "-d", confcopy["confdir"]], env=env,
                         capture_output=True, text=True, timeout=60)
    assert "marten_session_module (shared)" in res.stdout, res.stdout


def test_a2enmod_a_store_enables_its_dependencies(confcopy):
    res = subprocess.run(["a2enmod", "marten_session_dbd"], capture_output=True,
                         text=True, env={"APACHE_CONFDIR": confcopy["confdir"],
                                         "APACHE_STATE_DIRECTORY": confcopy["state"],
                                         "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    assert res.returncode == 0, res.stdout + res.stderr
    enabled = os.listdir(os.path.join(confcopy["confdir"], "mods-enabled"))
    for name in ("marten_session_dbd.load", "dbd.load", "marten_session.load"):
        assert name in enabled, enabled
    env = envvars_env(confcopy["confdir"])
    res = subprocess.run(["apache2", "-M", "-d", confcopy["confdir"]], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "marten_session_dbd_module (shared)" in res.stdout, res.stdout


def test_readme_walkthrough_on_the_copy(confcopy, installed):
    """genkey into a key file, protect /app/ with Require marten-session
    user_id, run an httpd from the copy on a loopback port, decode."""
    confdir, root = confcopy["confdir"], confcopy["root"]
    cli = os.path.join(installed["bindir"], "marten-session")
    keyfile = os.path.join(confdir, "marten-session.key")
    res = subprocess.run(["sh", "-c", 'umask 077; "$0" genkey > "$1"', cli, keyfile])
    assert res.returncode == 0
    assert os.stat(keyfile).st_mode & 0o077 == 0
    with open(keyfile) as f:
        key = f.read().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", key)

    port = H.free_port()
    os.makedirs(os.path.join(root, "www", "app"), exist_ok=True)
    with open(os.path.join(root, "www", "app", "index.html"), "w") as f:
        f.write("members only\n")
    with open(os.path.join(confdir, "ports.conf"), "w") as f:
        f.write("Listen 127.0.0.1:%d\n" % port)
    for link in glob.glob(os.path.join(confdir, "sites-enabled", "*")):
        os.unlink(link)
    login = os.path.join(root, "www", "login.sh")
    with open(login, "w") as f:
        f.write("#!/bin/sh\nprintf 'Status: 303 See Other\\r\\nLocation: /app/\\r\\n"
                "X-Marten-Session-Set: user_id=newcomer\\r\\n\\r\\n'\n")
    os.chmod(login, 0o755)
    res = subprocess.run(["a2enmod", "cgid"], capture_output=True, text=True,
                         env={"APACHE_CONFDIR": confdir,
                              "APACHE_STATE_DIRECTORY": confcopy["state"],
                              "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    assert res.returncode == 0, res.stdout + res.stderr
    site = os.path.join(confdir, "sites-available", "marten-test.conf")
    with open(site, "w") as f:
        f.write("""ServerName 127.0.0.1
<VirtualHost 127.0.0.1:%(port)d>
    ServerName 127.0.0.1
    DocumentRoot %(root)s/www
    <Directory %(root)s/www>
        Require all granted
    </Directory>
    MartenSessionSecretKeyFile %(keyfile)s
    <Location "/">
        MartenSession On
    </Location>
    <Location "/app/">
        Require marten-session user_id
    </Location>
    ScriptAlias "/login" "%(root)s/www/login.sh"
    <Location "/login">
        MartenSessionHeaders On
    </Location>
</VirtualHost>
""" % {"port": port, "root": root, "keyfile": keyfile})
    res = subprocess.run(["a2ensite", "marten-test"], capture_output=True, text=True,
                         env={"APACHE_CONFDIR": confdir,
                              "APACHE_STATE_DIRECTORY": confcopy["state"],
                              "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    assert res.returncode == 0, res.stdout + res.stderr

    env = envvars_env(confdir)
    res = subprocess.run(["apache2", "-t", "-d", confdir], env=env, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    proc = subprocess.Popen(["apache2", "-DFOREGROUND", "-d", confdir], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        c = H.Client("127.0.0.1", port)
        deadline = time.time() + 15
        while True:
            try:
                r = c.get("/app/")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.time() < deadline, "the copy's httpd does not answer"
                time.sleep(0.1)
        assert r.status == 401, r
        cookie = subprocess.run([cli, "encode", "--key-file", keyfile,
                                 '{"user_id":"newcomer"}'], capture_output=True,
                                text=True).stdout.strip()
        r = c.get("/app/", cookie={"sessionid": cookie})
        assert r.status == 200 and r.body == b"members only\n", r
        # a login through a CGI: the module writes the cookie...
        c = H.Client("127.0.0.1", port)
        r = c.get("/login")
        assert r.status == 303, r
        module_cookie = r.cookie("sessionid").value
        assert mc.decode_session(key, module_cookie)[0] == {"user_id": "newcomer"}
        assert c.get("/app/").status == 200
        # ...and marten-session decode debugs it
        out = subprocess.run([cli, "decode", "--key-file", keyfile, module_cookie],
                             capture_output=True, text=True)
        assert out.returncode == 0, out
        assert out.stdout.splitlines()[0] == '{"user_id":"newcomer"}'
        assert "key: 1 of 1" in out.stdout
        bad = subprocess.run([cli, "decode", "--key-file", keyfile, module_cookie[:-1]],
                             capture_output=True, text=True)
        assert bad.returncode == 1 and "signature does not match" in bad.stderr
    finally:
        # graceful stop first, then TERM (labhttpd.stop_httpd)
        H.stop_httpd(proc, drain=8, timeout=15)
    with open(os.path.join(root, "log", "error.log")) as f:
        problems = [l for l in f if H.is_problem(l)]
    assert problems == [], problems
