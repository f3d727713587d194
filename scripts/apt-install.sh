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
apt-get update -qq >/dev/null
apt-get install -y -qq "$@" >/dev/null
