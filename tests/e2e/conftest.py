"""pytest glue for the end-to-end tests.

Fixtures:
  ms_env          the Env (paths from MS_* variables, defaults otherwise)
  server_base     a 0755 directory for server roots (see httpd.shared_base_dir)
  module_servers  module-scoped factory: module_servers(snippet, ...) -> Httpd
                  (not started); all of them are stopped at the module's end
  servers         the same, function-scoped
  codec           the marten_codec module

After every test, the error log of every running server is read from where
the last check stopped: an unexpected warn/error/crit/alert/emerg line (or a
crashed child) fails that test. Tests declare expected lines with
server.expect_log(regex).
"""

import os
import shutil

import pytest

import httpd as _h
import marten_codec

_state = {"failed": False}


@pytest.fixture(scope="session")
def ms_env():
    return _h.Env()


@pytest.fixture(scope="session")
def server_base():
    base = _h.shared_base_dir()
    yield base
    if os.environ.get("MS_E2E_KEEP") or _state["failed"]:
        _state["kept"] = base
    else:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def codec():
    return marten_codec


def _require(env, load_module, load_test_module):
    if load_test_module:
        err = env.ensure_test_module()
        if err:
            pytest.fail(err)
    if load_module and not env.module_built():
        pytest.skip("mod_marten_session is not built (%s missing): run "
                    "`make mod_marten_session.la` first" % env.module)


class _Factory:
    def __init__(self, base, env):
        self.base = base
        self.env = env
        self.made = []

    def __call__(self, snippet="", name="httpd", load_module=True,
                 load_test_module=True, start=False):
        _require(self.env, load_module, load_test_module)
        h = _h.Httpd(self.base, snippet, name=name, load_module=load_module,
                     load_test_module=load_test_module, env=self.env)
        self.made.append(h)
        if start:
            h.start()
            h.begin_test()
        return h

    def stop_all(self):
        errors = []
        for h in self.made:
            try:
                h.stop()
            except AssertionError as e:
                errors.append(str(e))
        if errors:
            raise AssertionError("\n".join(errors))


@pytest.fixture(scope="module")
def module_servers(server_base, ms_env):
    f = _Factory(server_base, ms_env)
    yield f
    f.stop_all()


@pytest.fixture
def servers(server_base, ms_env):
    f = _Factory(server_base, ms_env)
    yield f
    f.stop_all()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    __tracebackhide__ = True
    for h in _h.live_servers():
        h.begin_test()
    outcome = yield
    msgs = []
    for h in _h.live_servers():
        msgs.extend(h.end_test())
    if msgs and outcome.excinfo is not None:
        item.add_report_section("call", "error log", "\n".join(msgs))
    elif msgs:
        # Fails the test itself (not its teardown).
        raise AssertionError("error log check failed:\n  " + "\n  ".join(msgs))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        _state["failed"] = True


def pytest_terminal_summary(terminalreporter):
    if _state.get("kept"):
        terminalreporter.write_line(
            "ms-e2e: server roots (configs, error logs) kept in %s" % _state["kept"])
