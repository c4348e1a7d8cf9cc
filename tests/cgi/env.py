#!/usr/bin/python3
"""CGI script for the end-to-end tests: prints its environment.

Query args (form-style):
  only=PREFIX   print only variables starting with PREFIX
                (default: MARTEN_SESSION)
  header=NAME:VALUE  add a response header (may repeat; for write-back tests)
  status=NNN    send this Status
  raw=1         read the variables from /proc/self/environ, so a name
                that httpd passed twice is printed twice

Body: "NAME=VALUE\n" lines, sorted by name.
"""
import os
import sys
import urllib.parse

args = urllib.parse.parse_qsl(os.environ.get("QUERY_STRING", ""),
                              keep_blank_values=True)
only = "MARTEN_SESSION"
out = sys.stdout.buffer
status = None
raw = False
headers = []
for k, v in args:
    if k == "only":
        only = v
    elif k == "header":
        headers.append(v)
    elif k == "status":
        status = v
    elif k == "raw":
        raw = v == "1"
if status:
    out.write(b"Status: " + status.encode() + b"\r\n")
for h in headers:
    out.write(h.encode("utf-8", "surrogateescape") + b"\r\n")
out.write(b"Content-Type: text/plain; charset=utf-8\r\n\r\n")
if raw:
    with open("/proc/self/environ", "rb") as f:
        entries = [e.partition(b"=") for e in f.read().split(b"\0") if e]
    pairs = [(name, value) for name, _, value in entries]
else:
    pairs = list(os.environb.items())
for name, value in sorted(pairs):
    if name.startswith(only.encode()):
        out.write(name + b"=" + value + b"\n")
