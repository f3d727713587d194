#!/usr/bin/env bash
# npm test: planner and unit tests (no engine), then end-to-end tests against a real engine.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
# The tests are TypeScript too: type-check them (strict) before running them.
node node_modules/typescript/bin/tsc -p tsconfig.test.json

bash scripts/ensure-engine.sh
# The storage-provider tests mount over sshfs, and the remote-engine tests reach the engine over ssh://,
# from an sshd on 127.0.0.1 they start themselves.
missing=()
command -v sshfs >/dev/null 2>&1 || missing+=(sshfs)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v pkill >/dev/null 2>&1 || missing+=(procps)   # the sshfs tests kill sshfs/ssh to break a mount
command -v socat >/dev/null 2>&1 || missing+=(socat)    # the remote-engine tests put TLS in front of the engine
command -v zsh >/dev/null 2>&1 || missing+=(zsh)        # the completion tests check the scripts with each shell
command -v fish >/dev/null 2>&1 || missing+=(fish)
command -v script >/dev/null 2>&1 || missing+=(util-linux) # moor exec's TTY test runs under script(1)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)   # moor import is compared with docker-compose up; the adoption test starts a compose project with it
# The Podman tests run a private `podman system service` (test/fixtures/podman.ts) in namespaces of its own.
command -v podman >/dev/null 2>&1 || missing+=(podman)
[ -x /usr/lib/podman/netavark ] || missing+=(netavark aardvark-dns)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v setcap >/dev/null 2>&1 || missing+=(libcap2-bin)   # a file capability in a volume: the migration copy keeps it
bash scripts/apt-install.sh ${missing[@]+"${missing[@]}"}
bash scripts/prepare-busybox.sh test/fixtures/tools
node --import tsx test/run.ts "$@"
