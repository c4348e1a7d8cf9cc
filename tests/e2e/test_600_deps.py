"""The Debian packages (build/deps.sh, GNUmakefile, .ci/run) and the error
log check's tolerance for warnings about the machine itself.

- `make demo` installs the build's packages only; `make check` (and the
  other test goals) the test packages too, also in a tree `make demo`
  configured.
- When something is missing, deps.sh runs `apt-get update` once, installs
  the whole set (so what is there is brought up to date with it) and
  upgrades the packages of the libraries httpd and its modules link
  against: a distribution apache2 newer than the installed libssl3 makes
  mod_ssl warn AH01882, which failed the suite on a fresh Debian 12.
- CI takes the README's path: `make check`, nothing installed beside it.
- The error log check ignores such machine warnings from other modules,
  never a line of ours.
apt-get, dpkg-query, id and ldd are stubs on PATH here: nothing is
installed.
"""

import os
import shutil
import subprocess

import pytest

import httpd as H
from common import KEY

LINE = "[Thu Nov 27 10:00:00.000000 2025] [%s:%s] [pid 1:tid 2] %s"
AH01882 = ("AH01882: Init: this version of mod_ssl was compiled against a newer "
           "library (OpenSSL 3.0.15 3 Sep 2024, version currently loaded is "
           "OpenSSL 3.0.11 19 Sep 2023) - may result in undefined or erroneous behavior")

STUBS = {
    # installed: every package not named in $MISSING
    "dpkg-query": r"""#!/bin/sh
case $1 in
-W) shift 2
    for p; do case " $MISSING " in *" $p "*) ;; *) echo "ii $p" ;; esac; done ;;
-S) case $2 in
    */libssl.so.3) echo "libssl3:amd64: $2" ;;
    */libapr-1.so.0) echo "libapr1:amd64: $2" ;;
    *) echo "dpkg-query: no path found matching pattern $2" >&2; exit 1 ;;
    esac ;;
esac
""",
    "apt-get": '#!/bin/sh\necho "$*" >> "$APT_LOG"\n',
    "id": '#!/bin/sh\necho "$STUB_UID"\n',
    "ldd": r"""#!/bin/sh
printf '\tlinux-vdso.so.1 (0x00007ffd)\n'
printf '\tlibssl.so.3 => %s/libssl.so.3 (0x00007f01)\n' "$LIBS"
printf '\tlibapr-1.so.0 => %s/libapr-1.so.0 (0x00007f02)\n' "$LIBS"
printf '\tlibunknown.so.1 => %s/libunknown.so.1 (0x00007f03)\n' "$LIBS"
""",
}


def deps_list(srcdir, which):
    res = subprocess.run(["sh", os.path.join(srcdir, "build", "deps.sh"), "--list", which],
                         capture_output=True, text=True, check=True)
    return res.stdout.split()


