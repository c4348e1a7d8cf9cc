"""The empty key through the C API: Marten allows session[""], and so does
marten_session_set() (it answered APR_EINVAL before). Set, read, delete,
and the cookie decoded with the key holds it."""

import pytest

from common import KEY, decode_cookie, session_on


@pytest.fixture(scope="module")
def srv(module_servers):
    return module_servers(session_on(KEY), name="empty-key-api", start=True)


def test_set_get_and_delete_the_empty_key(srv):
    cl = srv.client()
    r = cl.api("set", ("k", ""), ("v", "nothing"), ("k", "a"), ("v", "1"))
    assert r.header("X-Test-Rv") == "0", r
    assert decode_cookie(r.cookie("sessionid"))[0] == {"": "nothing", "a": "1"}
    r = cl.api("get", k="")
    assert r.header("X-Test-Found") == "1" and r.body == b"nothing"
    r = cl.api("delete", k="")
    assert r.header("X-Test-Rv") == "0", r
    assert decode_cookie(r.cookie("sessionid"))[0] == {"a": "1"}
