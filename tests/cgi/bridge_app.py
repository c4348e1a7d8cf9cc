#!/usr/bin/python3
"""Test CGI: the session app of bridge_app.sh, in Python (same queries,
same body with lang=py). The login name is decoded from the query and
percent-encoded again for the write-back header."""
import os
import sys
import urllib.parse

args = dict(urllib.parse.parse_qsl(os.environ.get("QUERY_STRING", ""),
                                   keep_blank_values=True))
env = os.environb
count = env.get(b"MARTEN_SESSION_count", b"")
user = env.get(b"MARTEN_SESSION_user_id", b"")
headers = []
do = args.get("do", "show")
if do == "count":
    n = int(count) + 1 if count.isdigit() else 1
    headers.append("X-Marten-Session-Set: count=%d" % n)
elif do == "login":
    name = urllib.parse.quote(args.get("user", ""), safe="")
    headers += ["Status: 303 See Other",
                "Location: %s?do=show" % os.environ["SCRIPT_NAME"],
                "X-Marten-Session-Set: user_id=" + name,
                "X-Marten-Session-Cycle-Key: 1"]
elif do == "logout":
    headers.append("X-Marten-Session-Flush: 1")
headers.append("Content-Type: text/plain; charset=utf-8")
out = sys.stdout.buffer
out.write(("\r\n".join(headers) + "\r\n\r\n").encode("ascii"))
out.write(b"lang=py\ncount=" + count + b"\nuser=" + user + b"\n")
