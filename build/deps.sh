#!/bin/sh
# The Debian packages of the build and of the tests, in one place.
#   build/deps.sh [build]       what the build and `make demo` need
#   build/deps.sh check         that plus what `make check` (and CI's fuzz
#                               and ASan runs, `make bench`) need
#   build/deps.sh --list [SET]  print the package names
# When a package of the set is missing: as root, `apt-get update`, then
# `apt-get install` of the whole set (so what is already there is brought
# up to date with it), then the libraries httpd and its modules link
# against are upgraded too: a distribution apache2 built against a newer
# OpenSSL than the installed libssl3 makes mod_ssl warn (AH01882). As a
# normal user it prints the apt-get lines and fails. Nothing missing:
# nothing to do, no network.
set -e
BUILD="apache2 apache2-dev libapr1-dev libaprutil1-dev libssl-dev check
  pkg-config autoconf automake libtool make gcc python3 curl"
CHECK="cppcheck python3-pytest python3-cryptography php-cgi openssl
  redis-server memcached postgresql libaprutil1-dbd-pgsql libaprutil1-dbd-sqlite3
  clang libclang-rt-14-dev chromium chromium-driver python3-selenium
  valgrind wrk apache2-utils"
# test hooks: where httpd and its modules are (tests/e2e/test_600_deps.py)
HTTPD_BIN=${DEPS_HTTPD_BIN:-/usr/sbin/apache2}
HTTPD_MODULES=${DEPS_HTTPD_MODULES:-/usr/lib/apache2/modules}

list=""
[ "$1" = "--list" ] && { list=1; shift; }
case ${1:-build} in
    build) PACKAGES=$BUILD ;;
    check) PACKAGES="$BUILD $CHECK" ;;
    *) echo "usage: build/deps.sh [--list] [build|check]" >&2; exit 2 ;;
esac
if [ -n "$list" ]; then
    echo $PACKAGES
    exit 0
fi

# one dpkg-query for the lot: "ii " marks an installed package
installed=" $(dpkg-query -W -f='${db:Status-Abbrev}${Package}\n' $PACKAGES 2>/dev/null \
    | sed -n 's/^ii *//p' | tr '\n' ' ') "
missing=""
for p in $PACKAGES; do
    case $installed in *" $p "*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "deps: missing Debian packages:$missing. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y" $PACKAGES >&2
    exit 1
fi

echo "deps: missing:$missing; installing the ${1:-build} set"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $PACKAGES >/dev/null

# The packages of the libraries httpd and its modules are linked against.
libs=$(for f in "$HTTPD_BIN" "$HTTPD_MODULES"/*.so; do
           [ -f "$f" ] && ldd "$f" 2>/dev/null
       done | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u \
       | while read -r so; do
           dpkg-query -S "$(readlink -f "$so")" 2>/dev/null | sed -n '1s/:.*//p'
         done | sort -u)
if [ -n "$libs" ]; then
    echo "deps: bringing httpd's libraries up to date:" $libs
    apt-get install -y -qq --only-upgrade $libs >/dev/null
fi