@pytest.fixture
def stubs(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in STUBS.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    libs = tmp_path / "lib"
    libs.mkdir()
    for so in ("libssl.so.3", "libapr-1.so.0", "libunknown.so.1"):
        (libs / so).write_text("")
    mods = tmp_path / "modules"
    mods.mkdir()
    (mods / "mod_ssl.so").write_text("")
    (tmp_path / "apache2").write_text("")
    env = {"PATH": "%s:/usr/bin:/bin" % bin_dir, "APT_LOG": str(tmp_path / "apt.log"),
           "LIBS": str(libs), "STUB_UID": "0", "MISSING": "",
           "DEPS_HTTPD_BIN": str(tmp_path / "apache2"), "DEPS_HTTPD_MODULES": str(mods)}
    return env


def run_deps(srcdir, env, *args):
    res = subprocess.run(["sh", os.path.join(srcdir, "build", "deps.sh")] + list(args),
                         capture_output=True, text=True, env=env, timeout=60)
    try:
        with open(env["APT_LOG"]) as f:
            apt = f.read().splitlines()
    except FileNotFoundError:
        apt = []
    return res, apt


def test_demo_set_is_the_build_alone(ms_env):
    build = deps_list(ms_env.srcdir, "build")
    check = deps_list(ms_env.srcdir, "check")
    for p in ("apache2", "apache2-dev", "libssl-dev", "gcc", "curl", "python3", "check"):
        assert p in build, build
    for p in ("chromium", "postgresql", "redis-server", "python3-selenium", "clang",
              "php-cgi", "cppcheck", "python3-pytest"):
        assert p not in build and p in check, p
    assert set(build) <= set(check)
    assert len(build) < len(check) / 2, (build, check)


def test_nothing_missing_nothing_done(ms_env, stubs):
    res, apt = run_deps(ms_env.srcdir, stubs, "check")
    assert res.returncode == 0, res.stderr
    assert apt == [] and res.stdout == ""


@pytest.mark.parametrize("which", ["build", "check"])
def test_missing_installs_the_whole_set_and_httpds_libraries(ms_env, stubs, which):
    packages = deps_list(ms_env.srcdir, which)
    stubs["MISSING"] = "curl"
    res, apt = run_deps(ms_env.srcdir, stubs, which)
    assert res.returncode == 0, res.stdout + res.stderr
    assert apt == ["update -qq",
                   "install -y -qq " + " ".join(packages),
                   "install -y -qq --only-upgrade libapr1 libssl3"], apt
    assert "deps: missing: curl" in res.stdout


def test_as_a_user_it_prints_the_lines(ms_env, stubs):
    stubs["MISSING"] = "chromium"
    stubs["STUB_UID"] = "1000"
    res, apt = run_deps(ms_env.srcdir, stubs, "check")
    assert res.returncode == 1 and apt == []
    assert ("sudo apt-get update && sudo apt-get install -y "
            + " ".join(deps_list(ms_env.srcdir, "check"))) in res.stderr, res.stderr
    assert "missing Debian packages: chromium" in res.stderr


def gnumake_tree(tmp_path, srcdir, configured):
    """A copy of GNUmakefile whose build/deps.sh only records its set."""
    tree = tmp_path / "tree"
    (tree / "build").mkdir(parents=True)
    shutil.copy(os.path.join(srcdir, "GNUmakefile"), tree)
    (tree / "build" / "deps.sh").write_text(
        '#!/bin/sh\necho "deps $*" >> deps.log\n[ -f Makefile ] || exit 1\n')
    if configured:
        (tree / "Makefile").write_text(
            "srcdir = .\nall:\n\t@echo all >> deps.log\ndemo:\n\t@echo demo >> deps.log\n"
            "check: all\n\t@echo check >> deps.log\n")
    return tree


def make_in(tree, *goals):
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    subprocess.run(["make", "-s", "-C", str(tree)] + list(goals), env=env,
                   capture_output=True, timeout=60)
    log = tree / "deps.log"
    lines = log.read_text().splitlines() if log.exists() else []
    if log.exists():
        log.unlink()
    return lines


def test_fresh_clone_bootstrap_picks_the_set(ms_env, tmp_path):
    tree = gnumake_tree(tmp_path, ms_env.srcdir, configured=False)
    assert make_in(tree, "demo") == ["deps build"]
    assert make_in(tree) == ["deps build"]
    assert make_in(tree, "check") == ["deps check"]
    assert make_in(tree, "check-asan") == ["deps check"]


def test_configured_tree_gets_the_test_set_before_check(ms_env, tmp_path):
    tree = gnumake_tree(tmp_path, ms_env.srcdir, configured=True)
    assert make_in(tree, "demo") == ["demo"]
    assert make_in(tree, "check") == ["deps check", "all", "check"]


def test_ci_takes_the_readme_path(ms_env):
    with open(os.path.join(ms_env.srcdir, ".ci", "run")) as f:
        steps = [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
    assert steps == ['set -euo pipefail', 'cd "$(dirname "$0")/.."', "make check",
                     "make fuzz FUZZ_SECONDS=20", "make check-asan"], steps
    with open(os.path.join(ms_env.srcdir, "README.md")) as f:
        top = f.read().split("\n## ", 1)[0]
    assert "make demo " in top and "make check " in top


# --- the error log check --------------------------------------------------------

@pytest.mark.parametrize("line, problem", [
    (LINE % ("ssl", "warn", AH01882), False),
    # the same code at error level, or from another module: still a problem
    (LINE % ("ssl", "error", AH01882), True),
    (LINE % ("core", "warn", AH01882), True),
    # other mod_ssl warnings are about the test's own setup
    (LINE % ("ssl", "warn", "AH01909: server certificate does NOT include an ID"), True),
    # ours always count
    (LINE % ("marten_session", "warn", "MS00101: " + AH01882), True),
    (LINE % ("marten_session_redis", "warn", "AH01882: x"), True),
    (LINE % ("ssl", "warn", "AH01882: mod_marten_session"), True),
])
def test_machine_warnings(line, problem):
    assert H.is_problem(line) is problem


def test_machine_warning_in_a_live_log(servers):
    h = servers("MartenSessionSecretKey %s\n" % KEY, name="machine", start=True)
    with open(h.error_log, "a") as f:
        f.write(LINE % ("ssl", "warn", AH01882) + "\n")
    assert h.end_test() == []
    with open(h.error_log, "a") as f:
        f.write(LINE % ("marten_session", "warn", "MS00101: ours") + "\n")
    msgs = h.end_test()
    assert len(msgs) == 1 and "MS00101" in msgs[0], msgs
