"""MartenSessionCookieSecure Auto: Secure over TLS (mod_ssl with a
self-signed certificate made here with `openssl req`), not over plain HTTP,
and over plain HTTP only when mod_remoteip accepted the peer as a trusted
proxy and that proxy says X-Forwarded-Proto: https. Cookie name prefixes
__Host- and __Secure- are checked by `apache2 -t`."""

import http.client
import os
import shutil
import ssl
import subprocess
import time

import pytest

import httpd as H
from common import KEY, session_on

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason="needs the openssl CLI: apt-get install openssl")

BASE = """
LoadModule remoteip_module {mods}/mod_remoteip.so
MartenSessionSecretKey {key}
<Location /api>
    MartenSession On
    MartenSessionCookieSecure Auto
</Location>
<Location /always>
    SetHandler marten-session-test
    MartenSession On
    MartenSessionCookieSecure On
</Location>
RemoteIPHeader X-Forwarded-For
RemoteIPTrustedProxy {proxy}
"""

TLS = """
LoadModule ssl_module {mods}/mod_ssl.so
<IfModule !socache_shmcb_module>
    LoadModule socache_shmcb_module {mods}/mod_socache_shmcb.so
</IfModule>
SSLSessionCache "shmcb:@ROOT@/run/ssl_scache(512000)"
Listen 127.0.0.1:{tls_port}
<VirtualHost 127.0.0.1:{tls_port}>
    ServerName 127.0.0.1
    SSLEngine on
    SSLCertificateFile "@ROOT@/conf/cert.pem"
    SSLCertificateKeyFile "@ROOT@/conf/key.pem"
</VirtualHost>
"""


def make_cert(h):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:FALSE",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", h.path("conf", "key.pem"),
                    "-out", h.path("conf", "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    os.chmod(h.path("conf", "key.pem"), 0o644)   # read by the httpd user too


@pytest.fixture(scope="module")
def srv(module_servers, ms_env):
    tls_port = H.free_port()
    h = module_servers(BASE.format(mods=ms_env.modules_dir, key=KEY,
                                   proxy="127.0.0.1")
                       + TLS.format(mods=ms_env.modules_dir, tls_port=tls_port),
                       name="secure")
    make_cert(h)
    h.tls_port = tls_port
    h.start()
    return h


@pytest.fixture(scope="module")
def untrusted(module_servers, ms_env):
    """127.0.0.1 is not a trusted proxy here: its X-Forwarded-* mean nothing."""
    return module_servers(BASE.format(mods=ms_env.modules_dir, key=KEY,
                                      proxy="192.0.2.1"),
                          name="secure-untrusted", start=True)


def tls_get(h, path):
    ctx = ssl._create_unverified_context()
    conn = http.client.HTTPSConnection("127.0.0.1", h.tls_port, context=ctx,
                                       timeout=15)
    started = time.time()
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return H.Response(resp.status, resp.reason, resp.getheaders(),
                          resp.read(), started, time.time())
    finally:
        conn.close()


def secure_flag(r):
    c = r.cookie("sessionid")
    assert c is not None, r.headers
    return "secure" in c.flags


def test_auto_over_tls_is_secure(srv):
    r = tls_get(srv, "/api/set?k=a&v=1")
    assert r.status == 200
    assert secure_flag(r)


def test_auto_over_plain_http_is_not_secure(srv):
    assert not secure_flag(srv.client().api("set", k="a", v="1"))


def test_auto_from_trusted_proxy_saying_https(srv):
    r = srv.client().api("set", k="a", v="1", request_kw={"headers": {
        "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}})
    assert secure_flag(r)


def test_auto_trusted_proxy_saying_http(srv):
    r = srv.client().api("set", k="a", v="1", request_kw={"headers": {
        "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"}})
    assert not secure_flag(r)


def test_auto_proto_without_a_forwarded_client_is_ignored(srv):
    # mod_remoteip accepted nothing (no X-Forwarded-For): a client's own
    # X-Forwarded-Proto is not evidence of TLS
    r = srv.client().api("set", k="a", v="1", request_kw={"headers": {
        "X-Forwarded-Proto": "https"}})
    assert not secure_flag(r)


def test_auto_from_untrusted_peer_is_ignored(untrusted):
    r = untrusted.client().api("set", k="a", v="1", request_kw={"headers": {
        "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}})
    assert not secure_flag(r)


def test_on_is_always_secure(srv):
    assert secure_flag(srv.client().api("set", k="a", v="1", prefix="/always"))


# --- prefixes at apache2 -t -----------------------------------------------------

@pytest.fixture(scope="module")
def checker(module_servers):
    return module_servers(name="secure-config")


@pytest.mark.parametrize("lines, ok, why", [
    (["MartenSessionCookieName __Host-sid", "MartenSessionCookieSecure On"],
     True, None),
    (["MartenSessionCookieName __Host-sid"], False, "Secure On"),
    (["MartenSessionCookieName __Host-sid", "MartenSessionCookieSecure Auto"],
     False, "Secure On"),
    (["MartenSessionCookieName __Host-sid", "MartenSessionCookieSecure On",
      "MartenSessionCookieDomain example.org"], False, "CookieDomain"),
    (["MartenSessionCookieName __Host-sid", "MartenSessionCookieSecure On",
      "MartenSessionCookiePath /app"], False, "CookiePath /"),
    (["MartenSessionCookieName __Secure-sid", "MartenSessionCookieSecure On",
      "MartenSessionCookiePath /app", "MartenSessionCookieDomain example.org"],
     True, None),
    (["MartenSessionCookieName __Secure-sid"], False, "Secure On"),
], ids=["host-ok", "host-no-secure", "host-auto", "host-domain", "host-path",
        "secure-ok", "secure-no-secure"])
def test_prefix_rules(checker, lines, ok, why):
    for where in ("server", "location"):
        if where == "server":
            snippet = session_on(KEY, "\n".join(lines))
        else:
            snippet = (session_on(KEY) + "<Location /app>\n%s\n</Location>\n"
                       % "\n".join("    " + l for l in lines))
        rc, out = checker.check_config(snippet)
        assert (rc == 0) == ok, (where, out)
        if not ok:
            assert "MS00305" in out and "MartenSessionCookieName" in out, out
            assert why in out, out


def test_host_prefix_inherits_server_settings(checker):
    # Secure from the server, the name in a Location: fine
    rc, out = checker.check_config(session_on(
        KEY, "MartenSessionCookieSecure On\n<Location /app>\n"
        "    MartenSessionCookieName __Host-x\n</Location>"))
    assert rc == 0, out
    # a Domain from the server breaks the Location's __Host- name
    rc, out = checker.check_config(session_on(
        KEY, "MartenSessionCookieDomain example.org\n<Location /app>\n"
        "    MartenSessionCookieName __Host-x\n"
        "    MartenSessionCookieSecure On\n</Location>"))
    assert rc != 0 and "MS00305" in out, out


def test_secure_value_checked(checker):
    rc, out = checker.check_config(session_on(KEY, "MartenSessionCookieSecure Maybe"))
    assert rc != 0 and "MartenSessionCookieSecure" in out, out
