#!/bin/sh
# Counts your visits in the session: reads MARTEN_SESSION_visits, writes the
# new value back with an X-Marten-Session-Set response header.
visits=${MARTEN_SESSION_visits:-0}
case $visits in
    ''|*[!0-9]*) visits=0 ;;    # session values are strings: check them
esac
visits=$((visits + 1))

printf 'Content-Type: text/plain; charset=utf-8\r\n'
printf 'X-Marten-Session-Set: visits=%s\r\n' "$visits"
printf '\r\n'
printf 'visits: %s\n' "$visits"
printf 'user: %s\n' "${MARTEN_SESSION_user_id:-(not logged in)}"
