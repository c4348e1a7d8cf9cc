#!/usr/bin/python3
"""The demo site: a CGI script that reads the session from MARTEN_SESSION_*
variables and changes it with X-Marten-Session-* response headers."""
import html
import json
import os
import sys
import urllib.parse


def respond(body, status="200 OK", headers=()):
    out = [f"Status: {status}", "Content-Type: text/html; charset=utf-8"]
    out += [f"{name}: {value}" for name, value in headers]
    sys.stdout.write("\r\n".join(out) + "\r\n\r\n")
    sys.stdout.write(body)


def page(title, content):
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
            "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}"
            "nav a{margin-right:1em}</style></head><body>"
            "<nav><a href='/'>Home</a><a href='/session'>Session</a>"
            "<a href='/logout'>Log out</a></nav>"
            f"<h1>{title}</h1>{content}</body></html>")


def pct(s):
    return urllib.parse.quote(s, safe="")


def redirect_home(*writebacks):
    respond("", "303 See Other", [("Location", "/")] + list(writebacks))


def home():
    user = os.environ.get("MARTEN_SESSION_user")
    visits = int(os.environ.get("MARTEN_SESSION_visits", "0") or 0) + 1
    if user:
        who = (f"<p id='greeting'>Logged in as <b id='user'>{html.escape(user)}</b>.</p>"
               "<form method='post' action='/logout'><button id='logout'>Log out</button></form>")
    else:
        who = ("<form method='post' action='/login'><label>Name "
               "<input id='name' name='name' required></label> "
               "<button id='login'>Log in</button></form>")
    body = page("mod_marten_session demo",
                f"<p>Visits in this session: <b id='visits'>{visits}</b></p>{who}")
    respond(body, headers=[("X-Marten-Session-Set", f"visits={visits}")])


def login():
    length = int(os.environ.get("CONTENT_LENGTH") or 0)
    form = urllib.parse.parse_qs(sys.stdin.read(length))
    name = form.get("name", [""])[0].strip()[:100]
    if not name:
        return redirect_home()
    redirect_home(("X-Marten-Session-Set", f"user={pct(name)}"),
                  ("X-Marten-Session-Cycle-Key", "1"))


def logout():
    redirect_home(("X-Marten-Session-Flush", "1"))


def show_session():
    session = json.loads(os.environ.get("MARTEN_SESSION", "{}"))
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
                   for k, v in session.items()) or "<tr><td colspan=2>(empty)</td></tr>"
    cookie = html.escape(os.environ.get("DEMO_COOKIE", ""))
    body = page("Your session",
                f"<table id='session' border=1><tr><th>key</th><th>value</th></tr>{rows}</table>"
                f"<p>Cookie attributes: <code id='cookie'>{cookie}</code></p>"
                "<p>The cookie is HttpOnly: scripts in this page cannot read it.</p>")
    respond(body)


def main():
    path = os.environ.get("PATH_INFO", "/")
    method = os.environ.get("REQUEST_METHOD", "GET")
    if method == "POST" and path != "/login":
        # read what was posted, even when unused: a CGI that exits with the
        # body unread makes httpd log a reset connection
        sys.stdin.read(int(os.environ.get("CONTENT_LENGTH") or 0))
    if path in ("/", ""):
        home()
    elif path == "/login" and method == "POST":
        login()
    elif path == "/logout":
        logout()
    elif path == "/session":
        show_session()
    else:
        respond(page("Not found", ""), "404 Not Found")


main()
