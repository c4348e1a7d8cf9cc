"""MartenSessionCookieSameSite None needs Secure On where it is in effect
(issue 11, item 16d): settings inherited from the server or the virtual
host count, both ways (MS00304)."""

import pytest

from common import KEY, handler_location

MS00304 = "MS00304: MartenSessionCookieSameSite None"


@pytest.fixture(scope="module")
def checker(module_servers):
    return module_servers(name="samesite")


def vhost(body):
    return ("<VirtualHost 127.0.0.1:@PORT@>\n    ServerName vh.test\n%s\n"
            "</VirtualHost>\n" % body)


ACCEPTED = {
    "server-secure-location-none":
        "MartenSessionCookieSecure On\n"
        "<Location /n>\n    MartenSession On\n    MartenSessionCookieSameSite None\n"
        "</Location>",
    "server-none-location-secure":
        "MartenSessionCookieSameSite None\nMartenSessionCookieSecure On\n"
        "<Location /n>\n    MartenSession On\n    MartenSessionCookieSecure On\n"
        "</Location>",
    "vhost-secure-location-none":
        vhost("    MartenSessionCookieSecure On\n    <Location /n>\n"
              "        MartenSession On\n        MartenSessionCookieSameSite None\n"
              "    </Location>"),
    "server-secure-vhost-none":
        "MartenSessionCookieSecure On\n"
        + vhost("    MartenSession On\n    MartenSessionCookieSameSite None"),
    "server-secure-vhost-location-none":
        "MartenSessionCookieSecure On\n"
        + vhost("    <Location /n>\n        MartenSession On\n"
                "        MartenSessionCookieSameSite None\n    </Location>"),
}

REFUSED = {
    "location-none-alone":
        "<Location /n>\n    MartenSession On\n    MartenSessionCookieSameSite None\n"
        "</Location>",
    "server-none-location-secure-off":
        "MartenSessionCookieSameSite None\nMartenSessionCookieSecure On\n"
        "<Location /n>\n    MartenSessionCookieSecure Off\n</Location>",
    "server-none-location-secure-auto":
        "MartenSessionCookieSameSite None\nMartenSessionCookieSecure On\n"
        "<Location /n>\n    MartenSessionCookieSecure Auto\n</Location>",
    "server-secure-off-location-none":
        "MartenSessionCookieSecure Off\n"
        "<Location /n>\n    MartenSessionCookieSameSite None\n</Location>",
    "server-secure-vhost-secure-off-location-none":
        "MartenSessionCookieSecure On\n"
        + vhost("    MartenSessionCookieSecure Off\n    <Location /n>\n"
                "        MartenSessionCookieSameSite None\n    </Location>"),
    "vhost-none-location-secure-off":
        vhost("    MartenSessionCookieSameSite None\n"
              "    MartenSessionCookieSecure On\n    <Location /n>\n"
              "        MartenSessionCookieSecure Off\n    </Location>"),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_inherited_secure_on_accepted(checker, name):
    rc, out = checker.check_config("MartenSessionSecretKey %s\n%s" % (KEY, ACCEPTED[name]))
    assert rc == 0 and "Syntax OK" in out, out


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_none_without_secure_in_effect_refused(checker, name):
    rc, out = checker.check_config("MartenSessionSecretKey %s\n%s" % (KEY, REFUSED[name]))
    assert rc != 0 and "Syntax OK" not in out, out
    assert MS00304 in out and "needs MartenSessionCookieSecure On there" in out, out


def test_location_none_under_server_secure_sends_both(module_servers):
    """The accepted configuration does what it says: SameSite=None; Secure."""
    h = module_servers("MartenSessionSecretKey %s\nMartenSessionCookieSecure On\n"
                       "MartenSession On\n" % KEY
                       + handler_location("/api", "MartenSessionCookieSameSite None"),
                       name="samesite-run", start=True)
    r = h.client().api("set", k="a", v="1")
    c = r.cookie("sessionid")
    assert c.attrs.get("samesite") == "None" and "secure" in c.flags, r
