"""`make demo` in a real browser: headless Chromium driven by Selenium
(Debian's chromium, chromium-driver and python3-selenium).

- login, the name shown, the visit counter going up, logout;
- document.cookie does not show the HttpOnly session cookie (the browser
  itself has it, with HttpOnly and the configured SameSite);
- SameSite: from a page on another site (http://localhost:PORT2, a tiny
  server on 127.0.0.1) a link and a form post lead to the demo on
  http://127.0.0.1:PORT. With the demo's default Lax, the link brings the
  cookie and the cross-site POST does not; with `SAMESITE=Strict make demo`
  neither does, while a same-site visit still does.
- a screenshot of the logged-in page is saved (tests/e2e/out/, or MS_E2E_OUT).

Chromium runs with --headless --no-sandbox --disable-gpu
--disable-background-networking --disable-component-update --disable-sync
--no-first-run and a throw-away --user-data-dir: no traffic leaves the
machine, every request goes to 127.0.0.1.
"""

import http.server
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading

import pytest

import demo_util

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="python3-selenium is not installed (apt-get install "
    "python3-selenium chromium chromium-driver)")
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HERE = os.path.dirname(os.path.abspath(__file__))


def out_dir():
    d = os.environ.get("MS_E2E_OUT") or os.path.join(HERE, "out")
    os.makedirs(d, exist_ok=True)
    return d


class DemoRun(demo_util.DemoProcess):
    """`make demo PORT=... [SAMESITE=...]` in its own process group."""

    def stop(self):
        """Ctrl-C to the group, as a user would; SIGKILL if that is not enough."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
                self.proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def problems(self):
        return [l for l in self.lines
                if re.search(r"\[[a-z_]+:(emerg|alert|crit|error|warn)\]", l)]


class OtherSite:
    """http://localhost:PORT2/ on 127.0.0.1: a page of another site with a
    link and a form pointing at the demo."""

    def __init__(self, target):
        page = ("<!doctype html><title>other site</title>"
                "<a id='link' href='%(t)s/session'>the demo's session page</a>"
                "<form id='form' method='post' action='%(t)s/session'>"
                "<input type='hidden' name='x' value='1'>"
                "<button id='post'>post</button></form>" % {"t": target}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://localhost:%d/" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def browser():
    for path, pkg in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.path.exists(path):
            pytest.skip("%s not found: apt-get install %s" % (path, pkg))
    profile = tempfile.mkdtemp(prefix="ms-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1000,700", "--user-data-dir=" + profile):
        opts.add_argument(arg)
    service = Service(CHROMEDRIVER, log_path=os.path.join(profile, "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def demo_factory(ms_env):
    runs = []

    def make(samesite=None):
        d = DemoRun(ms_env, samesite)
        runs.append(d)
        return d
    yield make
    for d in runs:
        d.stop()


def text_of(driver, element_id):
    found = driver.find_elements(By.ID, element_id)
    return found[0].text if found else None


def session_rows(driver):
    """The /session page's table as a dict ({} when it shows '(empty)')."""
    rows = {}
    for tr in driver.find_elements(By.CSS_SELECTOR, "#session tr"):
        cells = [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def click_and_wait(driver, element_id, url=None, present=None):
    """Click, then wait for the navigation it starts: the URL to become url
    and/or an element with id present to appear (a click returns before the
    new page has loaded)."""
    driver.execute_script("window.__msOldPage = true;")
    driver.find_element(By.ID, element_id).click()

    def new_page_loaded(d):
        # a window variable does not survive a navigation; while the page
        # changes, the driver may answer with errors: not loaded yet
        try:
            return d.execute_script(
                "return window.__msOldPage === undefined && "
                "document.readyState === 'complete';")
        except WebDriverException:
            return False
    wait = WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,))
    wait.until(new_page_loaded)
    if url:
        wait.until(EC.url_to_be(url))
    if present:
        wait.until(EC.presence_of_element_located((By.ID, present)))


def log_in(driver, demo, name):
    driver.get(demo.url + "/")
    driver.find_element(By.ID, "name").send_keys(name)
    click_and_wait(driver, "login", present="user")
    assert text_of(driver, "user") == name, driver.page_source


def test_demo_in_chromium(browser, demo_factory):
    demo = demo_factory()
    b = browser
    b.get(demo.url + "/")
    assert b.title == "mod_marten_session demo"
    assert text_of(b, "visits") == "1"
    assert text_of(b, "user") is None                 # the login form is shown
    assert b.find_element(By.ID, "login").is_displayed()

    log_in(b, demo, "Ada L\u00f6w")
    assert text_of(b, "greeting") == "Logged in as Ada L\u00f6w."
    first = int(text_of(b, "visits"))
    b.refresh()
    b.refresh()
    assert int(text_of(b, "visits")) == first + 2, "the counter does not go up"

    # the browser holds the cookie, scripts do not see it
    cookies = {c["name"]: c for c in b.get_cookies()}
    assert "sessionid" in cookies, cookies
    assert cookies["sessionid"]["httpOnly"] is True
    assert cookies["sessionid"].get("sameSite") == "Lax"
    assert b.execute_script("return document.cookie") == ""

    shot = os.path.join(out_dir(), "demo-logged-in.png")
    assert b.save_screenshot(shot)
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(shot) > 5000, "the screenshot looks blank"

    # logout: the form again and a fresh counter
    click_and_wait(b, "logout", present="login")
    assert text_of(b, "user") is None
    assert b.find_element(By.ID, "login").is_displayed()
    assert text_of(b, "visits") == "1"
    b.get(demo.url + "/session")
    assert session_rows(b) == {"visits": "1"}

    demo.stop()
    assert demo.problems() == [], "".join(demo.lines)


def test_samesite_lax_and_strict_from_another_site(browser, demo_factory):
    b = browser
    for samesite, link_has_cookie in (("Lax", True), ("Strict", False)):
        demo = demo_factory(None if samesite == "Lax" else samesite)
        other = OtherSite(demo.url)
        try:
            log_in(b, demo, "sam-" + samesite)
            cookie = {c["name"]: c for c in b.get_cookies()}["sessionid"]
            assert cookie.get("sameSite") == samesite
            b.get(demo.url + "/session")               # same-site: the cookie goes
            assert session_rows(b).get("user") == "sam-" + samesite
            assert "SameSite=%s" % samesite in text_of(b, "cookie")

            # a link on another site
            b.get(other.url)
            assert b.title == "other site"
            click_and_wait(b, "link", url=demo.url + "/session", present="session")
            rows = session_rows(b)
            if link_has_cookie:
                assert rows.get("user") == "sam-" + samesite, rows
            else:
                assert rows == {}, "a cross-site link brought a Strict cookie: %r" % rows

            # a form posted from another site: never with Lax or Strict
            b.get(other.url)
            click_and_wait(b, "post", url=demo.url + "/session", present="session")
            assert session_rows(b) == {}, "a cross-site POST brought the cookie"

            # and back on the site itself, the session is still there
            b.get(demo.url + "/session")
            assert session_rows(b).get("user") == "sam-" + samesite
        finally:
            other.close()
            b.delete_all_cookies()
            demo.stop()
        assert demo.problems() == [], "".join(demo.lines)
