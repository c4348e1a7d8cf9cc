#!/bin/sh
# make demo: the demo site on http://127.0.0.1:${PORT:-8080}/ from a
# throw-away server root, in the foreground until Ctrl-C.
set -eu
: "${MS_HTTPD:?}" "${MS_MODULE:?}" "${MS_MODULES_DIR:?}"
PORT=${PORT:-8080}
# SAMESITE=Strict make demo: the session cookie's SameSite attribute
SAMESITE=${SAMESITE:-Lax}
case $SAMESITE in
    Lax|Strict|Off) ;;
    *) echo "demo: SAMESITE must be Lax, Strict or Off (None needs HTTPS)" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
root=""
pid=""
watcher=""
cleanup() {
    # Not under set -e: a kill or wait that fails (httpd already gone after
    # a Ctrl-C to the whole group) must not skip removing the root, whose
    # httpd.conf holds the key. A second Ctrl-C must not cut this short
    # either; httpd removes its pid file from the root as it exits, so the
    # root goes only after it.
    set +e
    trap '' INT TERM HUP
    [ -z "$watcher" ] || kill "$watcher" 2>/dev/null
    if [ -n "$pid" ]; then
        # httpd drops a SIGTERM that comes while it restarts (a hangup
        # sends it SIGHUP too): say it again each second until it is gone.
        (while kill -TERM "$pid"; do sleep 1; done) >/dev/null 2>&1 &
        nag=$!
        wait "$pid" 2>/dev/null
        kill "$nag" 2>/dev/null
    fi
    [ -z "$root" ] || rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 0' INT TERM HUP

root=$(mktemp -d "${TMPDIR:-/tmp}/marten-demo.XXXXXX")
chmod 755 "$root"
key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
user=www-data; group=www-data
id "$user" >/dev/null 2>&1 || { user=nobody; group=nogroup; }

sed -e "s|@ROOT@|$root|g" -e "s|@PORT@|$PORT|g" -e "s|@KEY@|$key|g" \
    -e "s|@MODULE@|$MS_MODULE|g" -e "s|@MODULES@|$MS_MODULES_DIR|g" \
    -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" -e "s|@SAMESITE@|$SAMESITE|g" \
    "$here/httpd.conf.in" > "$root/httpd.conf"
cp "$here/app.py" "$root/app.py"
chmod 755 "$root/app.py"

# make passes SIGTERM on to this script but not SIGINT: sent to make alone,
# SIGINT makes it drop its handler and wait for the script to end. So a
# watcher stops the demo once make (MS_MAKE_PID) no longer catches SIGINT,
# or is gone (Linux /proc; make started with SIGINT ignored is not watched).
catches_int() {
    cgt=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
    [ -n "$cgt" ] && [ $((0x$cgt & 2)) -ne 0 ]
}
if [ -n "${MS_MAKE_PID:-}" ] && catches_int "$MS_MAKE_PID"; then
    (while catches_int "$MS_MAKE_PID"; do sleep 0.2; done; kill -TERM $$) \
        >/dev/null 2>&1 &
    watcher=$!
fi

"$MS_HTTPD" -t -d "$root" -f "$root/httpd.conf" >/dev/null
"$MS_HTTPD" -DFOREGROUND -d "$root" -f "$root/httpd.conf" &
pid=$!
# Print the address once the server answers (at most 10 s), or say why not.
tries=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/session"; do
    tries=$((tries + 1))
    if [ $tries -ge 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "mod_marten_session demo: httpd did not start (see the lines above)" >&2
        exit 1
    fi
    sleep 0.1
done
echo "mod_marten_session demo: http://127.0.0.1:$PORT/  (Ctrl-C stops it)"
wait "$pid"
