"""The table "Where we differ from Marten on purpose" (docs/sessions.md) says what the
module does where Marten's middleware does otherwise. Each row below is
looked up in the table and the module's side of it is shown on a real
server (the database row's whole-second expiry is test_220's test_expiry)."""

import os
import re

import pytest

import marten_codec as mc
from common import KEY, session_on

APR_ENOSPC = "28"


@pytest.fixture(scope="module")
def srv(module_servers):
    return module_servers(session_on(KEY), name="deviations", start=True)


@pytest.fixture(scope="module")
def table(ms_env):
    with open(os.path.join(ms_env.srcdir, "docs", "sessions.md"), encoding="utf-8") as f:
        text = f.read()
    start = text.index("\n## Where we differ from Marten on purpose\n")
    end = text.find("\n## ", start + 1)
    end = len(text) if end < 0 else end
    return [line for line in text[start:end].splitlines() if line.startswith("| ")]


def row(table, first_cell):
    hits = [l for l in table if l.split("|")[1].strip() == first_cell]
    assert len(hits) == 1, "no row %r in docs/sessions.md's table" % first_cell
    return hits[0]


def test_last_key_deleted_expires_the_cookie(srv, table):
    assert "expires the cookie" in row(table, "the last key deleted (no flush)")
    cl = srv.client()
    cl.api("set", k="a", v="1")
    r = cl.api("delete", k="a")
    cookies = r.cookies_named("sessionid")
    assert len(cookies) == 1 and cookies[0].is_deletion(), r.headers


def test_flush_on_a_500_sends_nothing(srv, table):
    assert "sends nothing" in row(
        table, "a flush on a response that answers `500`")
    cl = srv.client()
    cl.api("set", k="a", v="1")
    r = cl.api("flush", status="500")
    assert r.status == 500
    assert r.set_cookies == []


@pytest.mark.parametrize("op", ["flush", "cycle"])
def test_flush_or_cycle_without_a_cookie(srv, table, op):
    text = row(table, "a flush or key cycle on a request that had no cookie")
    assert "sends no cookie" in text and "`Vary: Cookie`" in text
    r = srv.client().api(op)
    assert r.status == 200, r
    assert r.set_cookies == []
    assert "cookie" in r.vary


def test_limit_counts_the_whole_set_cookie_header(srv, table):
    text = row(table, "the 4096-byte browser limit")
    m = re.search(r"a value of ([\d,]+) bytes or more", text)
    value = "v" * int(m.group(1).replace(",", ""))
    # Marten counts the value alone: it would send this cookie
    assert len(mc.encode(KEY, {"k": value})) <= 4096
    r = srv.client().api("set", k="k", v=value)
    assert r.header("X-Test-Rv") == APR_ENOSPC, r
    assert r.set_cookies == []
    # one byte less fits, attributes and all
    r = srv.client().api("set", k="k", v=value[1:])
    assert r.header("X-Test-Rv") == "0", r
    assert len(r.header_all("Set-Cookie")[0]) <= 4096


def test_database_rows_and_timeless_cookies_are_in_the_table(table):
    assert "whole seconds" in row(table, "the expiry of a database row")
    assert "not trusted" in [l for l in table if "no start or last-seen time" in l][0]
