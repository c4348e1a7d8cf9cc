"""Helpers for the bridge tests (test_1NN_*): CGI, PHP, proxy, examples.

    KEY                          the secret key of every bridge server
    load_modules(env, *names)    LoadModule lines for stock httpd modules
    session_of(cookie)           the session dict inside a Set-Cookie / value
    read_env(body)               "NAME=VALUE" lines of tests/cgi/env.py -> dict
    Backend(argv)                a real HTTP backend process on 127.0.0.1:
                                 started with port 0, reports its port on
                                 stdout, stopped by its PID
    wait_for_log(path, pred)     the access log line that pred accepts

Run as a script, this file is itself a small test backend (see _echo_main):

    python3 bridges_util.py echo     # prints "listening on 127.0.0.1:PORT"
"""

import http.server
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"

# Used by the bridge tests only (44 bytes).
KEY = "bridges-e2e-key-0123456789abcdef-0123456789"


def load_modules(env, *names):
    """LoadModule lines for httpd's own modules (mod_<name>.so), e.g.
    load_modules(env, "actions", "proxy", "proxy_http")."""
    return "".join("LoadModule %s_module %s/mod_%s.so\n"
                   % (n, env.modules_dir, n) for n in names)


def session_of(cookie, key=KEY):
    """The session (dict) of a parsed Set-Cookie or a cookie value."""
    import marten_codec
    value = getattr(cookie, "value", cookie)
    return dict(marten_codec.decode_session(key, value)[0])


def read_env(body):
    """Lines NAME=VALUE (as printed by tests/cgi/env.py) as a dict of str."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "surrogateescape")
    out = {}
    for line in body.split("\n"):
        if line:
            name, _, value = line.partition("=")
            out[name] = value
    return out


def wait_for_log(path, pred, timeout=5):
    """The first line of the file at path for which pred(line) is true;
    httpd writes the access log after the response, so poll a little."""
    deadline = time.time() + timeout
    while True:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    if pred(line):
                        return line.rstrip("\n")
        except OSError:
            pass
        if time.time() > deadline:
            raise AssertionError("no matching line in %s" % path)
        time.sleep(0.05)


class Backend:
    """A backend process that binds 127.0.0.1 itself (port 0) and prints
    one line ending in "127.0.0.1:PORT" or "127.0.0.1:PORT/" first."""

    def __init__(self, argv, cwd=None, env=None):
        self.argv = argv
        self.stderr_text = ""
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode("utf-8", "replace").strip()
        addr = line.rstrip("/").rsplit("127.0.0.1:", 1)
        if len(addr) != 2 or not addr[1].isdigit():
            self.stop()
            raise RuntimeError("backend %r did not report its port: %r\n%s"
                               % (argv, line, self.stderr_text))
        self.port = int(addr[1])
        self.address = "127.0.0.1:%d" % self.port

    def stop(self, timeout=10):
        """SIGTERM to our own process, then wait (SIGKILL if it hangs)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:
            self.stderr_text = self.proc.stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            self.stderr_text = ""
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode


# ---------------------------------------------------------------------------
# The echo backend: what a proxied application receives and sends
# ---------------------------------------------------------------------------

class _EchoHandler(http.server.BaseHTTPRequestHandler):
    """GET /anything?header=Name:Value&header=...&status=NNN

    Answers with the given status (200) and response headers, each sent as
    a header of its own (a proxy keeps them apart; httpd's CGI code would
    join them), and a JSON body: {"path": ..., "headers": [[name, value],
    ...]} with the request headers exactly as they arrived."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        query = urllib.parse.urlsplit(self.path).query
        args = urllib.parse.parse_qsl(query, keep_blank_values=True)
        status = 200
        extra = []
        for k, v in args:
            if k == "status":
                status = int(v)
            elif k == "header":
                name, _, value = v.partition(":")
                extra.append((name.strip(), value.strip()))
        body = json.dumps({"path": self.path,
                           "headers": [[k, v] for k, v in self.headers.items()]
                           }).encode("utf-8")
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _echo_main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def start_echo_backend():
    return Backend([PYTHON, os.path.abspath(__file__), "echo"])


if __name__ == "__main__" and sys.argv[1:2] == ["echo"]:
    _echo_main()
