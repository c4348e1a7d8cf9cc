#!/bin/sh
# The Debian packages the build and the tests use, in one place.
#   build/deps.sh          install what is missing (as root), or print the
#                          exact apt-get line and fail (as a normal user)
#   build/deps.sh --list   print the package names
set -e
PACKAGES="apache2 apache2-dev libapr1-dev libaprutil1-dev libssl-dev check
  pkg-config autoconf automake libtool make gcc cppcheck
  python3 python3-pytest python3-cryptography curl php-cgi
  redis-server memcached postgresql libaprutil1-dbd-pgsql libaprutil1-dbd-sqlite3
  clang libclang-rt-14-dev openssl
  chromium chromium-driver python3-selenium valgrind wrk apache2-utils"

if [ "$1" = "--list" ]; then
  echo $PACKAGES
  exit 0
fi

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine may have no package lists yet.
  apt-get install -y -qq $missing >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq $missing >/dev/null; }
else
  echo "deps: missing Debian packages. Run:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
