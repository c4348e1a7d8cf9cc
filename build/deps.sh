#!/bin/sh
# Make sure the Debian packages the build and the tests use are present.
# As root they are installed with apt-get; otherwise the exact command is
# printed and the build stops.
set -e
PACKAGES="apache2 apache2-dev libapr1-dev libaprutil1-dev libssl-dev check
  pkg-config autoconf automake libtool make gcc
  python3 python3-pytest python3-cryptography curl"
[ -n "$MS_EXTRA_PACKAGES" ] && PACKAGES="$PACKAGES $MS_EXTRA_PACKAGES"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "deps: installing$missing"
  if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
    apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; }
else
  echo "deps: missing Debian packages. Run:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
