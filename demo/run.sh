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
root=$(mktemp -d /tmp/marten-demo.XXXXXX)
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

pid=""
cleanup() {
    # A second Ctrl-C must not cut this short: httpd removes its pid file
    # from the server root as it exits, so the root goes only after it.
    trap '' INT TERM
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

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
