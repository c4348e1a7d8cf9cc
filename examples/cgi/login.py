#!/usr/bin/python3
"""Logs in: GET shows a form, POST name=... puts the name in the session as
user_id, asks for a new session key (no session fixation) and redirects to
/ with a Status line, so the write-back headers go out with the redirect.
A real application checks a password before this."""
import html
import os
import sys
import urllib.parse


def send(status, headers, body=""):
    lines = ["Status: " + status] + headers
    sys.stdout.write("\r\n".join(lines) + "\r\n\r\n" + body)


if os.environ.get("REQUEST_METHOD") == "POST":
    length = int(os.environ.get("CONTENT_LENGTH") or 0)
    form = urllib.parse.parse_qs(sys.stdin.read(length))
    name = form.get("name", [""])[0].strip()[:100]
    if not name:
        send("400 Bad Request", ["Content-Type: text/plain"], "name is empty\n")
    else:
        send("303 See Other", [
            "Location: /",
            # keys and values are percent-encoded, all bytes but A-Z a-z 0-9 _.-~
            "X-Marten-Session-Set: user_id=" + urllib.parse.quote(name, safe=""),
            "X-Marten-Session-Cycle-Key: 1",
        ])
else:
    user = os.environ.get("MARTEN_SESSION_user_id")
    who = "Logged in as %s." % html.escape(user) if user else "Not logged in."
    send("200 OK", ["Content-Type: text/html; charset=utf-8"],
         "<!doctype html><title>Log in</title><p>%s</p>"
         "<form method=post><input name=name> <button>Log in</button></form>\n"
         % who)
