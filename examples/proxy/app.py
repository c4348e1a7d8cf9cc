#!/usr/bin/python3
"""A proxied application sharing the session (examples/httpd-bridges.conf
mounts it on /proxy/). httpd hands it the session as JSON in the X-Session
request header; it changes the session with X-Marten-Session-* response
headers, exactly like a CGI script.

    python3 app.py [PORT]    listen on 127.0.0.1:PORT (8081; 0: any free port)

    GET  /          greets the user and counts the visit
    POST /login     name=...: log in, with a new session key
    POST /logout    empty the session
"""
import html
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def session_of(request):
    """The session httpd passed on; {} when there is none."""
    raw = request.headers.get("X-Session", "")
    try:
        # header bytes arrive as Latin-1 text; the JSON is UTF-8
        session = json.loads(raw.encode("latin-1").decode("utf-8"))
    except ValueError:
        return {}
    return session if isinstance(session, dict) else {}


def pct(text):
    return urllib.parse.quote(text, safe="")


class App(BaseHTTPRequestHandler):
    def reply(self, status, headers, body=""):
        data = body.encode("utf-8")
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)   # repeated names stay separate
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path != "/":
            return self.reply(404, [], "not found\n")
        session = session_of(self)
        count = session.get("visits", "0")
        visits = int(count) + 1 if count.isdigit() else 1
        user = session.get("user_id")
        who = "Hello %s!" % html.escape(user) if user else "Not logged in."
        self.reply(200, [("X-Marten-Session-Set", "visits=%d" % visits)],
                   "<p>%s Visits: %d.</p>\n" % (who, visits))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8"))
        back = ("Location", "./")      # relative: wherever httpd mounts us
        if self.path == "/login":
            name = form.get("name", [""])[0].strip()[:100]
            if not name:
                return self.reply(400, [], "name is empty\n")
            self.reply(303, [back,
                             ("X-Marten-Session-Set", "user_id=" + pct(name)),
                             ("X-Marten-Session-Cycle-Key", "1")])
        elif self.path == "/logout":
            self.reply(303, [back, ("X-Marten-Session-Flush", "1")])
        else:
            self.reply(404, [], "not found\n")

    def log_message(self, fmt, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8081
    server = ThreadingHTTPServer(("127.0.0.1", port), App)
    print("listening on http://127.0.0.1:%d/" % server.server_address[1],
          flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
