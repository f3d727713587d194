#!/usr/bin/env bash
# Make sure a Docker engine answers, on a fresh Debian 12 machine as root if need be:
# install Debian's docker.io (and busybox-static for the locally built images) when missing,
# start dockerd in the background when it is not running, and wait for /_ping.
# With DOCKER_HOST set to something else than the default socket, only checks that it answers.
set -euo pipefail

sock=/var/run/docker.sock
ping_engine() {
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix://$sock" ]; then
    node -e '
      const h = process.env.DOCKER_HOST, http = require("node:http");
      const o = h.startsWith("unix://") ? { socketPath: h.slice(7) } : (([, host, port]) => ({ host, port: port || 2375 }))(/^tcp:\/\/([^:/]+):?(\d+)?/.exec(h));
      http.get({ ...o, path: "/_ping", timeout: 2000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1));'
  else
    [ -S "$sock" ] && curl -fsS --max-time 2 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
  fi
}

need_pkgs=()
# The images are FROM scratch + busybox: it must be the static build.
bb=$(command -v busybox || true)
{ [ -n "$bb" ] && { ldd "$bb" 2>&1 || true; } | grep -q 'not a dynamic'; } || need_pkgs+=(busybox-static)
if ! ping_engine; then
  command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
fi
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
bash "$(dirname "$0")/apt-install.sh" ${need_pkgs[@]+"${need_pkgs[@]}"}

if ping_engine; then exit 0; fi
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix://$sock" ]; then
  echo "moor: DOCKER_HOST=$DOCKER_HOST does not answer" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "moor: no Docker engine at $sock and not root to start one" >&2
  exit 1
fi
echo "moor: starting dockerd (log: /var/log/moor-dockerd.log)…" >&2
nohup dockerd >/var/log/moor-dockerd.log 2>&1 &
for _ in $(seq 1 150); do
  ping_engine && exit 0
  sleep 0.2
done
echo "moor: dockerd did not answer within 30s; see /var/log/moor-dockerd.log" >&2
tail -n 20 /var/log/moor-dockerd.log >&2 || true
exit 1
