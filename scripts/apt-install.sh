#!/usr/bin/env bash
# Install Debian packages as root (used by the engine bootstrap and the benchmark): apt-install.sh PKG...
set -euo pipefail
[ $# -gt 0 ] || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "moor: missing $*; run as root or install them (apt-get install $*)" >&2
  exit 1
fi
echo "moor: installing $* from Debian's packages…" >&2
export DEBIAN_FRONTEND=noninteractive
# Packages must not start services (openssh-server would start an sshd on port 22): moor's scripts
# start what they need themselves. policy-rc.d is Debian's switch for that, removed afterwards.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
fi
trap '[ -n "$own_policy" ] && rm -f "$policy"' EXIT
apt-get update -qq >/dev/null
apt-get install -y -qq "$@" >/dev/null
