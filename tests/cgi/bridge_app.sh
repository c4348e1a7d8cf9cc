#!/bin/sh
# Test CGI (tests/e2e/test_100_bridges_cgi.py): one small session app, the
# same in sh, Python and PHP (bridge_app.py, bridge_app.php).
#
#   ?do=count            count = count + 1 (X-Marten-Session-Set)
#   ?do=login&user=NAME  303 to ?do=show, sets user_id (NAME is sent on as
#                        it came: a form-encoded query is valid
#                        percent-encoding for the header, bar '+'), cycles
#                        the session key
#   ?do=logout           flushes the session
#   ?do=show             changes nothing
# Body, every time: "lang=sh", "count=<before>", "user=<before>" lines,
# from the MARTEN_SESSION_* variables the script was given.
do=show
user=
for arg in $(printf '%s' "${QUERY_STRING:-}" | tr '&' ' '); do
    case $arg in
        do=*) do=${arg#do=} ;;
        user=*) user=${arg#user=} ;;
    esac
done
count=${MARTEN_SESSION_count:-0}
case $count in ''|*[!0-9]*) count=0 ;; esac

case $do in
    count)
        printf 'X-Marten-Session-Set: count=%s\r\n' $((count + 1)) ;;
    login)
        printf 'Status: 303 See Other\r\n'
        printf 'Location: %s?do=show\r\n' "$SCRIPT_NAME"
        printf 'X-Marten-Session-Set: user_id=%s\r\n' "$user"
        printf 'X-Marten-Session-Cycle-Key: 1\r\n' ;;
    logout)
        printf 'X-Marten-Session-Flush: 1\r\n' ;;
esac
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
printf 'lang=sh\ncount=%s\nuser=%s\n' "${MARTEN_SESSION_count:-}" \
    "${MARTEN_SESSION_user_id:-}"
